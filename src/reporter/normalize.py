"""RawEntry → Item: aware UTC dates, sanitised HTML turned to text, canonical URL, stable id."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import unicodedata
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reporter.models import Item, RawEntry, known_outlet

# Query parameters that only track the reader; dropping them makes one story one URL.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ref|ref_src|cmpid|ncid|_ga)$", re.I
)
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr|/section|/article)\s*>")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# A GUID that names its own namespace (tag:, urn:, http:) or is long and random enough to be unique
# across feeds; anything else ("123") is only unique within its feed.
_GLOBAL_GUID = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:\S+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|\S{24,})$",
    re.I,
)
# Characters no text of ours may hold: C0 controls but tab and newline (NUL breaks PostgreSQL, BEL and
# ESC reach terminals), DEL and the C1 controls, bidi embeddings, overrides and isolates (U+202E turns
# the rest of a line around), lone surrogates (not encodable) and the two non-characters U+FFFE/FFFF.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=1)
_TEXT_DATE_WINDOW = 600  # a dateline or a date line sits at the top; later dates are what the text is about
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_MONTH_NUMBER = (
    {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_TEXT_DATES = (
    (re.compile(rf"\b(?P<m>{_MONTHS})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>(?:19|20)\d\d)\b"), "day"),
    (re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<m>{_MONTHS})\.?,? (?P<y>(?:19|20)\d\d)\b"), "day"),
    (re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<mn>[01]\d)-(?P<d>[0-3]\d)\b"), "day"),
    (re.compile(rf"\b(?P<m>{_MONTHS}) (?P<y>(?:19|20)\d\d)\b"), "month"),
)


def canonical_url(url: str | None) -> str | None:
    """The URL without fragment and tracking parameters, host lower-cased; None unless http(s)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    )
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


def strip_controls(text: str) -> str:
    """The text without control characters (tab, newlines kept) or bidi overrides."""
    if not _CONTROLS.search(text):
        return text
    # A form feed or vertical tab separates lines (pdftotext puts one between pages): keep the break.
    return _CONTROLS.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))


def clean_raw(raw: RawEntry) -> RawEntry:
    """The entry with control characters and bidi overrides taken out of every text field."""
    changes = {
        f.name: strip_controls(value)
        for f in fields(raw)
        if isinstance(value := getattr(raw, f.name), str) and _CONTROLS.search(value)
    }
    return replace(raw, **changes) if changes else raw


def tidy_text(text: str) -> str:
    """NFC, one space between words, paragraphs separated by one blank line, no stray whitespace."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(text: str) -> str:
    """A hash of the text, blind to whitespace differences."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def trusted_guid(raw: RawEntry) -> str | None:
    """The entry's GUID if it can identify it: present and sane in length (parse checks it is unique)."""
    guid = (raw.guid or "").strip()
    if not guid or len(guid) > 2000:
        return None
    return guid


def item_id(raw: RawEntry, text: str) -> str:
    """A stable id: a seed's file name; else a trusted GUID; else the canonical link; else the content.

    A permalink GUID is keyed as the link it is, so the same story from a feed with GUIDs and from one
    without is one item. A GUID that does not look globally unique ("123") is scoped to its feed.
    """
    if raw.kind == "seed" and raw.path:
        key = f"seed:{raw.path}"
    elif guid := trusted_guid(raw):
        permalink = canonical_url(guid) if raw.guid_is_link else None
        if permalink:
            key = f"url:{permalink}"
        elif _GLOBAL_GUID.match(guid):
            key = f"guid:{guid}"
        else:
            key = f"guid:{raw.source}:{guid}"
    elif raw.link_unique and (link := canonical_url(raw.link)):
        key = f"url:{link}"
    else:
        key = f"text:{content_hash((raw.title or '') + chr(10) + text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def as_utc(value: datetime | date) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resolve_date(raw: RawEntry, text: str, *, now: datetime) -> tuple[datetime, str, str]:
    """The entry's date, where it came from and how precise it is, down a fallback chain.

    published → updated (or dc:date) → a date in the title or the first lines of the text → the fetch
    time. A feed date in the future or before 1990 is a broken clock and is passed over.
    """
    fetched = as_utc(raw.fetched_at or now)
    latest = fetched + _FUTURE_SLACK
    if raw.published is not None:
        when = as_utc(raw.published)
        if raw.kind != "feed" or _EARLIEST <= when <= latest:
            source = raw.date_source or "published"
            return when, source, "month" if source == "title" else "day"
    if raw.updated is not None:
        when = as_utc(raw.updated)
        if raw.kind != "feed" or _EARLIEST <= when <= latest:
            return when, "dc:date" if raw.date_source == "dc:date" else "updated", "day"
    found = find_text_date(raw.title or "", latest) or find_text_date(text[:_TEXT_DATE_WINDOW], latest)
    if found:
        return found[0], "text", found[1]
    return fetched, "fetched", "day"


def find_text_date(text: str, latest: datetime) -> tuple[datetime, str] | None:
    """The first plausible date written in the text, with its precision ("day" or "month")."""
    best: tuple[int, datetime, str] | None = None
    for pattern, precision in _TEXT_DATES:
        for m in pattern.finditer(text):
            when = _match_date(m)
            if when is None or not _EARLIEST <= when <= latest:
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), when, precision)
            break
    return (best[1], best[2]) if best else None


def _match_date(m: re.Match[str]) -> datetime | None:
    parts = m.groupdict()
    try:
        year = int(parts["y"])
        month = int(parts["mn"]) if parts.get("mn") else _MONTH_NUMBER[parts["m"].lower().rstrip(".")]
        day = int(parts["d"]) if parts.get("d") else 1
        return datetime(year, month, day, tzinfo=UTC)
    except (KeyError, ValueError, TypeError):
        return None


MAX_ENTRY_CHARS = 200_000  # settings.max_entry_chars: one 10 MB entry costs minutes and GBs in a build


def cut_text(text: str, max_chars: int) -> str:
    """The text, or its first `max_chars` characters cut at a word and ended with an ellipsis."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    space = head.rfind(" ", max(0, max_chars - 200))
    return (head[:space] if space > 0 else head).rstrip() + " …"


def cut_note(title: str, length: int, max_chars: int) -> str:
    """The warning for an entry whose text was cut: what, how long it was, and the setting."""
    return (
        f"the entry {title[:80]!r} has {length:,} characters of text; only the first {max_chars:,} are "
        "kept (settings.max_entry_chars)"
    )


def text_cut(item: Item) -> str | None:
    """How an item's stored text was cut to settings.max_entry_chars, for the report's JSON; None if whole."""
    if item.full_length is None:
        return None
    return (
        f"its text was cut to {len(item.text):,} of {item.full_length:,} characters "
        "(settings.max_entry_chars)"
    )


def normalize_entry(
    raw: RawEntry, *, now: datetime, max_chars: int = MAX_ENTRY_CHARS
) -> tuple[Item, int | None]:
    """normalize(), and the full text's length when it was cut to `max_chars` (else None)."""
    item = normalize(raw, now=now, max_chars=None)
    if len(item.text) <= max_chars:
        return item, None
    text = cut_text(item.text, max_chars)
    header = item.header and replace(item.header, body_start=min(item.header.body_start, len(text)))
    cut = replace(item, text=text, content_hash=content_hash(text), full_length=len(item.text), header=header)
    return cut, len(item.text)


def normalize(raw: RawEntry, *, now: datetime, max_chars: int | None = MAX_ENTRY_CHARS) -> Item:
    """Turn one raw entry into an Item: text, dates with their source and precision, id, outlet."""
    raw = clean_raw(raw)  # first: nothing below, nor any store, ever sees a NUL or a bidi override
    text = html_to_text(raw.content) if raw.content_type == "text/html" else tidy_text(raw.content)
    full_length = None  # recorded when cut, so analyze and the report can say so
    if max_chars is not None and len(text) > max_chars:
        full_length, text = len(text), cut_text(text, max_chars)
    title = tidy_text(html_to_text(raw.title) if raw.title and "<" in raw.title else raw.title or "")
    title = " ".join(title.split())
    if not title:
        first = text.split("\n", 1)[0]
        title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"

    fetched = as_utc(raw.fetched_at or now)
    published, date_source, precision = resolve_date(raw, text, now=now)
    # The seed reader sniffed tidy_text(content): `text` itself until a cut, long after the header.
    header = raw.header
    if header is not None and header.body_start > len(text):
        header = replace(header, body_start=len(text))

    return Item(
        id=item_id(raw, text),
        source=raw.source,
        kind=raw.kind,
        published=published,
        date_source=date_source,
        date_precision=precision,
        outlet=known_outlet(raw.outlet),
        title=title,
        text=text,
        url=canonical_url(raw.link),
        author=" ".join((raw.author or "").split()) or None,
        language=raw.language,
        path=raw.path,
        fetched_at=fetched,
        content_hash=content_hash(text),
        subject_focused=raw.subject_focused,
        full_length=full_length,
        header=header,
    )
