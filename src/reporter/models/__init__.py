"""Typed objects passed between the pipeline's stages.

Every stage takes and returns these frozen dataclasses; third-party objects (feedparser entries,
ORM rows, spaCy docs) never cross a module boundary. One module per stage's objects, in run order:
`spec` (what the configuration describes), `period`, `items` (ingest), `analysis`, `report`
(compose) and `runs` (what a run did). Every name is importable from `reporter.models` itself.
"""

from reporter.models.analysis import (
    Analysis,
    Attribution,
    CountryMention,
    DateMention,
    Passage,
    Relevance,
    Span,
)
from reporter.models.items import SEED_SOURCE, DocMeta, Item, RawEntry, known_outlet
from reporter.models.period import PERIOD_KEY_RE, Period, month_before, resolve_period
from reporter.models.report import (
    Decision,
    Headline,
    LeftOut,
    Paragraph,
    Report,
    ReportSection,
    SentenceRef,
    SourceRef,
    Story,
    Telling,
)
from reporter.models.runs import BuildResult, BuildSkip, IngestResult, SourceResult
from reporter.models.spec import (
    FORMAT_LABELS,
    FORMATS,
    SLUG_RE,
    FeedSpec,
    RelevanceSpec,
    ReportSpec,
    Schedule,
    Section,
    parse_formats,
)

__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "PERIOD_KEY_RE",
    "SEED_SOURCE",
    "SLUG_RE",
    "Analysis",
    "Attribution",
    "BuildResult",
    "BuildSkip",
    "CountryMention",
    "DateMention",
    "Decision",
    "DocMeta",
    "FeedSpec",
    "Headline",
    "IngestResult",
    "Item",
    "LeftOut",
    "Paragraph",
    "Passage",
    "Period",
    "RawEntry",
    "Relevance",
    "RelevanceSpec",
    "Report",
    "ReportSection",
    "ReportSpec",
    "Schedule",
    "Section",
    "SentenceRef",
    "SourceRef",
    "SourceResult",
    "Span",
    "Story",
    "Telling",
    "known_outlet",
    "month_before",
    "parse_formats",
    "resolve_period",
]
