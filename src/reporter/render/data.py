"""Report → JSON (the contract in DESIGN.md): every sentence with its source item and offsets."""

from __future__ import annotations

import dataclasses
from datetime import date
from functools import cache
from typing import Any

import orjson

from reporter.models import Headline, Paragraph, Report, Story

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    """A value as JSON has it: dates as ISO text, tuples as lists, a nested record as all its fields."""
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    return value


def _fields(record: Any, names: str = "") -> dict[str, Any]:
    """These fields of a record, in this order ("key=attribute" renames one); none named: all of them."""
    return {key: _plain(getattr(record, attribute)) for key, attribute in _pairs(type(record), names)}


@cache
def _pairs(kind: type, names: str) -> tuple[tuple[str, str], ...]:
    """(JSON key, attribute) of each field `_fields` writes; worked out once per record class."""
    every = " ".join(f.name for f in dataclasses.fields(kind))
    pairs = (name.partition("=")[::2] for name in (names or every).split())
    return tuple((key, attribute or key) for key, attribute in pairs)


def _paragraph(p: Paragraph) -> dict[str, Any]:
    # Its section is the enclosing one; a sentence's lead-in is written only where it has one.
    sentences = [
        _fields(s, "text item_id start end part") | ({"lead_in": s.lead_in} if s.lead_in else {})
        for s in p.sentences
    ]
    fields = "anchor lead sentences item_id outlet authors date url title also_reported_by source_numbers"
    return _fields(p, fields + " story quoted") | {"sentences": sentences}


def _headline(h: Headline) -> dict[str, Any]:
    return _fields(h, "story title url outlet date=day other_outlets=others")


def _story(s: Story) -> dict[str, Any]:
    told = "item_id passage=passage_index outlet date=day title url"
    tellings = [_fields(t, told) for t in s.tellings]
    return _fields(s, "id rank score section placement outlets days") | {"tellings": tellings}


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data, in the order the report reads."""
    period = report.period
    return {
        "format": FORMAT_VERSION,
        "report": report.spec.slug,
        "subject": report.spec.subject,
        "subject_name": report.spec.subject_name,
        "title": report.title,
        "publisher": report.spec.publisher,
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "key": period.key,
            "label": period.label,
        },
        "generated": report.generated.isoformat(),
        "empty": report.is_empty,
        "overview": list(report.overview),
        "sections": [
            {
                "name": s.name,
                "anchor": s.anchor,
                "paragraphs": [_paragraph(p) for p in s.paragraphs],
                "also": [_headline(h) for h in s.also],
            }
            for s in report.sections
        ],
        "sources": [_fields(s) for s in report.sources],
        "left_out": [_fields(x) for x in report.left_out],
        "problems": list(report.problems),
        "source_count": report.source_count,
        "coverage": [
            {"section": name, "items": items, "items_last_period": last}
            for name, items, last in report.coverage
        ],
        "stories": [_story(s) for s in report.stories],
        "decisions": [_fields(d) for d in report.decisions],
    }


def render_json(report: Report) -> str:
    """The report as indented UTF-8 JSON text (non-ASCII kept as is: 東京, not \\u6771\\u4eac)."""
    # orjson writes what json.dumps(ensure_ascii=False, indent=2) writes, about ten times faster.
    return orjson.dumps(report_data(report), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
