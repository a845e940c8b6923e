"""Cron lines read as cron reads them: every bad value named with its range, weekdays numbered as in cron.

The triggers here are real APScheduler triggers asked for their next fire times, as the scheduler asks.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from reporter.models import Schedule
from reporter.scheduler import build_trigger
from reporter.scheduler.cron import CronLineError, read_cron

TOKYO = ZoneInfo("Asia/Tokyo")


def problems(line: str) -> list[str]:
    with pytest.raises(CronLineError) as caught:
        read_cron(line)
    return caught.value.problems


def next_fires(cron: str, count: int = 3, start: datetime | None = None) -> list[str]:
    """The next fire times of the build trigger, as weekday and local time."""
    trigger = build_trigger(Schedule(cron=cron, timezone="Asia/Tokyo"))
    out, previous, now = [], None, start or datetime(2025, 12, 3, 12, 0, tzinfo=TOKYO)  # a Wednesday
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)
        out.append(nxt.strftime("%a %Y-%m-%d %H:%M"))
        previous = now = nxt
    return out


def test_every_bad_value_of_a_line_is_named_with_its_range() -> None:
    assert problems("61 25 * * *") == ["minute 61 is not in 0-59", "hour 25 is not in 0-23"]
    assert problems("0,70 6 0,32 13 8") == [
        "minute 70 is not in 0-59",
        "day of month 0 is not in 1-31",
        "day of month 32 is not in 1-31",
        "month 13 is not in 1-12",
        "day of week 8 is not in 0-7; 0 and 7 are Sunday",
    ]
    assert problems("5-70 */0 L jun-xyz 1-9") == [
        "minute 70 is not in 0-59",
        "hour step '0' in '*/0' must be a whole number above 0",
        "day of month 'L' is not a value (allowed: 1-31 or last)",
        "month 'xyz' is not a value (allowed: 1-12 or jan-dec)",
        "day of week 9 is not in 0-7; 0 and 7 are Sunday",
    ]


def test_a_line_with_the_wrong_shape_or_that_never_runs_says_so() -> None:
    assert problems("0 6 1 *") == [
        "it has 4 field(s); a cron line has five fields: minute hour day-of-month month day-of-week, "
        "e.g. '0 6 1 * *'"
    ]
    assert problems("30-10 6 * * *") == ["minute range '30-10' runs backwards; write the smaller value first"]
    assert problems("0 6 30 2 *") == ["it never runs: no day 30 in Feb"]
    assert problems("@often") == [
        "'@often' is not a cron macro (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
        "@hourly)"
    ]


def test_weekdays_are_numbered_as_in_cron_sunday_is_0_and_7() -> None:
    # APScheduler alone reads 1 as Tuesday (its Monday is 0); cron's 1 is Monday.
    assert next_fires("0 6 * * 1") == ["Mon 2025-12-08 06:00", "Mon 2025-12-15 06:00", "Mon 2025-12-22 06:00"]
    assert next_fires("0 6 * * 0", 1) == next_fires("0 6 * * 7", 1) == ["Sun 2025-12-07 06:00"]
    assert read_cron("0 6 * * 0-7").day_of_week == "sun,mon,tue,wed,thu,fri,sat"  # Sunday once
    assert next_fires("0 6 * * 1-5", 3) == [
        "Thu 2025-12-04 06:00",
        "Fri 2025-12-05 06:00",
        "Mon 2025-12-08 06:00",
    ]
    assert next_fires("0 6 * * fri-sun", 3) == [
        "Fri 2025-12-05 06:00",
        "Sat 2025-12-06 06:00",
        "Sun 2025-12-07 06:00",
    ]
    assert next_fires("0 6 * * */3", 3) == [  # 0, 3, 6: Sunday, Wednesday, Saturday
        "Sat 2025-12-06 06:00",
        "Sun 2025-12-07 06:00",
        "Wed 2025-12-10 06:00",
    ]


def test_macros_names_steps_and_the_last_day_of_the_month_run_when_cron_would() -> None:
    assert next_fires("@monthly", 2) == ["Thu 2026-01-01 00:00", "Sun 2026-02-01 00:00"]
    assert next_fires("0 6 last * *", 2) == ["Wed 2025-12-31 06:00", "Sat 2026-01-31 06:00"]
    assert next_fires("0 6 1 JAN,Jul *", 2) == ["Thu 2026-01-01 06:00", "Wed 2026-07-01 06:00"]
    assert next_fires("*/20 6 4 * *", 3) == [
        "Thu 2025-12-04 06:00",
        "Thu 2025-12-04 06:20",
        "Thu 2025-12-04 06:40",
    ]
    assert next_fires("0 6 1 * *", 1) == ["Thu 2026-01-01 06:00"]  # the default line
