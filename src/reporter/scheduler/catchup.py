"""Catch-up at start (systemd's `Persistent=true`): a closed period that has no build is built once.

Started on the 2nd in Tokyo, the monthly job's next run is a month away, so the month that just
ended would never be built. On start, each report's period just closed (on its own calendar) that has
no build record at all, and that the regular build job will not build either, gets one build job now.
A period with a failed build is the retries' business, not this.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.jobs import BUILD_JOB
from reporter.models import Period, ReportSpec
from reporter.scheduler.plan import RETRY_STORE
from reporter.scheduler.triggers import build_trigger

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from reporter.pipeline import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Missed:
    """A report's closed period that nothing has built and nothing is about to."""

    spec: ReportSpec
    period: Period

    @property
    def job_id(self) -> str:
        """The id of its one-off build job."""
        return f"catchup:{self.spec.slug}:{self.period.key}"


def missed_periods(
    ctx: Context, *, now: datetime, next_builds: Mapping[str, datetime | None] | None = None
) -> list[Missed]:
    """Each report's period just closed that has no build and that its build job will not build next.

    `next_builds` maps slugs to the stored build job's next run (None or absent: worked out from the
    cron line); a run missed by more than the misfire grace does not count, APScheduler drops it.
    """
    missed: list[Missed] = []
    for spec in ctx.config.reports:
        period = spec.closed_period(now)
        if ctx.store.builds.get(spec.slug, period.key) is not None:
            continue
        grace = timedelta(hours=spec.schedule.misfire_grace_hours)
        upcoming = (next_builds or {}).get(spec.slug)
        if upcoming is None or upcoming < now - grace:
            upcoming = build_trigger(spec.schedule).get_next_fire_time(None, now)
        if upcoming is not None and spec.closed_period(upcoming) == period:
            continue  # the regular job (due now or soon) builds this very period
        missed.append(Missed(spec, period))
    return missed


def schedule_catchups(
    scheduler: BaseScheduler,
    ctx: Context,
    config_path: str | Path,
    *,
    now: datetime,
    formats: Sequence[str] | None = None,
) -> list[str]:
    """Add a one-off build job, now, for every missed period; returns the job ids."""
    stored = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    next_builds = {spec.slug: stored.get(f"build:{spec.slug}") for spec in ctx.config.reports}
    ids: list[str] = []
    for m in missed_periods(ctx, now=now, next_builds=next_builds):
        kwargs: dict[str, Any] = {
            "config_path": str(Path(config_path).resolve()),
            "report": m.spec.slug,
            "period": m.period.key,
        }
        if formats:
            kwargs["formats"] = list(formats)
        scheduler.add_job(
            BUILD_JOB,
            trigger="date",
            run_date=now,
            id=m.job_id,
            name=f"catch up: build and send {m.spec.slug} {m.period.key} (closed, never built)",
            kwargs=kwargs,
            jobstore=RETRY_STORE,
            misfire_grace_time=None,
            replace_existing=True,
        )
        log.info("%s %s closed without a build: building it once now", m.spec.slug, m.period.key)
        ids.append(m.job_id)
    return ids
