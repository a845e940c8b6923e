"""What analysis finds in an item: passages, with their attribution, dates, countries and relevance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reporter.models.items import Item


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
