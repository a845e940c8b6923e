"""The printed report: a proper cover, a title that keeps its period together, typographic quotes,
and a tagged PDF (PDF/UA-1: structure, language, title, bookmarks nested under the title).

Every PDF here is made by the pipeline's own render step and read back with poppler and pypdf.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdf
import pytest

from reporter import pipeline
from tests import render_fixtures

pytestmark = pytest.mark.slow

ALL_SECTIONS = (
    "Overview", "United States", "China", "Taiwan", "Russia and Ukraine", "South Korea", "North Korea",
    "Southeast Asia", "South Asia", "Central Asia", "Australia and Pacific Islands", "Europe", "Middle East",
    "Africa and Latin America",
)  # fmt: skip


def pdf_of(report, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    rendered = pipeline.render_report(report, formats=("pdf",), templates_dir=None)
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(rendered.files["pdf"])
    return path


def text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.fixture(scope="module")
def november(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pdf_of(render_fixtures.report(), tmp_path_factory.mktemp("cover"), "november")


@pytest.fixture(scope="module")
def long_title(tmp_path_factory: pytest.TempPathFactory) -> Path:
    names = render_fixtures.SECTION_NAMES
    render_fixtures.SECTION_NAMES = ALL_SECTIONS
    try:
        report = render_fixtures.report(
            title="Country Report on the Foreign Relations of {subject} ({month} {year})"
        )
    finally:
        render_fixtures.SECTION_NAMES = names
    return pdf_of(report, tmp_path_factory.mktemp("cover"), "long")


def test_the_cover_holds_title_contents_and_chart_and_the_overview_starts_page_2(november: Path) -> None:
    cover = text(november, 1)
    assert "Country Report: Japan" in cover and "CONTENTS" in cover and "Coverage at a glance" in cover
    assert "Items per section in November 2025" in cover  # the chart's caption: the chart is on the cover
    assert "items on Japan" not in cover  # no body text under the title
    page_2 = [line.strip() for line in text(november, 2).splitlines() if line.strip()]
    assert page_2[1] == "Overview"  # first after the running header: the body starts on page 2


def test_with_fourteen_sections_and_a_long_title_the_cover_still_fits_on_one_page(long_title: Path) -> None:
    cover = text(long_title, 1)
    assert "Africa and Latin America" in cover and "Items per section in November 2025" in cover
    assert any(line.strip() == "(November 2025)" for line in cover.splitlines())  # kept together
    assert "Overview" in text(long_title, 2)


def test_quotes_and_apostrophes_are_typographic_in_print(november: Path) -> None:
    body = text(november, 2) + text(november, 3)
    assert "Japan’s foreign relations" in body and "Monitor’s" in body
    assert "'s " not in body


def test_the_pdf_is_tagged_with_its_language_title_and_nested_bookmarks(november: Path) -> None:
    info = subprocess.run(["pdfinfo", str(november)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "Title:           Country Report: Japan (November 2025)" in info
    structure = subprocess.run(
        ["pdfinfo", "-struct", str(november)], capture_output=True, text=True, check=True
    ).stdout
    assert "H1 (block)" in structure and structure.count("H2 (block)") >= 8 and "L (block)" in structure
    reader = pypdf.PdfReader(november)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]  # PDF/UA: the title, not the file name
    title, parts = reader.outline
    assert title.title.startswith("Country Report: Japan")
    assert [p.title for p in parts if not isinstance(p, list)][:3] == [
        "Coverage at a glance",
        "Overview",
        "United States",
    ]
