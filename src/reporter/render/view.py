"""The report as the templates see it: every string cleaned, every link checked, every id unique."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from reporter.models import Headline, Paragraph, Report
from reporter.render.chart import change_label, coverage_svg
from reporter.render.clean import html_id, plain, safe_url

PAGE_SIZES = frozenset({"A3", "A4", "A5", "B4", "B5", "LETTER", "LEGAL", "LEDGER"})
OVERVIEW = "overview"  # the anchor of the overview's own heading, when no section is the Overview


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
class HeadlineView:
    """One line of "Also this month": the headline, linked, and who told it when."""

    title: str
    url: str | None
    credit: str  # "Japan Today, October 17; also 2 other outlets"


@dataclass(frozen=True, slots=True)
class SectionView:
    """One non-empty section of the report."""

    name: str
    anchor: str
    paragraphs: tuple[ParagraphView, ...]
    overview: tuple[str, ...] = ()  # the report's overview sentences, when this is the Overview section
    also: tuple[HeadlineView, ...] = ()


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
    unread: str  # "3 of 14 sources could not be read this month.", or "" (the details stay in the JSON)
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


def outlet_label(name: str | None) -> str:
    """How the report prints an outlet: its name, or "Unattributed" when it is not known."""
    return plain(name) or "Unattributed"


def _headline(h: Headline) -> HeadlineView:
    credit = outlet_label(h.outlet)
    if h.day is not None:
        credit += f", {h.day:%B} {h.day.day}"
    if h.others:
        credit += f"; also {h.others} other outlet{'s' if h.others != 1 else ''}"
    return HeadlineView(plain(h.title), safe_url(h.url), credit)


def unread_sentence(report: Report) -> str:
    """'3 of 14 sources could not be read this month.' — all a reader is told of failed sources."""
    failed = len(report.problems)
    if not failed:
        return ""
    when = "this month" if report.period.months == 1 else "this period"
    total = max(report.source_count, failed) if report.source_count else 0
    if total:
        return f"{failed} of {total} sources could not be read {when}."
    return f"{failed} source{'s' if failed != 1 else ''} could not be read {when}."


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
    has_overview_section = any(s.overview for s in report.sections)
    reserved = ["top", "contents", "coverage", "sources", "about"]
    used: Counter[str] = Counter(reserved if has_overview_section else [*reserved, OVERVIEW])
    sections: list[SectionView] = []
    overview_placed = False
    for index, section in enumerate(report.sections):
        is_overview = section.overview
        if not section.paragraphs and not section.also and not (is_overview and overview):
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
        also = tuple(_headline(h) for h in section.also)
        sections.append(SectionView(plain(section.name), anchor, paragraphs, own_overview, also))
    sources = tuple(
        SourceView(
            number=s.number,
            anchor=source_ids[s.number],
            outlet=outlet_label(s.outlet),
            title=plain(s.title),
            author=plain(s.author),
            date=format_date(s.date),
            url=safe_url(s.url),
        )
        for s in report.sources
    )
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
        unread=unread_sentence(report),
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
