"""What the configuration describes: reports, their sections, feeds, schedules, and the formats."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from reporter.models.period import Period

# What the archive writes, in the order it writes them (each a file extension).
FORMATS = ("html", "pdf", "json", "md")
# Each format as links name it, in the order pages list the links (the readable ones first).
FORMAT_LABELS = {"html": "HTML", "pdf": "PDF", "md": "Markdown", "json": "JSON"}
# A report slug names folders and files.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def parse_formats(text: str) -> tuple[str, ...]:
    """'html,pdf' as a tuple of formats; a ValueError naming the valid ones for anything else."""
    wanted = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise ValueError(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; valid formats: {', '.join(FORMATS)}"
        )
    return wanted


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a report: a heading and the gazetteer codes it gathers."""

    name: str
    members: tuple[str, ...] = ()
    overview: bool = False  # the catch-all section for the subject's own policy and many-partner pieces
    max_paragraphs: int | None = None  # at most this many paragraphs; the rest go to "Also this month"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One RSS/Atom/JSON feed as configured in feeds.yaml."""

    name: str
    url: str
    outlet: str | None = None
    enabled: bool = True
    timeout: float = 20.0
    max_entries: int = 200
    full_text: bool = False
    language: str = "en"
    subject_focused: bool = False
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a report's jobs run: a cron line for the build, an interval for ingest, in a timezone."""

    cron: str = "0 6 1 * *"
    timezone: str = "UTC"
    ingest_every_hours: float = 4.0
    misfire_grace_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class RelevanceSpec:
    """A report's own relevance settings (feeds.yaml `reports[].relevance`), on top of the vocabularies."""

    include: tuple[str, ...] = ()  # terms that count as foreign-relations matters for this report
    exclude: tuple[str, ...] = ()  # a passage with one of these terms is out
    min_mentions: int = 1  # the subject must be named at least this often in a passage


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """One configured report: its subject, title, sections, sources and schedule."""

    slug: str
    subject: str  # gazetteer code of the subject country, e.g. "JP"
    subject_name: str  # "Japan"
    title: str  # pattern with {subject}, {month}, {year}, {period}
    sections: tuple[Section, ...]
    feeds: tuple[str, ...] = ()  # names of the feeds that feed this report
    seeds: bool = True
    schedule: Schedule = field(default_factory=Schedule)
    period_months: int = 1
    page_size: str = "A4"
    publisher: str = ""
    send_empty: bool = False
    relevance: RelevanceSpec = field(default_factory=RelevanceSpec)
    max_paragraphs: int = 45  # the report's paragraph budget: one paragraph per story, best stories first

    def closed_period(self, now: datetime) -> Period:
        """The period that ended most recently, as seen on the report's own calendar (its time zone)."""
        # The 1st at 06:00 in Tokyo is still the last day of the month in UTC: use local time.
        return Period.last_closed(now.astimezone(ZoneInfo(self.schedule.timezone)), self.period_months)

    def is_over(self, period: Period, now: datetime) -> bool:
        """Whether `period` has ended by `now` on the report's calendar (the rule closed_period uses)."""
        return period.end <= self.closed_period(now).end

    def title_for(self, period: Period) -> str:
        """The report's title for one period."""
        return self.title.format(
            subject=self.subject_name,
            month=period.month_name,
            year=period.start.year,
            period=period.label,
        )
