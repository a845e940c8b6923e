"""Which period a passage belongs to: the date it reports on, or its item's date when it has none.

The rule, in order:

1. A passage whose attribution carries a date (``Attribution.date``) is placed by that date, whatever the
   item's own date: "On January 14, Yomiuri assessed ..." inside a digest issued in March reports on
   January. Month- and issue-precision dates count for the month they name.
2. A passage without one takes its item's date. An item dated to the day counts for that day.
3. An item dated only to a month comes from its title ("Country Report: Japan (March 2024)"): a digest
   named for month M is written at the start of M about the weeks before it (seed 004, issued
   "March 2024", reports on December to mid-February), so its undated passages count for the month
   *before* the one it names. Each passage thus lands in exactly one monthly report, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reporter.models import Item, Passage, Period, month_before


@dataclass(frozen=True, slots=True)
class Timing:
    """When a passage happened for the report's purposes, and how that was decided."""

    day: date  # the day (or first day of the month) the passage counts for
    precision: str  # "day" | "month"
    basis: str  # "reported" | "item" | "digest"
    known: bool  # whether the passage itself states a date (used for ordering)


def timing(passage: Passage, item: Item) -> Timing:
    """Decide which day a passage counts for (see the module's rule)."""
    attribution = passage.attribution
    if attribution.date is not None:
        precision = "day" if attribution.date_precision in (None, "day") else "month"
        day = attribution.date if precision == "day" else attribution.date.replace(day=1)
        return Timing(day, precision, "reported", True)
    published = item.published.date()
    if item.date_precision == "day":
        return Timing(published, "day", "item", False)
    return Timing(month_before(published), "month", "digest", False)


def describe(placement: Timing) -> str:
    """A short phrase for the left-out list: why a passage counts for the day it does."""
    when = f"{placement.day:%B} {placement.day.year}"
    if placement.basis == "reported":
        return f"reports on {placement.day.isoformat() if placement.precision == 'day' else when}"
    if placement.basis == "digest":
        return f"undated passage of a digest issued the month after {when}"
    return f"published {placement.day.isoformat()}"


def in_period(placement: Timing, period: Period) -> bool:
    """Whether a placed passage falls within the period."""
    return period.contains(placement.day)
