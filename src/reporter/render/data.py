"""Report → JSON (the contract in DESIGN.md): every sentence with its source item and offsets."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from reporter.models import Decision, Headline, Paragraph, Report, Story

FORMAT_VERSION = 1


def _day(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _paragraph(p: Paragraph) -> dict[str, Any]:
    return {
        "anchor": p.anchor,
        "lead": p.lead,
        "sentences": [
            {"text": s.text, "item_id": s.item_id, "start": s.start, "end": s.end, "part": s.part}
            | ({"lead_in": s.lead_in} if s.lead_in else {})
            for s in p.sentences
        ],
        "item_id": p.item_id,
        "outlet": p.outlet,
        "authors": list(p.authors),
        "date": _day(p.date),
        "url": p.url,
        "title": p.title,
        "also_reported_by": list(p.also_reported_by),
        "source_numbers": list(p.source_numbers),
        "story": p.story,
        "quoted": p.quoted,
    }


def _headline(h: Headline) -> dict[str, Any]:
    return {
        "story": h.story,
        "title": h.title,
        "url": h.url,
        "outlet": h.outlet,
        "date": _day(h.day),
        "other_outlets": h.others,
    }


def _story(s: Story) -> dict[str, Any]:
    return {
        "id": s.id,
        "rank": s.rank,
        "score": s.score,
        "section": s.section,
        "placement": s.placement,
        "outlets": list(s.outlets),
        "days": [_day(d) for d in s.days],
        "tellings": [
            {
                "item_id": t.item_id,
                "passage": t.passage_index,
                "outlet": t.outlet,
                "date": _day(t.day),
                "title": t.title,
                "url": t.url,
            }
            for t in s.tellings
        ],
    }


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "item_id": d.item_id,
        "url": d.url,
        "title": d.title,
        "outlet": d.outlet,
        "published": _day(d.published),
        "relevant": d.relevant,
        "section": d.section,
        "story": d.story,
        "placement": d.placement,
        "reason": d.reason,
        "text_cut": d.text_cut,
    }


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
        "sources": [
            {
                "number": s.number,
                "item_id": s.item_id,
                "outlet": s.outlet,
                "title": s.title,
                "author": s.author,
                "date": _day(s.date),
                "url": s.url,
                "cited_in": list(s.cited_in),
            }
            for s in report.sources
        ],
        "left_out": [
            {
                "item_id": x.item_id,
                "title": x.title,
                "reason": x.reason,
                "detail": x.detail,
                "text_cut": x.text_cut,
            }
            for x in report.left_out
        ],
        "problems": list(report.problems),
        "source_count": report.source_count,
        "coverage": [
            {"section": name, "items": items, "items_last_period": last}
            for name, items, last in report.coverage
        ],
        "stories": [_story(s) for s in report.stories],
        "decisions": [_decision(d) for d in report.decisions],
    }


def render_json(report: Report) -> str:
    """The report as indented UTF-8 JSON text (non-ASCII kept as is: 東京, not \\u6771\\u4eac)."""
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"
