"""The reporting period: whole calendar months, and the one rule for which period a command means."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reporter.models.spec import ReportSpec

# A period key is the period's last month.
PERIOD_KEY_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: whole calendar months, [start, end) in UTC."""

    start: date
    end: date  # exclusive

    @classmethod
    def month(cls, year: int, month: int, months: int = 1) -> Period:
        """The period of `months` calendar months ending with the given month."""
        first_index = year * 12 + (month - 1) - (months - 1)
        start = date(first_index // 12, first_index % 12 + 1, 1)
        end_index = year * 12 + month  # the month after
        return cls(start, date(end_index // 12, end_index % 12 + 1, 1))

    @classmethod
    def parse(cls, text: str, months: int = 1) -> Period:
        """Parse 'YYYY-MM' (the period's last month)."""
        m = PERIOD_KEY_RE.match(text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"period must look like 2025-11, not {text!r}")
        return cls.month(int(m.group(1)), int(m.group(2)), months)

    @classmethod
    def last_closed(cls, now: datetime, months: int = 1) -> Period:
        """The period that ended most recently before `now` (the month just ended), on now's calendar.

        Callers with a report use `ReportSpec.closed_period`, which reads `now` in the report's zone.
        """
        last = month_before(now.date())
        return cls.month(last.year, last.month, months)

    @property
    def months(self) -> int:
        """How many calendar months the period spans."""
        return (self.end.year * 12 + self.end.month) - (self.start.year * 12 + self.start.month)

    def previous(self) -> Period:
        """The period of the same length that ends where this one starts."""
        last = month_before(self.start)
        return Period.month(last.year, last.month, self.months)

    @property
    def key(self) -> str:
        """'2025-11': the last month of the period, used in file names and the store."""
        last = self.last_month
        return f"{last.year:04d}-{last.month:02d}"

    @property
    def last_month(self) -> date:
        """The first day of the period's last month."""
        return month_before(self.end)

    @property
    def month_name(self) -> str:
        """'November' for a one-month period; 'September–November' for a window."""
        last = calendar.month_name[self.last_month.month]
        if self.start == self.last_month:
            return last
        return f"{calendar.month_name[self.start.month]}–{last}"

    @property
    def label(self) -> str:
        """'November 2025', or 'September–November 2025'."""
        if self.start.year != self.last_month.year:
            return (
                f"{calendar.month_name[self.start.month]} {self.start.year}–"
                f"{calendar.month_name[self.last_month.month]} {self.last_month.year}"
            )
        return f"{self.month_name} {self.last_month.year}"

    @property
    def start_dt(self) -> datetime:
        """The start as an aware UTC datetime."""
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def end_dt(self) -> datetime:
        """The (exclusive) end as an aware UTC datetime."""
        return datetime.combine(self.end, time(), tzinfo=UTC)

    def contains(self, day: date | datetime) -> bool:
        """Whether a date (or datetime) falls within the period."""
        d = day.date() if isinstance(day, datetime) else day
        return self.start <= d < self.end


def month_before(day: date) -> date:
    """The first day of the month before `day`'s month: the one rule for "the month before"."""
    index = day.year * 12 + day.month - 2
    return date(index // 12, index % 12 + 1, 1)


def resolve_period(spec: ReportSpec, text: str | None, now: datetime) -> Period:
    """The period a command or job means: 'YYYY-MM' if given, else the one just closed in the report's zone.

    The one rule for build, send, run, the scheduler and the web app; a bad text raises ValueError.
    """
    return Period.parse(text, spec.period_months) if text else spec.closed_period(now)
