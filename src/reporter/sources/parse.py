"""Feed bytes → RawEntry: feedparser for RSS 0.9x/1.0/2.0 and Atom 0.3/1.0; JSON Feed in jsonfeed.py.

feedparser objects stay inside this module. A feed that is broken but still yields entries is kept,
with a warning; one that yields nothing is a FeedError saying what the bytes looked like.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from reporter.errors import FeedError
from reporter.models import FeedSpec, Item, RawEntry
from reporter.normalize import canonical_url
from reporter.sources.jsonfeed import looks_like_json, parse_json_feed
from reporter.sources.parsed import ParsedFeed, absolute, clean, outlet_of_feed

log = logging.getLogger(__name__)

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S
)
_FEED_ROOT = re.compile(rb"<(?:\w+:)?(?:rss|feed|RDF)[\s>]")
_ALTERNATE = re.compile(
    r"<link\b(?=[^>]*\brel=[\"']?alternate)(?=[^>]*\btype=[\"']?application/(?:rss|atom)\+xml)"
    r"[^>]*\bhref=[\"']?([^\"'\s>]+)",
    re.I,
)
_DC_NAMESPACE = b"purl.org/dc/elements/1.1"
# An entity whose value refers to other entities (billion laughs) or to a file or URL (XXE).
_DANGEROUS_ENTITY = re.compile(
    rb"<!ENTITY\s+(?:%\s*)?[^\s>]+\s+(?:SYSTEM\b|PUBLIC\b|\"[^\"]*&|'[^']*&)", re.I
)


def parse_feed(
    data: bytes, *, feed: FeedSpec, url: str, headers: Mapping[str, str], fetched_at: datetime
) -> ParsedFeed:
    """Parse a feed document; raises FeedError when no entries could be read from it."""
    content_type = headers.get("content-type", "").lower()
    head = data[:4096]
    if not data.strip():
        raise FeedError(feed.name, "the server sent an empty response", "check the url; it should return XML")
    if looks_like_json(head, content_type):
        parsed = parse_json_feed(data, feed=feed, url=url, fetched_at=fetched_at)
    else:
        if _HTML_START.match(head) and not _FEED_ROOT.search(head):
            raise FeedError(feed.name, "got an HTML page, not a feed", _discovery_hint(feed, data, url))
        if _DANGEROUS_ENTITY.search(data[:65536]):
            raise FeedError(
                feed.name,
                "refused: the feed declares XML entities that expand into other entities or load files "
                "(an entity bomb or an external-entity attack)",
                "no real feed needs these; tell the site's owner, or drop the feed",
            )
        parsed = _parse_xml(data, feed=feed, url=url, headers=headers, fetched_at=fetched_at)
    return _trust(parsed)


# --- XML feeds (feedparser) -------------------------------------------------------------------


def _parse_xml(
    data: bytes, *, feed: FeedSpec, url: str, headers: Mapping[str, str], fetched_at: datetime
) -> ParsedFeed:
    import feedparser

    # feedparser is given bytes, never a URL: httpx did the fetching. Its own sanitiser is off because
    # normalize re-sanitises with nh3; relative links are resolved here, against the final URL.
    # No content-location: relative links are resolved below, against the channel's own link first.
    response_headers = {k: v for k, v in headers.items() if k in {"content-type", "content-language"}}
    content_type = response_headers.get("content-type", "")
    if content_type.lower().startswith("text/") and "charset" not in content_type.lower():
        # RFC 3023 makes charset-less text/xml US-ASCII, overriding the document; no server means that.
        response_headers["content-type"] = "application/xml"
    d = feedparser.parse(
        data, response_headers=response_headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = d.get("entries") or []
    warnings: list[str] = []
    if d.get("bozo"):
        problem = _bozo_text(d.get("bozo_exception"))
        if not entries:
            if not d.get("version") and not d.get("feed"):
                raise FeedError(feed.name, f"not a feed: {problem}", _discovery_hint(feed, data, url))
            if not d.get("version"):
                raise FeedError(feed.name, f"malformed feed, no entries could be read: {problem}")
        else:
            warnings.append(
                f"the feed is not well-formed ({problem}); {len(entries)} entries were read anyway"
            )
    if not d.get("version") and not entries:
        raise FeedError(feed.name, "not an RSS, Atom or JSON feed", _discovery_hint(feed, data, url))
    meta = d.get("feed") or {}
    version = d.get("version") or "unknown"
    dc_dates = version.startswith("rss") and _DC_NAMESPACE in data
    home = meta.get("link")
    outlet = feed.outlet or outlet_of_feed(clean(meta.get("title")), home, url)
    base = home if isinstance(home, str) and home.startswith(("http://", "https://")) else url
    raws = [
        _from_feedparser(e, feed=feed, base=base, outlet=outlet, fetched_at=fetched_at, dc_dates=dc_dates)
        for e in entries[: feed.max_entries]
    ]
    return ParsedFeed(
        title=clean(meta.get("title")),
        link=meta.get("link"),
        version=version,
        entries=tuple(raws),
        warnings=tuple(warnings),
        total_entries=len(entries),
    )


def _from_feedparser(
    e: Any, *, feed: FeedSpec, base: str, outlet: str | None, fetched_at: datetime, dc_dates: bool
) -> RawEntry:
    content, content_type = _best_content(e)
    link = absolute(base, e.get("link"))
    guid = clean(e.get("id"))
    # dict.get: FeedParserDict.get would quietly answer "published" with the updated date.
    published = _struct_to_dt(dict.get(e, "published_parsed"))
    updated = _struct_to_dt(dict.get(e, "updated_parsed"))
    # In RSS, feedparser files dc:date under "updated"; say where the date really came from.
    date_source = None
    if published is not None:
        date_source = "published"
    elif updated is not None and dc_dates:
        date_source = "dc:date"
    return RawEntry(
        source=feed.name,
        kind="feed",
        content=content,
        content_type=content_type,
        title=clean(e.get("title")),
        link=link,
        guid=guid,
        guid_is_link=bool(e.get("guidislink")),
        author=_author(e),
        outlet=outlet,
        published=published,
        updated=updated,
        fetched_at=fetched_at,
        language=feed.language,
        date_source=date_source,
        subject_focused=feed.subject_focused,
    )


def _best_content(e: Any) -> tuple[str, str]:
    # The longest of <content> and <summary>: some feeds put a teaser in one and the article in the other.
    candidates: list[tuple[str, str]] = []
    for c in e.get("content") or []:
        if c.get("value"):
            candidates.append((c["value"], c.get("type") or "text/html"))
    if e.get("summary"):
        candidates.append((e["summary"], (e.get("summary_detail") or {}).get("type") or "text/html"))
    if not candidates:
        return "", "text/plain"
    value, kind = max(candidates, key=lambda c: len(c[0]))
    return value, "text/plain" if kind == "text/plain" else "text/html"


def _author(e: Any) -> str | None:
    names = [a.get("name") for a in e.get("authors") or [] if isinstance(a, dict) and a.get("name")]
    if names:
        return ", ".join(dict.fromkeys(n.strip() for n in names if n.strip())) or None
    return clean(e.get("author"))


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _bozo_text(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown problem"
    text = str(exc).strip() or type(exc).__name__
    name = type(exc).__name__
    if "CharacterEncoding" in name:
        return f"wrong declared encoding ({text})"
    return text if len(text) < 200 else text[:197] + "…"


# --- trust: which GUIDs and links identify an entry -----------------------------------------------


def _trust(parsed: ParsedFeed) -> ParsedFeed:
    """Drop GUIDs that are not unique in the feed; mark links that several entries share."""
    entries = parsed.entries
    guid_counts = Counter(e.guid for e in entries if e.guid)
    link_counts = Counter(canonical_url(e.link) for e in entries if e.link)
    home = canonical_url(parsed.link) if parsed.link else None
    out: list[RawEntry] = []
    for e in entries:
        link = canonical_url(e.link)
        link_unique = link is not None and link_counts[link] == 1 and link != home and not _is_site_root(link)
        guid = e.guid if e.guid and guid_counts[e.guid] == 1 else None
        if guid and e.guid_is_link and not link_unique and canonical_url(guid) == link:
            guid = None  # the "permalink" is the shared home page: it identifies nothing
        if guid != e.guid or link_unique != e.link_unique:
            e = replace(
                e, guid=guid, guid_is_link=e.guid_is_link and guid is not None, link_unique=link_unique
            )
        out.append(e)
    dropped = sum(1 for a, b in zip(entries, out, strict=True) if a.guid and not b.guid)
    warnings = list(parsed.warnings)
    if dropped:
        warnings.append(
            f"{dropped} entries share a GUID with another entry; they are told apart by link or text"
        )
    return replace(parsed, entries=tuple(out), warnings=tuple(warnings))


def _is_site_root(url: str) -> bool:
    return urlsplit(url).path in {"", "/"} and not urlsplit(url).query


def _discovery_hint(feed: FeedSpec, data: bytes, url: str) -> str:
    """Point at the feed a web page advertises, if it advertises one."""
    found = _ALTERNATE.findall(data[:200_000].decode("utf-8", "replace"))
    if found:
        return (
            f"that url is a web page; its feed seems to be {urljoin(url, found[0])}: put that in feeds.yaml"
        )
    return (
        f"that url is not a feed; find the site's RSS or Atom link and put it in feeds.yaml for '{feed.name}'"
    )


def feed_versions() -> Sequence[str]:
    """The feed formats this module reads, for help texts."""
    return ("RSS 0.9x", "RSS 1.0", "RSS 2.0", "Atom 0.3", "Atom 1.0", "JSON Feed 1.0/1.1")


# --- parse and normalise, in one call that can run in a worker process --------------------------------


@dataclass(frozen=True, slots=True)
class ReadFeed:
    """A feed parsed and normalised: its entries and their items, in step; or why it could not be read."""

    parsed: ParsedFeed | None = None
    items: tuple[Item, ...] = ()
    error: str | None = None  # FeedError's reason (exceptions with extra arguments do not cross processes)
    hint: str | None = None


def read_feed(
    data: bytes,
    *,
    feed: FeedSpec,
    url: str,
    headers: Mapping[str, str],
    fetched_at: datetime,
    max_chars: int | None = None,
) -> ReadFeed:
    """parse_feed, then normalize every entry; a FeedError becomes `error`, never an exception.

    An entry's text longer than `max_chars` (settings.max_entry_chars) is cut, with a warning.
    """
    from dataclasses import replace

    from reporter.normalize import MAX_ENTRY_CHARS, cut_note, normalize_entry

    try:
        parsed = parse_feed(data, feed=feed, url=url, headers=headers, fetched_at=fetched_at)
    except FeedError as exc:
        return ReadFeed(error=exc.reason, hint=exc.hint)
    cap = max_chars or MAX_ENTRY_CHARS
    items, notes = [], []
    for entry in parsed.entries:
        item, full_length = normalize_entry(entry, now=fetched_at, max_chars=cap)
        items.append(item)
        if full_length is not None:
            notes.append(cut_note(item.title, full_length, cap))
    if notes:
        parsed = replace(parsed, warnings=parsed.warnings + tuple(notes))
    return ReadFeed(parsed=parsed, items=tuple(items))
