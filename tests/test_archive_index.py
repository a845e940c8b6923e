"""The archive index reads a small summary beside each report, never the report, and is always right.

`write_report` leaves `.index-entry.json` in the report's folder: the title, period, day, paragraph
count and overview, with the identity of the JSON file it was made from. `scan()` (output/index.html,
the web archive's pages and its Atom feeds) uses it while that JSON file is the same one; a summary
that is missing, broken, of another version or older than its JSON is remade from the JSON.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from reporter.archive import published, write_index, write_report
from reporter.archive_index import SUMMARY, scan
from reporter.models import Period
from reporter.render import render_json
from tests.render_fixtures import report

FOLDER = ("japan", "2025-11")


def json_only(r) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {"json": render_json(r).encode(), "html": b"<html>"}


def summary_of(output: Path, slug: str = "japan", key: str = "2025-11") -> dict:
    return json.loads((output / slug / key / SUMMARY).read_text(encoding="utf-8"))


def rewrite_summary(output: Path, **changes: object) -> None:
    """Change the summary's fields by hand, keeping it valid for the JSON beside it."""
    path = output.joinpath(*FOLDER, SUMMARY)
    path.write_text(json.dumps(json.loads(path.read_text()) | changes), encoding="utf-8")


def remove_summaries(output: Path) -> None:
    for path in output.glob(f"*/*/{SUMMARY}"):
        path.unlink()


# --- the summary is what the index reads ------------------------------------------------------------


def test_writing_a_report_leaves_a_summary_of_what_the_index_shows(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    kept = summary_of(tmp_path)
    assert kept["title"] == "Country Report: Japan (November 2025)"
    assert kept["period_label"] == "November 2025"
    assert kept["generated"] == "2025-12-01"
    assert kept["paragraphs"] == sum(len(s.paragraphs) for s in r.sections)
    assert kept["overview"] == list(r.overview)
    [entry] = scan(tmp_path)
    assert (entry.title, entry.period_label, entry.generated) == (
        kept["title"],
        kept["period_label"],
        kept["generated"],
    )
    assert (entry.paragraphs, entry.overview) == (kept["paragraphs"], tuple(r.overview))


def test_the_index_takes_a_current_summary_without_reading_the_report(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    # The JSON file is untouched, so only a scan that read the summary can show this title.
    rewrite_summary(tmp_path, title="Read from the summary")
    assert [e.title for e in scan(tmp_path)] == ["Read from the summary"]


def test_the_summary_is_no_format_of_the_report(tmp_path: Path) -> None:
    r = report()
    written = write_report(r, json_only(r), output_dir=tmp_path)
    assert (tmp_path.joinpath(*FOLDER, SUMMARY)).is_file()
    # Not among the build's files (what `reporter status` checks on disk), published formats or links.
    assert sorted(written) == ["html", "json"]
    assert sorted(published(tmp_path, *FOLDER)) == ["html", "json"]
    assert sorted(scan(tmp_path)[0].links) == ["html", "json"]
    assert SUMMARY not in write_index(tmp_path).read_text()


# --- when the summary is not to be trusted, the JSON is ---------------------------------------------


def test_a_report_from_an_older_version_without_a_summary_is_listed_and_given_one(tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*FOLDER)
    folder.mkdir(parents=True)
    (folder / "japan-2025-11.json").write_text(render_json(report()), encoding="utf-8")  # copied in by hand
    [entry] = scan(tmp_path)
    assert entry.title == "Country Report: Japan (November 2025)" and entry.links == {
        "json": "japan/2025-11/japan-2025-11.json"
    }
    assert summary_of(tmp_path)["title"] == entry.title  # kept, so the next scan need not read the JSON
    assert scan(tmp_path) == [entry]


@pytest.mark.parametrize(
    "broken",
    [
        b"",  # a crash between creating and renaming
        b'{"summary": 1, "title": "Trunc',
        b"[1, 2, 3]",
        b'{"summary": 99, "title": "From a newer version"}',
    ],
)
def test_a_broken_summary_falls_back_to_the_json_and_is_remade(tmp_path: Path, broken: bytes) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    tmp_path.joinpath(*FOLDER, SUMMARY).write_bytes(broken)
    assert [e.title for e in scan(tmp_path)] == [r.title]
    assert summary_of(tmp_path)["title"] == r.title


def test_a_summary_with_fields_of_the_wrong_type_falls_back_to_the_json(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    rewrite_summary(tmp_path, paragraphs="many", title="Wrong")
    [entry] = scan(tmp_path)
    assert (entry.title, entry.paragraphs) == (r.title, sum(len(s.paragraphs) for s in r.sections))


def test_a_json_replaced_by_one_of_the_same_size_and_date_is_read_again(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    path = tmp_path.joinpath(*FOLDER, "japan-2025-11.json")
    before = path.stat()
    # A corrected copy put in place as `rsync -t` does it: written beside, dated as the original, renamed
    # over it. Size and modification time are the original's; only the file itself is another.
    corrected = r.title.replace("Japan", "JAPAN")
    copy = path.with_name("copy.tmp")
    copy.write_text(path.read_text(encoding="utf-8").replace(r.title, corrected), encoding="utf-8")
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(copy, path)
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert [e.title for e in scan(tmp_path)] == [corrected]
    assert summary_of(tmp_path)["title"] == corrected


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_archive_is_listed_from_its_jsons(tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*FOLDER)
    folder.mkdir(parents=True)
    (folder / "japan-2025-11.json").write_text(render_json(report()), encoding="utf-8")
    folder.chmod(0o555)
    try:
        assert [e.period_key for e in scan(tmp_path)] == ["2025-11"]
        assert [e.period_key for e in scan(tmp_path)] == ["2025-11"]  # every time, from the JSON
        assert not (folder / SUMMARY).exists()
    finally:
        folder.chmod(0o755)


def test_a_summary_that_cannot_be_written_still_lets_the_report_be_listed(tmp_path: Path) -> None:
    # What a read-only folder does, in a form that holds for root too (CI runs as root): a folder in
    # the summary's place cannot be read as one, nor replaced by one.
    folder = tmp_path.joinpath(*FOLDER)
    folder.mkdir(parents=True)
    (folder / "japan-2025-11.json").write_text(render_json(report()), encoding="utf-8")
    (folder / SUMMARY).mkdir()
    assert [e.period_key for e in scan(tmp_path)] == ["2025-11"]
    assert (folder / SUMMARY).is_dir() and not list(folder.glob("*.tmp"))


def test_a_broken_json_is_left_out_of_the_index_and_gets_no_summary(tmp_path: Path) -> None:
    r = report()
    write_report(r, {"json": b"{not json", "html": b"<html>"}, output_dir=tmp_path)
    assert scan(tmp_path) == []
    assert not tmp_path.joinpath(*FOLDER, SUMMARY).exists()


# --- rebuilds and deletions -------------------------------------------------------------------------


def test_a_forced_rebuild_rewrites_the_summary(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    rebuilt = replace(r, title=f"{r.title}, revised", overview=("New first line.",))
    write_report(rebuilt, json_only(rebuilt), output_dir=tmp_path, force=True)
    assert summary_of(tmp_path)["title"] == rebuilt.title
    [entry] = scan(tmp_path)
    assert (entry.title, entry.overview) == (rebuilt.title, ("New first line.",))


def test_a_forced_rebuild_without_json_takes_the_summary_away_with_the_json(tmp_path: Path) -> None:
    r = report()
    write_report(r, json_only(r), output_dir=tmp_path)
    write_report(r, {"html": b"<html>"}, output_dir=tmp_path, force=True)
    assert not tmp_path.joinpath(*FOLDER, SUMMARY).exists()
    assert scan(tmp_path) == []  # as before: a period is listed by its JSON


def test_a_deleted_report_leaves_the_index_whatever_is_left_beside_it(tmp_path: Path) -> None:
    for month in (10, 11):
        r = report(period=Period.month(2025, month))
        write_report(r, json_only(r), output_dir=tmp_path)
    tmp_path.joinpath(*FOLDER, "japan-2025-11.json").unlink()  # its summary is still there
    shutil.rmtree(tmp_path / "japan" / "2025-10")
    assert scan(tmp_path) == []
    assert "No reports have been published yet." in write_index(tmp_path).read_text()


# --- what readers see does not depend on where the entry came from ---------------------------------


def build_archive(output: Path) -> None:
    """Two reports, three periods, with every format, a missing PDF and an empty overview among them."""
    for month in (9, 10, 11):
        r = report(period=Period.month(2025, month))
        write_report(r, json_only(r) | {"pdf": b"%PDF", "md": b"# md"}, output_dir=output)
    korea = replace(report(slug="korea", subject_name="South Korea"), overview=())
    write_report(korea, json_only(korea), output_dir=output)


def test_the_index_page_is_the_same_from_summaries_as_from_the_reports(tmp_path: Path) -> None:
    build_archive(tmp_path)
    from_summaries = write_index(tmp_path).read_text()
    remove_summaries(tmp_path)  # as an archive built by an older version
    from_reports = write_index(tmp_path).read_text()
    remade = write_index(tmp_path).read_text()  # from the summaries that reading the reports left
    assert from_summaries == from_reports == remade
    assert 'href="japan/2025-09/japan-2025-09.pdf"' in from_summaries
    assert len(list(tmp_path.glob(f"*/*/{SUMMARY}"))) == 4


def test_the_web_archive_is_the_same_from_summaries_as_from_the_reports(tmp_path: Path) -> None:
    from tests.web_support import client_for, make_project

    project = make_project(tmp_path)
    output = Path(project[1]["REPORTER_OUTPUT_DIR"])
    build_archive(output)
    pages = ("/", "/reports/japan/", "/reports/japan/feed.atom", "/reports/korea/")
    with client_for(project) as client:
        from_summaries = [client.get(page).text for page in pages]
        remove_summaries(output)
        from_reports = [client.get(page).text for page in pages]
        assert client.get(f"/reports/japan/2025-11/{SUMMARY}").status_code == 404  # never served
    assert from_summaries == from_reports
    assert "Country Report: Japan (November 2025)" in from_summaries[0]
    assert "September 2025" in from_summaries[1]
