"""What a parsed feed document is (ParsedFeed), and the small helpers both feed parsers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from reporter.models import RawEntry


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed document held: its title and link, its entries, and any warnings."""

    title: str | None
    link: str | None
    version: str  # "rss20", "atom10", "json11", ...
    entries: tuple[RawEntry, ...]
    warnings: tuple[str, ...] = ()
    total_entries: int = 0  # before the max_entries cut


def outlet_of_feed(title: str | None, *urls: Any) -> str | None:
    """The outlet a feed's entries come from, as readers know it (nlp/outlets.py: site, else title)."""
    from reporter.nlp.outlets import packaged

    return packaged().for_feed(title, [u for u in urls if isinstance(u, str)])


def clean(value: Any) -> str | None:
    """A value as trimmed text, or None when it is missing or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def absolute(base: str, link: str | None) -> str | None:
    """A link made absolute against the feed's address; None for a missing or blank one."""
    if not link or not link.strip():
        return None
    return urljoin(base, link.strip())
