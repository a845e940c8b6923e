"""Seeds besides .txt: Markdown, HTML and PDF are read; a file that cannot be read is named and skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from reporter.normalize import normalize
from reporter.sources.seeds import read_seeds

NOW = datetime(2025, 12, 1, tzinfo=UTC)


def make_pdf(pages: list[str], title: str = "Japan and ASEAN", author: str = "Policy Desk") -> bytes:
    """A small, valid PDF with one line of Helvetica text per page (built by hand, no library)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, line in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append(f"<< /Title ({title}) /Author ({author}) /CreationDate (D:20251103120000Z) >>")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n".encode()
    return out + f"startxref\n{xref}\n%%EOF\n".encode()


def test_markdown_seed(tmp_path):
    (tmp_path / "note.md").write_text(
        "# Japan and India hold talks\n\nBy Asha Rao\n\n"
        "**New Delhi** and Tokyo agreed on [rail](https://x.example) "
        "projects. ![map](map.png)\n\n- first point\n- second point\n",
        encoding="utf-8",
    )
    (entry,), failures = read_seeds(tmp_path, now=NOW)
    assert not failures
    assert entry.title == "Japan and India hold talks"
    assert "New Delhi and Tokyo agreed on rail projects." in entry.content
    assert "**" not in entry.content and "](" not in entry.content and "map.png" not in entry.content


def test_html_seed_keeps_the_article_and_its_metadata(tmp_path):
    (tmp_path / "page.html").write_bytes(
        b"<html><head><title>Site | Story</title><meta property='og:title' content='Japan, Korea sign pact'>"
        b"<meta name='author' content='Kim Min'><meta property='og:site_name' content='Seoul Herald'>"
        b"<meta property='article:published_time' content='2025-11-12T09:00:00+09:00'>"
        b"<script>var x = 'file:///etc/passwd';</script></head><body><nav>Home | World</nav>"
        b"<article><p>The two governments signed the pact on Wednesday.</p>"
        b"<p>It covers intelligence.</p></article>"
        b"<footer>Copyright</footer></body></html>"
    )
    (entry,), _ = read_seeds(tmp_path, now=NOW)
    assert (entry.title, entry.author, entry.outlet) == ("Japan, Korea sign pact", "Kim Min", "Seoul Herald")
    assert entry.published == datetime(2025, 11, 12, tzinfo=UTC) and entry.date_source == "file"
    assert entry.content == "The two governments signed the pact on Wednesday.\n\nIt covers intelligence."


def test_pdf_seed_keeps_where_each_page_starts(tmp_path):
    pages = ["Japan and ASEAN leaders met in Tokyo.", "They agreed on maritime cooperation."]
    (tmp_path / "brief.pdf").write_bytes(make_pdf(pages))
    (entry,), failures = read_seeds(tmp_path, now=NOW)
    assert not failures
    assert (entry.title, entry.author) == ("Japan and ASEAN", "Policy Desk")
    assert entry.pages == (0, len(pages[0]) + 2)
    assert entry.content[entry.pages[1] :].startswith("They agreed")
    item = normalize(entry, now=NOW)
    assert item.text == entry.content  # offsets survive normalising
    assert item.published == datetime(2025, 11, 3, tzinfo=UTC)


def test_unreadable_files_are_named_and_skipped(tmp_path):
    (tmp_path / "good.txt").write_text("Japan and Peru signed a treaty on trade.", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "blank.pdf").write_bytes(make_pdf([""]))
    (tmp_path / "latin1.md").write_bytes("Caf\xe9 diplomacy in Tokyo".encode("latin-1"))
    entries, failures = read_seeds(tmp_path, now=NOW)
    assert [e.path for e in entries] == ["good.txt"]
    by_name = {f.source: f for f in failures}
    assert set(by_name) == {"seeds/broken.pdf", "seeds/blank.pdf", "seeds/latin1.md"}
    assert by_name["seeds/broken.pdf"].error.startswith("broken.pdf: not a readable PDF")
    assert by_name["seeds/blank.pdf"].error == "blank.pdf: the PDF has no text layer (a scan?)"
    assert by_name["seeds/latin1.md"].error.startswith("latin1.md: not valid utf-8")
