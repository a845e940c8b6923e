"""OPML in and out: read the feeds a reader exports, write ours for another reader, add them to feeds.yaml."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from reporter.errors import SourceError
from reporter.models import FeedSpec

_NAME_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed outline: its URL, title and, when the outline had one, its site."""

    url: str
    title: str
    site: str | None = None


def read_opml(path: Path) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, in order; a file that is not OPML is a SourceError naming it."""
    import xml.etree.ElementTree as ET

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    if b"<!ENTITY" in data[:65536]:
        raise SourceError(f"{path}: refused: it declares XML entities, which no OPML file needs")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SourceError(f"{path}: not valid XML: {exc}", "export the OPML again from your reader") from None
    if root.tag.lower() != "opml":
        raise SourceError(f"{path}: not an OPML file (its root element is <{root.tag}>)")
    feeds: list[OpmlFeed] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        title = (outline.get("title") or outline.get("text") or url).strip()
        feeds.append(OpmlFeed(url=url, title=title, site=outline.get("htmlUrl") or None))
    return feeds


def write_opml(feeds: Sequence[FeedSpec], title: str = "reporter feeds") -> str:
    """An OPML 2.0 document listing the feeds."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_escape(title)}</title></head>",
        "  <body>",
    ]
    for f in feeds:
        text = f.outlet or f.name
        attrs = f"text={quoteattr(text)} title={quoteattr(f.name)} xmlUrl={quoteattr(f.url)}"
        lines.append(f'    <outline type="rss" {attrs}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def feed_name(title: str, taken: set[str]) -> str:
    """A feeds.yaml name for a title: lower-case words joined by dashes, unique among `taken`."""
    base = _NAME_CHARS.sub("-", title.lower()).strip("-")[:50].strip("-") or "feed"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def yaml_entries(new: Sequence[OpmlFeed], taken: set[str]) -> str:
    """The feeds as feeds.yaml list items (two-space indent), with names that do not clash."""
    import yaml

    names = set(taken)
    out: list[str] = []
    for f in new:
        name = feed_name(f.title, names)
        names.add(name)
        block = yaml.safe_dump(
            [{"name": name, "url": f.url, "outlet": f.title}], allow_unicode=True, sort_keys=False, width=200
        )
        out.append("\n".join("  " + line for line in block.rstrip("\n").split("\n")))
    return "\n".join(out) + "\n"


def add_to_config(text: str, entries: str) -> str:
    """feeds.yaml's text with the entries appended to its `feeds:` list (comments and order kept)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^feeds:\s*(#.*)?$", line)), None)
    if start is None:
        inline_empty = next(
            (i for i, line in enumerate(lines) if re.match(r"^feeds:\s*\[\]\s*$", line)), None
        )
        if inline_empty is not None:
            lines[inline_empty] = "feeds:\n"
            start = inline_empty
        else:
            return text.rstrip("\n") + "\n\nfeeds:\n" + entries
    end = start + 1
    last_item = start
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#-"):
        if lines[end].strip() and not lines[end].lstrip().startswith("#"):
            last_item = end
        end += 1
    lines.insert(last_item + 1, entries)
    return "".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
