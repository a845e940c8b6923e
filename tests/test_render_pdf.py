"""The PDF edition, read back with poppler: TOC page numbers, fonts, metadata, bookmarks, safety."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from reporter.errors import RenderError
from reporter.render import render_html, render_pdf
from reporter.render.fetcher import RefusedURL, fetch_allowed
from tests.render_fixtures import empty_report, hostile_report, report

pytestmark = pytest.mark.slow


def poppler(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(render_html(report(per_section=5, sentences=4))))
    return path


def page_text(pdf: Path, page: int) -> str:
    return poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-")


def toc_entries(pdf: Path) -> list[tuple[str, int]]:
    first = page_text(pdf, 1)
    toc = first[first.index("CONTENTS") :]
    # The printed contents run in two columns: read the left one down, then the right one.
    columns: list[list[tuple[str, int]]] = [[], []]
    for line in toc.splitlines():
        for column, m in enumerate(re.finditer(r"(\S[^.]*?)\s?\.{3,}\s*(\d+)", line)):
            columns[min(column, 1)].append((m[1].strip(), int(m[2])))
    return columns[0] + columns[1]


def test_toc_page_numbers_are_the_pages_where_the_headings_are(pdf_path: Path) -> None:
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(pdf_path)))[1])
    assert pages >= 3
    entries = toc_entries(pdf_path)
    names = [name for name, _ in entries]
    assert names[:3] == ["Coverage at a glance", "Overview", "United States"]
    assert "Sources" in names
    for name, number in entries:
        found = [
            p
            for p in range(1, pages + 1)
            if any(line.strip() == name for line in page_text(pdf_path, p).splitlines())
        ]
        assert found == [number], f"{name}: TOC says page {number}, heading is on {found}"


def test_all_fonts_are_embedded_noto_faces(pdf_path: Path) -> None:
    rows = poppler("pdffonts", str(pdf_path)).splitlines()[2:]
    assert rows
    for row in rows:
        cols = row.split()
        name, emb = cols[0], cols[-5]
        assert emb == "yes", row
        assert "Noto" in name, f"a glyph fell back to a non-Noto font: {row}"
    assert any("CJK" in row for row in rows)


def test_text_keeps_diacritics_quotes_dashes_and_cjk_names(pdf_path: Path) -> None:
    text = poppler("pdftotext", str(pdf_path), "-")
    for word in ("Ōsaka", "Türkiye", "“without preconditions”", "—", "東京", "北京", "서울"):
        assert word in text


def test_running_header_and_page_x_of_y_footer(pdf_path: Path) -> None:
    second = page_text(pdf_path, 2)
    assert "Country Report: Japan (November 2025)" in second.splitlines()[0]
    total = len(pypdf.PdfReader(pdf_path).pages)
    assert f"page 2 of {total}" in second
    assert "Country Report" not in page_text(pdf_path, 1).splitlines()[0]  # no header on the title page


def test_document_metadata(pdf_path: Path) -> None:
    info = poppler("pdfinfo", str(pdf_path))
    assert re.search(r"^Title:\s+Country Report: Japan \(November 2025\)$", info, re.M)
    assert re.search(r"^Author:\s+Institute for Asian Affairs", info, re.M)
    assert re.search(r"^Subject:\s+.*attributed paragraphs", info, re.M)
    assert re.search(r"^Keywords:\s+Japan, foreign relations", info, re.M)
    assert re.search(r"^CreationDate:\s+Mon Dec  1 06:00:00 2025", info, re.M)
    assert re.search(r"^Page size:\s+.*\(A4\)", info, re.M)


def test_bookmarks_per_section_and_clickable_links(pdf_path: Path) -> None:
    reader = pypdf.PdfReader(pdf_path)
    [title, parts] = reader.outline  # the report's title, its parts nested under it
    assert title.title == "Country Report: Japan (November\u00a02025)"
    titles = [o.title for o in parts if not isinstance(o, list)]
    assert {"Overview", "United States", "China", "Sources"} <= set(titles)
    uris, internal = [], 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            action = a.get("/A")
            if action and "/URI" in action:
                uris.append(action["/URI"])
            elif "/Dest" in a or (action and action.get("/S") == "/GoTo"):
                internal += 1
    assert "https://www.geopoliticalmonitor.com/united-states-0/" in uris
    assert internal >= 10  # table of contents and source numbers


def test_nothing_from_the_machine_leaks_into_the_pdf(pdf_path: Path) -> None:
    data = pdf_path.read_bytes()
    assert b"file:" not in data
    assert str(Path.cwd()).encode() not in data
    assert str(Path.home()).encode() not in data or str(Path.home()) == "/"


def test_letter_page_size_from_the_config(tmp_path: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(render_pdf(render_html(report(per_section=1, page_size="Letter"))))
    assert re.search(r"^Page size:\s+612 x 792 pts \(letter\)", poppler("pdfinfo", str(pdf)), re.M)


def test_pdf_a_3b_variant(tmp_path: Path) -> None:
    pdf = tmp_path / "a3b.pdf"
    pdf.write_bytes(render_pdf(render_html(report(per_section=1)), pdf_variant="pdf/a-3b"))
    meta = pypdf.PdfReader(pdf).xmp_metadata
    assert meta is not None
    xml = meta.stream.get_data().decode()
    assert re.search(r"pdfaid:part(=\"|>)3", xml) and re.search(r"pdfaid:conformance(=\"|>)B", xml)


def test_empty_report_pdf_says_no_items(tmp_path: Path) -> None:
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(render_pdf(render_html(empty_report())))
    assert "No items this period." in poppler("pdftotext", str(pdf), "-")


HOSTILE_HTML = """<!DOCTYPE html><html lang="en"><head><title>t</title>
<link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">
<style>@import url(file:///etc/hostname); body { background: url(file:///etc/passwd) }</style></head>
<body><p>visible</p><img src="file:///etc/passwd" alt=""><a rel="attachment" href="file:///etc/passwd">x</a>
<img src="http://127.0.0.1:9/x.png" alt=""><object data="file:///etc/passwd"></object>
<embed src="file:///etc/passwd"><iframe src="file:///etc/passwd"></iframe>
<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>
<img alt="" src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22%3E%3Cimage href=%22file:///etc/passwd%22/%3E%3C/svg%3E">
<img alt="" src="reporter-asset:../../../../etc/passwd"></body></html>"""


def passwd_lines() -> list[str]:
    return [line.split(":")[0] + ":x:" for line in Path("/etc/passwd").read_text().splitlines() if line]


def test_hostile_html_cannot_embed_or_attach_local_files(tmp_path: Path) -> None:
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(render_pdf(HOSTILE_HTML))
    assert poppler("pdfdetach", "-list", str(pdf)).strip() == "0 embedded files"
    text = poppler("pdftotext", str(pdf), "-")
    assert "visible" in text
    assert not any(marker in text for marker in passwd_lines())
    assert b"root:x:0:0" not in pdf.read_bytes()


def test_hostile_feed_fields_leak_nothing_through_the_report(tmp_path: Path) -> None:
    pdf = tmp_path / "hostile-report.pdf"
    pdf.write_bytes(render_pdf(render_html(hostile_report())))
    assert poppler("pdfdetach", "-list", str(pdf)).strip() == "0 embedded files"
    text = poppler("pdftotext", str(pdf), "-")
    assert not any(marker in text for marker in passwd_lines())
    assert b"file:" not in pdf.read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "data:text/html,<b>x</b>",
        "reporter-asset:../report.css",
        "reporter-asset:report.html.j2",
        "reporter-asset:%2e%2e%2fetc%2fpasswd",
        "/etc/passwd",
    ],
)
def test_the_url_fetcher_refuses_everything_but_our_assets(url: str) -> None:
    with pytest.raises(RefusedURL):
        fetch_allowed(url, [])


def test_the_url_fetcher_serves_template_assets_project_first(tmp_path: Path) -> None:
    from reporter.render.templates import template_dirs

    media, data = fetch_allowed("reporter-asset:report.css", template_dirs(None))
    assert media == "text/css" and b"--serif" in data
    (tmp_path / "report.css").write_text("/* mine */", encoding="utf-8")
    assert fetch_allowed("reporter-asset:report.css", template_dirs(tmp_path))[1] == b"/* mine */"
    assert fetch_allowed("data:image/svg+xml,%3Csvg%2F%3E", [])[0] == "image/svg+xml"


def test_a_render_that_runs_too_long_is_stopped() -> None:
    html = "<!DOCTYPE html><title>x</title>" + "<table>" + "<tr><td>cell</td></tr>" * 30000 + "</table>"
    with pytest.raises(RenderError, match=r"took longer than 0\.5 s"):
        render_pdf(html, timeout=0.5)


def test_a_render_over_its_memory_limit_fails_cleanly() -> None:
    with pytest.raises(RenderError, match="memory"):
        render_pdf("<p>hello</p>", memory_mb=100)


def test_an_unknown_pdf_variant_is_refused() -> None:
    with pytest.raises(RenderError, match="unknown PDF variant"):
        render_pdf("<p>x</p>", pdf_variant="pdf/x-9")
