"""Anchors for paragraphs and sections, and the numbered list of cited sources."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from reporter.models import Item, Paragraph, ReportSection, SourceRef

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """'Russia and Ukraine' → 'russia-and-ukraine'."""
    return _SLUG_RE.sub("-", name.lower()).strip("-") or "section"


def number_sources(
    sections: Sequence[ReportSection], cited: Mapping[str, Sequence[str]], items: Mapping[str, Item]
) -> tuple[tuple[ReportSection, ...], tuple[SourceRef, ...]]:
    """Number every cited item in order of first citation; link sources and paragraphs both ways.

    `cited` maps a paragraph anchor to the item ids it cites, its own item first.
    """
    numbers: dict[str, int] = {}
    cited_in: dict[str, list[str]] = {}
    out_sections: list[ReportSection] = []
    for section in sections:
        paragraphs: list[Paragraph] = []
        for p in section.paragraphs:
            own: list[int] = []
            for item_id in cited.get(p.anchor, (p.item_id,)):
                number = numbers.setdefault(item_id, len(numbers) + 1)
                if number not in own:
                    own.append(number)
                anchors = cited_in.setdefault(item_id, [])
                if p.anchor not in anchors:
                    anchors.append(p.anchor)
            paragraphs.append(replace(p, source_numbers=tuple(own)))
        out_sections.append(replace(section, paragraphs=tuple(paragraphs)))
    sources = tuple(
        SourceRef(
            number=number,
            item_id=item_id,
            outlet=items[item_id].outlet,
            title=items[item_id].title,
            author=items[item_id].author,
            date=items[item_id].published.date(),
            url=items[item_id].url,
            cited_in=tuple(cited_in[item_id]),
        )
        for item_id, number in numbers.items()
    )
    return tuple(out_sections), sources
