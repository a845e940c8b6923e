"""When jobs fire: the build's cron line in the report's time zone (DST-safe), the ingest interval."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reporter.scheduler.cron import read_cron

if TYPE_CHECKING:
    from reporter.models import Schedule


class DstSafeCronTrigger(CronTrigger):
    """A cron trigger that fires a fixed-hour job once, not twice, when clocks go back.

    APScheduler fires "30 1 * * *" at both 01:30s of a night that repeats an hour; like cron, we
    drop the second. A time that does not exist (clocks going forward) fires an hour later in wall
    time, so it is not skipped. Jobs whose hour field is `*` fire in real time, both hours.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The next fire time, skipping the second pass of a repeated wall-clock time."""
        nxt = super().get_next_fire_time(previous_fire_time, now)
        while nxt is not None and self._repeats_fixed_time(nxt):
            nxt = super().get_next_fire_time(nxt, nxt)
        return nxt

    def _repeats_fixed_time(self, t: datetime) -> bool:
        hour = next(f for f in self.fields if f.name == "hour")
        if str(hour) == "*" or t.fold != 1:
            return False
        return t.replace(fold=0).utcoffset() != t.utcoffset()


def build_trigger(schedule: Schedule) -> DstSafeCronTrigger:
    """The build-and-send trigger: the report's cron line, read as cron reads it, in its own time zone."""
    fields = read_cron(schedule.cron)
    return DstSafeCronTrigger(**asdict(fields), timezone=ZoneInfo(schedule.timezone))


def ingest_trigger(schedule: Schedule) -> IntervalTrigger:
    """The ingest trigger: every `ingest_every_hours`."""
    return IntervalTrigger(seconds=schedule.ingest_every_hours * 3600, timezone=ZoneInfo(schedule.timezone))


def describe_trigger(trigger: Any) -> str:
    """A trigger as a person wrote it: 'cron 0 6 1 * * Asia/Tokyo', 'every 4h', or APScheduler's words."""
    if isinstance(trigger, CronTrigger):
        f = {field.name: str(field) for field in trigger.fields}
        line = " ".join(f[n] for n in ("minute", "hour", "day", "month", "day_of_week"))
        return f"cron {line} {trigger.timezone}"
    if isinstance(trigger, IntervalTrigger):
        hours = trigger.interval.total_seconds() / 3600
        return f"every {hours:g}h"
    return str(trigger)


def trigger_signature(trigger: Any) -> tuple:
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval.total_seconds(), str(trigger.timezone))
    if isinstance(trigger, CronTrigger):
        return (type(trigger).__name__, str(trigger), str(trigger.timezone))
    return (type(trigger).__name__, repr(trigger))
