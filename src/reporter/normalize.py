"""RawEntry → Item: aware UTC dates, sanitised HTML turned to text, canonical URL, stable id."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import UTC, date, datetime, time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reporter.models import Item, RawEntry

# Query parameters that only track the reader; dropping them makes one story one URL.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ref|ref_src|cmpid|ncid|_ga)$", re.I)
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr|/section|/article)\s*>")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def canonical_url(url: str | None) -> str | None:
    """The URL without fragment and tracking parameters, host lower-cased; None unless http(s)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def sanitize_html(markup: str) -> str:
    """Feed HTML made safe: no scripts, forms or styles, links and images only over http(s)."""
    import nh3

    return nh3.clean(markup, url_schemes={"http", "https"}, link_rel="noopener noreferrer nofollow")


def html_to_text(markup: str) -> str:
    """Readable plain text from (untrusted) HTML, keeping paragraph breaks."""
    import nh3

    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n\n", markup)
    text = html.unescape(nh3.clean(marked, tags=set(), clean_content_tags={"script", "style"}))
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """NFC, one space between words, paragraphs separated by one blank line, no stray whitespace."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(text: str) -> str:
    """A hash of the text, blind to whitespace differences."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def item_id(raw: RawEntry, text: str) -> str:
    """A stable id: a seed's file name; else the canonical link; else a trusted GUID; else the content."""
    if raw.kind == "seed" and raw.path:
        key = f"seed:{raw.path}"
    elif link := canonical_url(raw.link):
        key = f"url:{link}"
    elif raw.guid:
        key = f"guid:{raw.source}:{raw.guid}"
    else:
        key = f"text:{content_hash(text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def as_utc(value: datetime | date) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize(raw: RawEntry, *, now: datetime) -> Item:
    """Turn one raw entry into an Item: text, dates with their source and precision, id, outlet."""
    if raw.content_type == "text/html":
        text = html_to_text(raw.content)
    else:
        text = tidy_text(raw.content)
    title = tidy_text(html_to_text(raw.title) if raw.title and "<" in raw.title else raw.title or "")
    if not title:
        first = text.split("\n", 1)[0]
        title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"

    fetched = as_utc(raw.fetched_at or now)
    if raw.published is not None:
        published, date_source = as_utc(raw.published), raw.date_source or "published"
    elif raw.updated is not None:
        published, date_source = as_utc(raw.updated), "updated"
    else:
        published, date_source = fetched, "fetched"
    precision = "month" if raw.date_source == "title" else "day"

    return Item(
        id=item_id(raw, text),
        source=raw.source,
        kind=raw.kind,
        published=published,
        date_source=date_source,
        date_precision=precision,
        outlet=(raw.outlet or "").strip() or "Unknown outlet",
        title=title,
        text=text,
        url=canonical_url(raw.link),
        author=(raw.author or "").strip() or None,
        language=raw.language,
        path=raw.path,
        fetched_at=fetched,
        content_hash=content_hash(text),
        subject_focused=raw.subject_focused,
    )
