"""Seed files besides plain text: Markdown, HTML and PDF, as text plus what they say about themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reporter.errors import SeedError
from reporter.normalize import html_to_text, tidy_text

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_META_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True)
class Document:
    """A seed's text and the metadata its format carries (None where it carries none)."""

    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    date: datetime | None = None
    pages: tuple[int, ...] = ()  # PDF: where each page starts in `text`


def markdown_text(source: str) -> Document:
    """Markdown rendered and flattened to text; the first heading is the title."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(_MD_IMAGE.sub("", source))
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return Document(text=html_to_text(html), title=html_to_text(heading.group(1)) if heading else None)


def html_text(path: Path, data: bytes) -> Document:
    """A saved web page: the article (or main, or body) as text; title, author, site and date from <meta>."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.document_fromstring(data)
    except (ParserError, ValueError) as exc:
        raise SeedError(f"{path.name}: not readable HTML: {exc}") from None
    for bad in tree.xpath("//script|//style|//noscript|//nav|//header|//footer|//aside|//form"):
        bad.drop_tree()

    def meta(*names: str) -> str | None:
        for name in names:
            found = tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
            if found and found[0].strip():
                return found[0].strip()
        return None

    body = (tree.xpath("//article") or tree.xpath("//main") or tree.xpath("//body") or [tree])[0]
    text = html_to_text(lxml.html.tostring(body, encoding="unicode"))
    title = meta("og:title", "twitter:title") or (tree.findtext(".//title") or "").strip() or None
    when = None
    raw_date = meta("article:published_time", "date", "dc.date", "DC.date.issued", "pubdate")
    if raw_date and (m := _META_DATE.match(raw_date)):
        when = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC)
    return Document(
        text=text,
        title=title,
        author=meta("author", "article:author"),
        outlet=meta("og:site_name"),
        date=when,
    )


def pdf_text(path: Path) -> Document:
    """A PDF's text layer, page by page, with where each page starts; metadata title, author and date."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise SeedError(
                f"{path.name}: the PDF is password-protected", "save an unprotected copy in seeds/"
            )
        pages = [tidy_text(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata or {}
    except SeedError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise SeedError(
            f"{path.name}: not a readable PDF: {exc}", "re-export it, or save its text as .txt"
        ) from None
    text, starts = "", []
    for page in pages:
        if text and page:
            text += "\n\n"
        starts.append(len(text))
        text += page
    if not text.strip():
        raise SeedError(
            f"{path.name}: the PDF has no text layer (a scan?)", "run OCR on it, or save its text as .txt"
        )
    when = None
    if (m := _PDF_DATE.match(str(info.get("/CreationDate") or ""))) is not None:
        try:
            when = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
        except ValueError:
            when = None
    return Document(
        text=text,
        title=_meta(info.get("/Title")),
        author=_meta(info.get("/Author")),
        date=when,
        pages=tuple(starts),
    )


def _meta(value: object) -> str | None:
    text = str(value).strip() if value else ""
    return text or None
