"""The report as the templates see it: every string cleaned, every link checked, every id unique."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from reporter.models import Paragraph, Report
from reporter.render.chart import change_label, coverage_svg
from reporter.render.clean import html_id, plain, safe_url

PAGE_SIZES = frozenset({"A3", "A4", "A5", "B4", "B5", "LETTER", "LEGAL", "LEDGER"})
OVERVIEW = "overview"


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A superscript citation: the source's number and the id it links to."""

    number: int
    href: str


@dataclass(frozen=True, slots=True)
class ParagraphView:
    """One paragraph: its lead, its verbatim body, its citations and who else reported it."""

    anchor: str
    lead: str
    body: str
    citations: tuple[SourceLink, ...]
    also_reported_by: str
    url: str | None


@dataclass(frozen=True, slots=True)
class SectionView:
    """One non-empty section of the report."""

    name: str
    anchor: str
    paragraphs: tuple[ParagraphView, ...]
    overview: tuple[str, ...] = ()  # the report's overview sentences, when this is the Overview section


@dataclass(frozen=True, slots=True)
class SourceView:
    """One entry in the numbered list of sources."""

    number: int
    anchor: str
    outlet: str
    title: str
    author: str
    date: str
    url: str | None


@dataclass(frozen=True, slots=True)
class LeftOutView:
    """An item left out of the report, and why."""

    title: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything a report template needs, and nothing that could carry markup."""

    title: str
    subject: str
    slug: str
    period_key: str
    period_label: str
    issued: str
    issued_iso: str
    created: str
    publisher: str
    page_size: str
    description: str
    keywords: str
    overview: tuple[str, ...]  # shown under its own heading unless a section is called Overview
    sections: tuple[SectionView, ...]
    sources: tuple[SourceView, ...]
    left_out: tuple[LeftOutView, ...]
    left_out_summary: str
    problems: tuple[str, ...]
    chart: Markup
    coverage: tuple[tuple[str, int, str], ...]
    has_previous: bool
    empty: bool
    paragraph_count: int
    links: dict[str, str] = field(default_factory=dict)


def format_date(day: date | datetime | None) -> str:
    """'November 10, 2025', the way the report's leads write dates."""
    if day is None:
        return ""
    return f"{day:%B} {day.day}, {day.year}"


def page_size(value: str) -> str:
    """A CSS page size from a known list (it goes into a stylesheet, which autoescape cannot guard)."""
    name = (value or "A4").strip()
    if name.upper() not in PAGE_SIZES:
        return "A4"
    return name.upper() if name.upper().startswith(("A", "B")) else name.lower()


def _paragraph(p: Paragraph, anchor: str, source_ids: dict[int, str]) -> ParagraphView:
    citations = tuple(SourceLink(n, source_ids[n]) for n in p.source_numbers if n in source_ids)
    return ParagraphView(
        anchor=anchor,
        lead=plain(p.lead),
        body=plain(p.body),
        citations=citations,
        also_reported_by=", ".join(plain(o) for o in p.also_reported_by if o),
        url=safe_url(p.url),
    )


def build_view(report: Report, *, links: dict[str, str] | None = None) -> ReportView:
    """Turn a Report into what the templates render, sanitising every field on the way."""
    source_ids = {s.number: f"source-{s.number}" for s in report.sources}
    overview = tuple(plain(s) for s in report.overview if s)
    has_overview_section = any(s.name.strip().lower() == OVERVIEW for s in report.sections)
    reserved = ["top", "contents", "coverage", "sources", "about", "left-out"]
    used: Counter[str] = Counter(reserved if has_overview_section else [*reserved, OVERVIEW])
    sections: list[SectionView] = []
    overview_placed = False
    for index, section in enumerate(report.sections):
        is_overview = section.name.strip().lower() == OVERVIEW
        if not section.paragraphs and not (is_overview and overview):
            continue
        anchor = _unique(html_id(section.anchor or section.name, f"section-{index + 1}"), used)
        paragraphs = tuple(
            _paragraph(
                p,
                _unique(html_id(p.anchor, f"{anchor}-{n + 1}") if p.anchor else f"{anchor}-{n + 1}", used),
                source_ids,
            )
            for n, p in enumerate(section.paragraphs)
        )
        own_overview = overview if is_overview and not overview_placed else ()
        overview_placed = overview_placed or bool(own_overview)
        sections.append(SectionView(plain(section.name), anchor, paragraphs, own_overview))
    sources = tuple(
        SourceView(
            number=s.number,
            anchor=source_ids[s.number],
            outlet=plain(s.outlet),
            title=plain(s.title),
            author=plain(s.author),
            date=format_date(s.date),
            url=safe_url(s.url),
        )
        for s in report.sources
    )
    left_out = tuple(LeftOutView(plain(x.title), plain(x.reason), plain(x.detail)) for x in report.left_out)
    reasons = Counter(x.reason for x in left_out)
    left_out_summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    spec = report.spec
    count = sum(len(s.paragraphs) for s in sections)
    description = (
        f"{plain(report.title)}: {count} attributed paragraph{'s' if count != 1 else ''} on "
        f"{plain(spec.subject_name)}'s foreign relations, {report.period.label}."
    )
    keywords = ", ".join(
        dict.fromkeys([plain(spec.subject_name), "foreign relations", *(s.name for s in sections)])
    )
    return ReportView(
        title=plain(report.title),
        subject=plain(spec.subject_name),
        slug=spec.slug,
        period_key=report.period.key,
        period_label=report.period.label,
        issued=format_date(report.generated),
        issued_iso=report.generated.date().isoformat(),
        created=report.generated.isoformat(timespec="seconds"),
        publisher=plain(spec.publisher),
        page_size=page_size(spec.page_size),
        description=description,
        keywords=keywords,
        overview=() if overview_placed else overview,
        sections=tuple(sections),
        sources=sources,
        left_out=left_out,
        left_out_summary=left_out_summary,
        problems=tuple(plain(p) for p in report.problems),
        chart=coverage_svg(report.coverage, title=f"Items per section, {report.period.label}"),
        has_previous=any(last is not None for _, _, last in report.coverage),
        coverage=tuple(
            (plain(name), items, change_label(items, last)) for name, items, last in report.coverage
        ),
        empty=report.is_empty,
        paragraph_count=count,
        links={k: u for k, v in (links or {}).items() if (u := safe_url(v))},
    )


def _unique(anchor: str, used: Counter[str]) -> str:
    used[anchor] += 1
    if used[anchor] == 1:
        return anchor
    candidate = f"{anchor}-{used[anchor]}"
    used[candidate] += 1
    return candidate
