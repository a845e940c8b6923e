"""The JSON record, the Markdown edition and the email bodies."""

from __future__ import annotations

import json
from pathlib import Path

from reporter.render import render_email, render_json, render_markdown
from tests.render_fixtures import HOSTILE_IMG, empty_report, hostile_report, report, validate_html


def test_json_follows_the_output_contract() -> None:
    r = report()
    data = json.loads(render_json(r))
    assert data["title"] == "Country Report: Japan (November 2025)"
    assert data["period"] == {
        "start": "2025-11-01",
        "end": "2025-12-01",
        "key": "2025-11",
        "label": "November 2025",
    }
    assert data["generated"] == "2025-12-01T06:00:00+00:00"
    assert [s["name"] for s in data["sections"]] == [s.name for s in r.sections]
    para = data["sections"][1]["paragraphs"][0]
    assert set(para) >= {"lead", "sentences", "outlet", "authors", "date", "url", "also_reported_by"}
    assert para["sentences"][0] == {
        "text": r.sections[1].paragraphs[0].sentences[0].text,
        "item_id": "item-uni-0",
        "start": 0,
        "end": len(r.sections[1].paragraphs[0].sentences[0].text),
        "part": "text",  # offsets into the item's text; "title" when only the headline could be quoted
    }
    assert data["sources"][0]["number"] == 1
    assert data["left_out"][0] == {
        "item_id": "item-dup-1",
        "title": "Ishiba in Washington (wire copy)",
        "reason": "duplicate",
        "detail": "same as item-uni-0",
        "text_cut": None,  # or how the text was cut to settings.max_entry_chars
    }
    assert data["problems"] and data["coverage"][0] == {
        "section": "Overview",
        "items": 2,
        "items_last_period": None,
    }


def test_json_keeps_cjk_as_text_and_records_raw_fields() -> None:
    text = render_json(report())
    assert "東京" in text
    hostile = json.loads(render_json(hostile_report()))
    assert HOSTILE_IMG in hostile["title"]  # data, not markup: consumers escape it themselves


def test_markdown_reads_like_the_report() -> None:
    md = render_markdown(report())
    assert md.startswith("# Country Report: Japan (November 2025)\n")
    assert "\n## United States\n" in md
    assert "On November 1, Geopolitical Monitor's Jonathan Bak wrote that Prime Minister Ishiba" in md
    assert "[4](#source-4)" in md
    assert "*Also reported by The Diplomat, Kyodo News.*" in md
    assert '1. <a id="source-1"></a>Geopolitical Monitor, Jonathan Bak' in md
    assert "| United States | 2 | no change |" in md


def test_markdown_escapes_markup_from_feeds() -> None:
    md = render_markdown(hostile_report())
    assert "<img" not in md and "file:///etc/passwd" not in md


def test_markdown_of_an_empty_report() -> None:
    assert "No items this period." in render_markdown(empty_report())


def test_email_bodies_carry_overview_contents_and_safe_links() -> None:
    links = {"html": "https://reports.example.org/japan/2025-11/", "pdf": "javascript:alert(1)"}
    text, html = render_email(report(), links=links)
    assert "Country Report: Japan (November 2025)" in text
    assert "Read online: https://reports.example.org/japan/2025-11/" in text
    assert "- United States (2)" in text
    assert "&#39;" not in text  # plain text is not HTML-escaped
    assert '<a href="https://reports.example.org/japan/2025-11/">' in html
    assert "javascript:" not in html and "javascript:" not in text
    assert "<script" not in html


def test_email_of_a_hostile_report_has_no_markup_from_feeds() -> None:
    _, html = render_email(hostile_report())
    assert "<img" not in html


def test_email_html_is_valid_html5(tmp_path: Path) -> None:
    _, html = render_email(report(), links={"unsubscribe": "https://reports.example.org/u?t=1&s=2"})
    assert validate_html(html, tmp_path) == []
    assert 'href="https://reports.example.org/u?t=1&amp;s=2"' in html


def test_every_format_the_archive_writes_has_a_link_label_and_a_served_type() -> None:
    """FORMATS is the one list: the pages' links (FORMAT_LABELS) and the web app's files follow it."""
    from reporter.models import FORMAT_LABELS, FORMATS
    from reporter.web.files import CONTENT_TYPES

    assert set(FORMAT_LABELS) == set(FORMATS) == set(CONTENT_TYPES)
