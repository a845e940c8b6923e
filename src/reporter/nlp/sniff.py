"""Find a document's own metadata in its first lines: title, date line, outlet line, byline, dateline.

Plain regular expressions, no spaCy. A seed is read once, when it is ingested: what sniff finds
travels with the Item (`Item.header`) and analysis reads it; items from feeds are read at analysis.
"""

from __future__ import annotations

import re
from datetime import date

from reporter.models import DocMeta
from reporter.nlp.attribution import split_names

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MONTH_NUMBER = {
    name.lower(): i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip

# "November 10, 2025" / "10 November 2025" alone on a line.
_DATE_LINE = re.compile(
    rf"^\s*(?:(?P<m1>{_MONTHS})\.?\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTHS})\.?,?\s+(?P<y2>\d{{4}}))\s*$"
)
_ISO_DATE_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:\s*(?:,|and|&)\s*"
                     r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})*)\s*$")  # fmt: skip
# A line of two to four capitalised names joined by "and": "Noriko Watanabe and Lee Jay Walker".
_NAMES_LINE = re.compile(
    r"^\s*(?P<names>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3}(?:\s*(?:,|and|&)\s*[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3})+)\s*$"
)
# "Tokyo— Less than a month..." at the start of the body.
_DATELINE = re.compile(r"^\s*(?P<place>[A-Z][A-Za-z .]{1,30}?)\s*[—–-]{1,2}\s+(?=[A-Z“\"])")
# A title that carries its month: "Country Report: Japan (March 2024)".
_TITLE_MONTH = re.compile(rf"\((?P<m>{_MONTHS})\s+(?P<y>\d{{4}})\)")
_PHOTO_CREDIT = re.compile(r"(Photo|Image)\s+(Credit|courtesy)|^\s*Credit:", re.IGNORECASE)


def month_number(name: str) -> int | None:
    """1-12 for a month name or abbreviation, else None."""
    return _MONTH_NUMBER.get(name.lower().rstrip("."))


def _parse_date_line(line: str) -> date | None:
    m = _DATE_LINE.match(line)
    if m:
        month = month_number(m.group("m1") or m.group("m2"))
        day = int(m.group("d1") or m.group("d2"))
        year = int(m.group("y1") or m.group("y2"))
        try:
            return date(year, month or 0, day)
        except ValueError:
            return None
    m = _ISO_DATE_LINE.match(line)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _is_short_line(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 8 and not line.rstrip().endswith((".", "?", "!", ":", ";"))


__all__ = ["DocMeta", "month_number", "sniff"]


def sniff(text: str, *, header_lines: int = 8) -> DocMeta:
    """Read the title, date, outlet, authors and dateline from a document's first lines."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        if raw.strip():
            lines.append((offset, raw.rstrip("\r\n")))
        offset += len(raw)
        if len(lines) >= header_lines:
            break

    title: str | None = None
    found_date: date | None = None
    precision: str | None = None
    date_line: str | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    body_start = 0
    header_end = 0  # index into `lines` of the first body line
    for index, (_start, line) in enumerate(lines):
        stripped = line.strip()
        if len(stripped.split()) > 25:  # a body paragraph: the header is over
            header_end = index
            break
        if _PHOTO_CREDIT.search(stripped):
            header_end = index + 1
            continue
        parsed = _parse_date_line(stripped)
        if parsed and found_date is None:
            found_date, precision, date_line = parsed, "day", stripped
            header_end = index + 1
            continue
        byline = _BYLINE.match(stripped)
        if byline and not authors:
            authors = split_names(byline.group("names"))
            header_end = index + 1
            continue
        names = _NAMES_LINE.match(stripped)
        if names and not authors and title is not None:
            authors = split_names(names.group("names"))
            header_end = index + 1
            continue
        if title is None and index == 0 and not stripped.endswith(".") and not _DATELINE.match(stripped):
            title = stripped
            header_end = 1
            continue
        if outlet is None and _is_short_line(stripped) and (found_date or authors or title):
            # A short line among the header lines, neither date nor byline: the publication.
            outlet = stripped
            header_end = index + 1
            continue
        header_end = index
        break
    else:
        header_end = len(lines)

    if header_end < len(lines):
        body_start = lines[header_end][0]
    elif lines and (found_date or authors):
        body_start = len(text)
    else:
        # Every line looked like a header line, and none was a date or a byline: this is a feed's short
        # teaser ("Israel's envoy has denied ...\n\nRead Full Article at RT.com"), all body, no header.
        title = outlet = None

    # A first line that is a long paragraph is no title.
    if title is not None and len(title.split()) > 25:
        title = None
    if title is not None and found_date is None:
        m = _TITLE_MONTH.search(title)
        if m:
            month = month_number(m.group("m"))
            if month:
                found_date, precision = date(int(m.group("y")), month, 1), "month"

    dateline = None
    if body_start < len(text):
        m = _DATELINE.match(text[body_start : body_start + 60])
        if m:
            dateline = m.group("place").strip()

    # A title line that is really a photo caption or the first sentence is not kept as title.
    return DocMeta(
        title=title,
        date=found_date,
        date_precision=precision,
        date_line=date_line,
        outlet=outlet,
        authors=authors,
        dateline=dateline,
        body_start=body_start,
    )
