"""Read a built report back from its JSON file, so `reporter send` can mail a report built earlier."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reporter.errors import DeliveryError
from reporter.models import Paragraph, Period, Report, ReportSection, ReportSpec, SentenceRef, SourceRef


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _paragraph(section: str, p: dict[str, Any]) -> Paragraph:
    return Paragraph(
        section=section,
        lead=p.get("lead", ""),
        sentences=tuple(
            SentenceRef(s["text"], s.get("item_id", ""), s.get("start", 0), s.get("end", 0))
            for s in p.get("sentences", ())
        ),
        item_id=p.get("item_id", ""),
        outlet=p.get("outlet"),
        authors=tuple(p.get("authors", ())),
        date=_day(p.get("date")),
        url=p.get("url"),
        title=p.get("title"),
        also_reported_by=tuple(p.get("also_reported_by", ())),
        source_numbers=tuple(p.get("source_numbers", ())),
        anchor=p.get("anchor", ""),
    )


def report_from_data(spec: ReportSpec, period: Period, data: dict[str, Any]) -> Report:
    """A Report from the data render_json wrote (format 1); what the email needs, faithfully."""
    return Report(
        spec=spec,
        period=period,
        title=data.get("title") or spec.title_for(period),
        generated=datetime.fromisoformat(data["generated"]),
        overview=tuple(data.get("overview", ())),
        sections=tuple(
            ReportSection(
                name=s["name"],
                anchor=s.get("anchor", ""),
                paragraphs=tuple(_paragraph(s["name"], p) for p in s.get("paragraphs", ())),
            )
            for s in data.get("sections", ())
        ),
        sources=tuple(
            SourceRef(
                number=s["number"],
                item_id=s.get("item_id", ""),
                outlet=s.get("outlet"),
                title=s.get("title", ""),
                author=s.get("author"),
                date=_day(s.get("date")),
                url=s.get("url"),
                cited_in=tuple(s.get("cited_in", ())),
            )
            for s in data.get("sources", ())
        ),
        problems=tuple(data.get("problems", ())),
        coverage=tuple(
            (c["section"], c["items"], c.get("items_last_period")) for c in data.get("coverage", ())
        ),
    )


def load_report(spec: ReportSpec, period: Period, path: Path) -> Report:
    """Read <slug>-<YYYY-MM>.json back into a Report, or a DeliveryError saying what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return report_from_data(spec, period, data)
    except FileNotFoundError:
        raise DeliveryError(
            f"{path} is missing",
            hint=f"rebuild with JSON: reporter build {spec.slug} --period {period.key} --force",
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(
            f"cannot read the built report {path}: {exc}",
            hint=f"rebuild it: reporter build {spec.slug} --period {period.key} --force",
        ) from None
