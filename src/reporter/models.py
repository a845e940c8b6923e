"""Typed objects passed between the pipeline's stages.

Every stage takes and returns these frozen dataclasses; third-party objects (feedparser entries,
ORM rows, spaCy docs) never cross a module boundary.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SEED_SOURCE = "seeds"  # the source name of every seed document (feeds have their own names)
# What the archive writes, in the order the index lists them (each a file extension).
FORMATS = ("html", "pdf", "json", "md")
# A report slug names folders and files; a period key is the period's last month.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PERIOD_KEY_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_formats(text: str) -> tuple[str, ...]:
    """'html,pdf' as a tuple of formats; a ValueError naming the valid ones for anything else."""
    wanted = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise ValueError(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; valid formats: {', '.join(FORMATS)}"
        )
    return wanted


# --- configuration -----------------------------------------------------------------------------


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


# --- periods ----------------------------------------------------------------------------------


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
        index = now.year * 12 + now.month - 2
        return cls.month(index // 12, index % 12 + 1, months)

    @property
    def months(self) -> int:
        """How many calendar months the period spans."""
        return (self.end.year * 12 + self.end.month) - (self.start.year * 12 + self.start.month)

    def previous(self) -> Period:
        """The period of the same length that ends where this one starts."""
        index = self.start.year * 12 + self.start.month - 2  # the month before the period starts
        return Period.month(index // 12, index % 12 + 1, self.months)

    @property
    def key(self) -> str:
        """'2025-11': the last month of the period, used in file names and the store."""
        last = self.last_month
        return f"{last.year:04d}-{last.month:02d}"

    @property
    def last_month(self) -> date:
        """The first day of the period's last month."""
        index = self.end.year * 12 + self.end.month - 2
        return date(index // 12, index % 12 + 1, 1)

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


def resolve_period(spec: ReportSpec, text: str | None, now: datetime) -> Period:
    """The period a command or job means: 'YYYY-MM' if given, else the one just closed in the report's zone.

    The one rule for build, send, run, the scheduler and the web app; a bad text raises ValueError.
    """
    return Period.parse(text, spec.period_months) if text else spec.closed_period(now)


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry as a source gave it, before normalising: a seed file or a feed entry."""

    source: str  # feed name, or "seeds"
    kind: str  # "seed" | "feed"
    content: str  # text or HTML, as given
    content_type: str = "text/plain"  # or "text/html"
    title: str | None = None
    link: str | None = None
    guid: str | None = None
    guid_is_link: bool = False
    author: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    fetched_at: datetime | None = None
    language: str = "en"
    path: str | None = None  # seed file name, for seeds
    date_source: str | None = None  # where `published` came from when the source knows
    subject_focused: bool = False
    link_unique: bool = True  # False when other entries of the same feed share the link (not an id then)
    pages: tuple[int, ...] = ()  # for PDF seeds: offset in `content` where each page starts


@dataclass(frozen=True, slots=True)
class Item:
    """One normalised news item, whatever its source."""

    id: str  # stable: hash of trusted GUID, canonical URL, or content
    source: str  # feed name or "seeds"
    kind: str  # "seed" | "feed"
    published: datetime  # timezone-aware UTC
    date_source: str  # "published" | "updated" | "manifest" | "text" | "title" | "fetched" | "file"
    date_precision: str  # "day" | "month" | "year"
    outlet: str
    title: str
    text: str
    url: str | None = None
    author: str | None = None
    language: str = "en"
    path: str | None = None
    fetched_at: datetime | None = None
    content_hash: str = ""
    subject_focused: bool = False
    full_length: int | None = None  # the text's length before it was cut to max_entry_chars; None: whole


# --- analysis ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date a passage reports on, resolved against the document's own date."""

    text: str
    start: int  # offsets in the item's text
    end: int
    value: date
    precision: str  # "day" | "month" | "season" | "year"
    end_value: date | None = None  # for ranges such as "December 16-18"


@dataclass(frozen=True, slots=True)
class CountryMention:
    """One mention of a country, grouping or region, with the weight it carries."""

    code: str  # gazetteer code: ISO 3166 alpha-2 ("US"), or a group/region code ("ASEAN")
    text: str
    start: int
    end: int
    weight: float = 1.0
    role: str = "mention"  # "title" | "lead" | "subject" | "mention"
    kind: str = "name"  # the gazetteer's role: name, demonym, metonym, person, place or company
    actor: bool = False  # the grammatical subject of its clause ("China arrested ...")
    listed: bool = False  # one of three or more places listed together
    yardstick: bool = False  # named only as a point of comparison ("more than Japan")


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who said it and when: the outlet, authors, date, title and URL behind a passage."""

    outlet: str | None
    authors: tuple[str, ...] = ()
    date: date | None = None
    date_precision: str | None = None  # "day" | "month" | "issue" | None
    title: str | None = None
    url: str | None = None
    kind: str = "article"  # "article" | "editorial" | "journal" | "speech" | "report"
    issue: str | None = None  # a journal issue, e.g. "No. 2" or "November/December"
    inherited: bool = False  # continues the attribution of the passage before it
    source_text: str | None = None  # the words in the text that gave it, if any


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence or other stretch of an item's text, by character offsets."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Relevance:
    """Whether a passage is about the report subject's foreign relations, by which rule, and why."""

    relevant: bool  # may fill a section (the Overview's own-policy pieces included)
    rule: str  # the rule that decided: one of reporter.nlp.relevance.RULES
    reason: str  # one line for people: the rule with its countries and terms
    context: bool = False  # about the subject alone: may inform the Overview's context, fills no section
    counterparts: tuple[str, ...] = ()  # gazetteer codes the subject deals with here, strongest first
    cues: tuple[str, ...] = ()  # foreign-relations terms found ("summit", "sanctions")
    off_topic: tuple[str, ...] = ()  # off-topic terms found, with their topic ("sports: world cup")


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of one item about one thing, with its attribution, dates, countries and section."""

    item_id: str
    index: int
    start: int  # offsets in the item's text
    end: int
    text: str
    attribution: Attribution
    sentences: tuple[Span, ...] = ()
    heading: str | None = None
    dates: tuple[DateMention, ...] = ()
    countries: tuple[CountryMention, ...] = ()
    section: str | None = None
    confidence: float = 0.0
    scores: tuple[tuple[str, float], ...] = ()  # section → score, best first
    relevant: bool = True
    reasons: tuple[str, ...] = ()  # why: human-readable notes for `reporter analyze`
    style: str = "article"  # "report" for a passage that already is a report-style summary
    relevance: Relevance | None = None  # the build's decision for its report (nlp/relevance.py)

    @property
    def reported_date(self) -> date | None:
        """The date this passage reports on: the first day-level date, else the attribution's."""
        return self.attribution.date


@dataclass(frozen=True, slots=True)
class Analysis:
    """An item and the passages the analyzer found in it."""

    item: Item
    passages: tuple[Passage, ...]
    notes: tuple[str, ...] = ()  # what the analyzer could not infer


# --- composition ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Telling:
    """One entry of a story: the item (and passage) that told it, by which outlet, on which day."""

    item_id: str
    passage_index: int
    outlet: str | None
    day: date
    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """The entries about one event, across outlets and days: what gets one paragraph, or one headline.

    `rank` orders the period's stories (1 is the top story) by breadth (distinct outlets), persistence
    (days covered) and prominence; `placement` says where the report put it.
    """

    id: str
    section: str
    tellings: tuple[Telling, ...]  # in time order
    score: float = 0.0
    rank: int = 0
    placement: str = "left out"  # "paragraph" | "also" | "left out"

    @property
    def outlets(self) -> tuple[str, ...]:
        """The distinct known outlets that told the story, in the order they first did."""
        return tuple(dict.fromkeys(t.outlet for t in self.tellings if t.outlet))

    @property
    def days(self) -> tuple[date, ...]:
        """The distinct days the story was told on, in order."""
        return tuple(sorted({t.day for t in self.tellings}))


@dataclass(frozen=True, slots=True)
class Headline:
    """A story listed under "Also this month": its headline, linked, with who told it and when."""

    story: str
    title: str
    url: str | None
    outlet: str | None
    day: date | None
    others: int = 0  # how many other outlets also told it


@dataclass(frozen=True, slots=True)
class SentenceRef:
    """One verbatim body sentence and exactly where it stands in its source item.

    `part` is "text" (offsets into the item's text) or "title" (the item's headline, quoted whole
    when the feed cut every sentence of its text short).
    """

    text: str
    item_id: str
    start: int
    end: int
    part: str = "text"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """An attributed paragraph: a lead made from metadata, then verbatim sentences."""

    section: str
    lead: str
    sentences: tuple[SentenceRef, ...]
    item_id: str
    outlet: str | None
    authors: tuple[str, ...]
    date: date | None
    url: str | None
    title: str | None = None
    also_reported_by: tuple[str, ...] = ()
    source_numbers: tuple[int, ...] = ()  # indexes into Report.sources, 1-based
    anchor: str = ""
    story: str | None = None  # the Story's id
    quoted: str = "text"  # "text": whole sentences as given | "cut": up to the last whole one | "headline"

    @property
    def body(self) -> str:
        """The verbatim sentences joined as they read in the report; a headline in quotation marks."""
        if self.quoted == "headline":
            return "“" + " ".join(s.text for s in self.sentences) + "”."
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A section of the composed report, with its paragraphs in date order."""

    name: str
    anchor: str
    paragraphs: tuple[Paragraph, ...]
    also: tuple[Headline, ...] = ()  # "Also this month": the section's stories beyond its paragraphs
    overview: bool = False  # the report's catch-all section (Section.overview)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One cited source, numbered in the report's list of sources."""

    number: int
    item_id: str
    outlet: str
    title: str
    author: str | None
    date: date | None
    url: str | None
    cited_in: tuple[str, ...] = ()  # paragraph anchors


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An item or passage that did not make it into the report, and why."""

    item_id: str
    title: str
    reason: str  # "duplicate" | "out of period" | "not relevant" | ...
    detail: str = ""
    text_cut: str | None = None  # set when the item's text was cut to settings.max_entry_chars


@dataclass(frozen=True, slots=True)
class Decision:
    """What the build decided about one item of the period: relevant, where, in which story, and why.

    One row per item; an item is relevant when any of its passages is. `placement` is "paragraph" when
    the item is cited by a paragraph (as its lead or as "also reported by"), "also" when it is listed
    under a section's "Also this month", "left out" otherwise.
    """

    item_id: str
    url: str | None
    title: str
    outlet: str | None
    published: datetime
    relevant: bool
    section: str | None
    story: str | None  # stable story id, shared by every item of one story
    placement: str  # "paragraph" | "also" | "left out"
    reason: str
    text_cut: str | None = None  # "its text was cut to … of … characters (settings.max_entry_chars)"


@dataclass(frozen=True, slots=True)
class Report:
    """A composed report for one period, ready to render."""

    spec: ReportSpec
    period: Period
    title: str
    generated: datetime
    overview: tuple[str, ...]  # overview sentences (counts and extracted lead facts)
    sections: tuple[ReportSection, ...]
    sources: tuple[SourceRef, ...]
    left_out: tuple[LeftOut, ...] = ()
    problems: tuple[str, ...] = ()  # feeds or seeds that failed, shown honestly in the report
    coverage: tuple[tuple[str, int, int | None], ...] = ()  # section, items, items last period
    decisions: tuple[Decision, ...] = ()  # one per item of the period: for evaluation and `analyze`
    stories: tuple[Story, ...] = ()  # every story of the period, by rank
    source_count: int = 0  # how many sources (feeds, and the seeds) the report reads

    @property
    def is_empty(self) -> bool:
        """Whether no paragraph made it into the report."""
        return not any(s.paragraphs for s in self.sections)


# --- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What ingesting one source did: how many items were new, or why it failed."""

    source: str
    ok: bool
    new_items: int = 0
    seen_items: int = 0
    error: str | None = None
    hint: str | None = None
    not_modified: bool = False
    warnings: tuple[str, ...] = ()  # it worked, but: a malformed feed read anyway, a feed that moved


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of one ingest run across all sources."""

    sources: tuple[SourceResult, ...]

    @property
    def new_items(self) -> int:
        """New items stored across all sources."""
        return sum(s.new_items for s in self.sources)

    @property
    def failures(self) -> tuple[SourceResult, ...]:
        """The sources that failed."""
        return tuple(s for s in self.sources if not s.ok)

    @property
    def all_failed(self) -> bool:
        """Whether nothing could be read: every source failed, and the seeds (if any) held no document."""
        worked = [
            s for s in self.sources if s.ok and (s.source != SEED_SOURCE or s.new_items or s.seen_items)
        ]
        return bool(self.failures) and not worked


@dataclass(frozen=True, slots=True)
class BuildSkip:
    """Why a build was not done: it was done before (and not forced), or another process is on it."""

    done: bool  # True: built before; False: being built by another process, which also sends it
    reason: str  # said to the user as is: "already built on 2025-12-01 06:02 UTC; --force rebuilds it"
    paragraphs: int = 0  # of the stored build, when done


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The outcome of one build: the report and the files written."""

    report: Report
    files: dict[str, str]  # format → path
    skip: BuildSkip | None = None  # why it was not built, when it was not
    missing: dict[str, str] = field(default_factory=dict)  # format → why it was not written
    partial: bool = False  # a preview of a period not over: written apart, never sent
    build_id: int | None = None  # the builds row (the outbox's key); None if nothing was claimed

    @property
    def skipped(self) -> bool:
        """Whether the build was skipped (see `skip`)."""
        return self.skip is not None
