"""A large month: printed lists are bounded ("and 29,470 more"), the JSON keeps every row, the PDF renders."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import date

from reporter.models import LeftOut, SourceRef
from reporter.render import render_html, render_json, render_markdown, render_pdf
from reporter.render.bounds import PRINTED_ROWS
from tests.render_fixtures import report

LEFT_OUT = 29_770
EXTRA_SOURCES = 30_000


def large_report():
    base = report(per_section=1)
    first = len(base.sources) + 1
    sources = base.sources + tuple(
        SourceRef(
            n, f"item-{n}", "Wire", f"Wire story {n}", None, date(2025, 11, 3), f"https://wire.example/{n}"
        )
        for n in range(first, first + EXTRA_SOURCES)
    )
    left_out = tuple(LeftOut(f"lo-{n}", f"Left-out item {n}", "not relevant") for n in range(LEFT_OUT))
    return replace(base, sources=sources, left_out=left_out)


def test_printed_lists_are_bounded_and_the_json_keeps_everything(tmp_path):
    big = large_report()
    html = render_html(big)
    markdown = render_markdown(big)
    data = json.loads(render_json(big))

    held_back = LEFT_OUT - PRINTED_ROWS
    for text in (html, markdown):
        assert f"and {held_back:,} more (every one is in the JSON edition)" in text
        assert f"and {len(big.sources) - PRINTED_ROWS:,} more (every one is in the JSON edition)" in text
        assert f"Left-out item {PRINTED_ROWS - 1}" in text and f"Left-out item {PRINTED_ROWS}<" not in text
    assert len(html.encode()) < 1_000_000, f"{len(html.encode()):,} bytes"  # not 16 MB
    assert len(data["left_out"]) == LEFT_OUT and len(data["sources"]) == len(big.sources)

    pdf = tmp_path / "large.pdf"
    pdf.write_bytes(render_pdf(html))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    printed = " ".join(text.split())
    assert f"and {len(big.sources) - PRINTED_ROWS:,} more (every one is in the JSON edition)" in printed
    assert f"The full list of {LEFT_OUT} items is in the HTML and JSON editions." in printed
