"""A large month: printed lists are bounded ("and 29,706 more"), the JSON keeps every row, the PDF renders.

The left-out items are not printed at all (they are the JSON's); the sources are, up to PRINTED_ROWS.
"""

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

    more = f"and {len(big.sources) - PRINTED_ROWS:,} more (every one is in the JSON edition)"
    for text in (html, markdown):
        assert more in text
        assert f"Wire story {PRINTED_ROWS}”" in text or f"Wire story {PRINTED_ROWS}\u201d" in text
        assert f"Wire story {PRINTED_ROWS + 1}”" not in text
        assert "Left-out item 1" not in text
    assert len(html.encode()) < 1_000_000, f"{len(html.encode()):,} bytes"  # not 16 MB
    assert len(data["left_out"]) == LEFT_OUT and len(data["sources"]) == len(big.sources)

    pdf = tmp_path / "large.pdf"
    pdf.write_bytes(render_pdf(html))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert more in " ".join(text.split())
