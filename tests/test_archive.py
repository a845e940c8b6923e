"""The archive: atomic writes into output/, published periods kept unless forced, and the index."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from reporter.archive import AlreadyPublished, ArchiveError, write_index, write_report
from reporter.errors import ReporterError
from reporter.models import Period
from reporter.render import render_json
from tests.render_fixtures import HOSTILE_IMG, report


def files_for(r, tag: bytes = b"v1") -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {"html": b"<html>" + tag, "pdf": b"%PDF" + tag, "json": render_json(r).encode(), "md": b"# " + tag}


def test_files_land_in_the_contract_layout(tmp_path: Path) -> None:
    r = report()
    written = write_report(r, files_for(r), output_dir=tmp_path)
    assert written["pdf"] == tmp_path / "japan" / "2025-11" / "japan-2025-11.pdf"
    assert sorted(
        p.name for p in (tmp_path / "japan" / "2025-11").iterdir() if not p.name.startswith(".")
    ) == [
        "japan-2025-11.html",
        "japan-2025-11.json",
        "japan-2025-11.md",
        "japan-2025-11.pdf",
    ]
    assert oct(os.stat(written["html"]).st_mode & 0o777) == "0o644"
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_published_period_is_kept_unless_forced(tmp_path: Path) -> None:
    r = report()
    write_report(r, files_for(r, b"v1"), output_dir=tmp_path)
    with pytest.raises(AlreadyPublished) as err:
        write_report(r, files_for(r, b"v2"), output_dir=tmp_path)
    assert isinstance(err.value, ReporterError)
    assert "--force" in (err.value.hint or "")
    pdf = tmp_path / "japan" / "2025-11" / "japan-2025-11.pdf"
    assert pdf.read_bytes() == b"%PDFv1"
    write_report(r, files_for(r, b"v2"), output_dir=tmp_path, force=True)
    assert pdf.read_bytes() == b"%PDFv2"


def test_a_forced_rebuild_with_fewer_formats_leaves_no_stale_file(tmp_path: Path) -> None:
    r = report()
    write_report(r, files_for(r), output_dir=tmp_path)
    write_report(r, {"json": render_json(r).encode(), "html": b"<html>"}, output_dir=tmp_path, force=True)
    assert not (tmp_path / "japan" / "2025-11" / "japan-2025-11.pdf").exists()


def test_a_failed_write_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = report()
    write_report(r, files_for(r, b"v1"), output_dir=tmp_path)

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_report(r, files_for(r, b"v2"), output_dir=tmp_path, force=True)
    assert (tmp_path / "japan" / "2025-11" / "japan-2025-11.pdf").read_bytes() == b"%PDFv1"
    assert not list(tmp_path.rglob("*.tmp"))


def test_unknown_formats_are_refused(tmp_path: Path) -> None:
    r = report()
    with pytest.raises(ArchiveError, match="unknown output format"):
        write_report(r, {"../../etc/x": b""}, output_dir=tmp_path)


def test_index_lists_every_report_and_period_newest_first(tmp_path: Path) -> None:
    for month in (9, 11, 10):
        r = report(period=Period.month(2025, month))
        write_report(r, files_for(r), output_dir=tmp_path)
    other = report(slug="korea", subject_name="South Korea")
    write_report(other, {"json": render_json(other).encode(), "html": b"x"}, output_dir=tmp_path)
    index = write_index(tmp_path)
    assert index == tmp_path / "index.html"
    html = index.read_text()
    japan = html[html.index('id="japan"') :]
    positions = [japan.index(f"japan/2025-{m}/japan-2025-{m}.html") for m in ("11", "10", "09")]
    assert positions == sorted(positions)
    assert 'href="japan/2025-11/japan-2025-11.pdf"' in html
    assert 'href="korea/2025-11/korea-2025-11.html"' in html
    assert 'href="korea/2025-11/korea-2025-11.pdf"' not in html  # only formats that exist


def test_index_escapes_titles_read_from_disk(tmp_path: Path) -> None:
    r = report()
    r = replace(r, title=f"Evil {HOSTILE_IMG}")
    write_report(r, {"json": render_json(r).encode()}, output_dir=tmp_path)
    html = write_index(tmp_path).read_text()
    assert "<img" not in html


def test_index_of_an_empty_archive_and_a_broken_json(tmp_path: Path) -> None:
    assert "No reports have been published yet." in write_index(tmp_path).read_text()
    broken = tmp_path / "japan" / "2025-11"
    broken.mkdir(parents=True)
    (broken / "japan-2025-11.json").write_text("{not json")
    assert "No reports have been published yet." in write_index(tmp_path).read_text()
    json.loads(render_json(report()))  # the real thing parses


def test_index_is_valid_html5(tmp_path: Path) -> None:
    from tests.render_fixtures import validate_html

    r = report()
    write_report(r, files_for(r), output_dir=tmp_path / "out")
    assert validate_html(write_index(tmp_path / "out").read_text(), tmp_path) == []
