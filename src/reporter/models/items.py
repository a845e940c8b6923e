"""What the sources give (RawEntry) and what normalising makes of it (Item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

SEED_SOURCE = "seeds"  # the source name of every seed document (feeds have their own names)
# What sources (and stores written before an outlet could be unknown) put where no outlet is known.
_NO_OUTLET = frozenset({"", "unknown", "unknown outlet", "none", "seeds"})


def known_outlet(name: str | None) -> str | None:
    """An outlet's name, trimmed, or None when it is missing or a placeholder: the one rule for it."""
    if name is None or name.strip().lower() in _NO_OUTLET:
        return None
    return name.strip()


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What a document's first lines say about it (`nlp/sniff.sniff`); None where they say nothing."""

    title: str | None = None
    date: date | None = None
    date_precision: str | None = None  # "day" | "month"
    date_line: str | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    dateline: str | None = None
    body_start: int = 0  # offset in the text where the body begins, after the header lines


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
    header: DocMeta | None = None  # a seed's first lines, read by sniff (see Item.header); None: not read


@dataclass(frozen=True, slots=True)
class Item:
    """One normalised news item, whatever its source."""

    id: str  # stable: hash of trusted GUID, canonical URL, or content
    source: str  # feed name or "seeds"
    kind: str  # "seed" | "feed"
    published: datetime  # timezone-aware UTC
    date_source: str  # "published" | "updated" | "manifest" | "text" | "title" | "fetched" | "file"
    date_precision: str  # "day" | "month" | "year"
    outlet: str | None  # None: the source does not say (render decides how that is printed)
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
    # What sniff read in the text's first lines at ingest (seeds), so analysis reads it instead of
    # sniffing again; None: not read at ingest (feeds, stores from before), analysis sniffs then.
    header: DocMeta | None = None
