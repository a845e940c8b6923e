"""What composition makes: stories, paragraphs, sections, sources and decisions, in a Report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reporter.models.period import Period
from reporter.models.spec import ReportSpec


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
    when the feed cut every sentence of its text short, or to open or follow up a paragraph).
    `lead_in` is the report's own words that introduce it, made from metadata only ("It followed up on
    October 23 with"); never part of the quotation.
    """

    text: str
    item_id: str
    start: int
    end: int
    part: str = "text"
    lead_in: str = ""


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
        parts = []
        for s in self.sentences:
            text = f"“{s.text}”." if s.part == "title" else s.text
            parts.append(f"{s.lead_in} {text}" if s.lead_in else text)
        return " ".join(parts)


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
    outlet: str | None  # None: not known (render prints "Unattributed")
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
