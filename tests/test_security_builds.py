"""Broken environments and early builds: a message and a hint, exit 1, never a traceback; nothing lost.

Periods that are not over are refused unless `--partial`, and a partial build is a preview that is
never sent and never in the way of the period's real build. A PDF that cannot be rendered leaves the
other formats written and says which limit it hit. A read-only database, a full disk and bad
environment values are each one clear line.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter import pipeline
from reporter.cli import create_app
from reporter.models import Period

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(create_app(), list(args), env=env)


def this_month() -> Period:
    """The month under way on the report's calendar (the shipped feeds.yaml is on Tokyo time)."""
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    return Period.month(now.year, now.month)


# --- periods that are not over ----------------------------------------------------------------


def test_a_period_in_the_future_is_refused_with_a_hint(seeds_only: Path) -> None:
    result = invoke("build", "japan", "--period", "9999-01", "--no-ingest")
    assert result.exit_code == 1
    assert (
        "error: japan 9999-01 lies in the future; a report is built once its period has ended"
        in result.output
    )
    assert "--partial" in result.output and "Traceback" not in result.output
    assert not (seeds_only / "output" / "japan" / "9999-01").exists()


def test_a_partial_build_is_a_preview_apart_and_the_real_build_still_happens(seeds_only: Path) -> None:
    period = this_month()
    refused = invoke("build", "japan", "--period", period.key, "--no-ingest", "--format", "json,md")
    assert refused.exit_code == 1
    assert f"japan {period.key} is not over until {period.end_dt:%Y-%m-%d}" in refused.output

    preview = invoke(
        "build", "japan", "--period", period.key, "--no-ingest", "--format", "json,md", "--partial"
    )
    assert preview.exit_code == 0, preview.output
    assert "a preview of a period not over; not sent" in preview.output
    folder = seeds_only / ".reporter" / "partial" / "japan" / period.key
    assert (folder / f"japan-{period.key}.json").exists() and (folder / f"japan-{period.key}.md").exists()
    assert "partial, up to" in json.loads((folder / f"japan-{period.key}.json").read_text())["title"]
    assert not (seeds_only / "output" / "japan" / period.key).exists()  # nothing published

    ctx = pipeline.open_context(seeds_only / "feeds.yaml")
    try:
        assert ctx.store.builds.get("japan", period.key) is None  # no claim: nothing to send, nothing blocked
        spec = ctx.config.report("japan")
        with pytest.raises(pipeline.PeriodNotOver):  # the monthly job (ingest, build, send) refuses it too
            pipeline.run(ctx, spec, period)
        assert not [r for r in ctx.store.runs.recent() if r.kind == "ingest"]  # refused before fetching
        ctx.clock = lambda: period.end_dt + timedelta(hours=6)  # the month is over: the real build
        built = pipeline.build(ctx, spec, period, formats=("json",))
    finally:
        ctx.close()
    assert not built.skipped and not built.partial
    assert Path(built.files["json"]).parent == seeds_only / "output" / "japan" / period.key


# --- a PDF that cannot be rendered ------------------------------------------------------------


def test_a_pdf_over_its_memory_limit_leaves_the_other_formats_and_says_how_to_raise_it(
    seeds_only: Path,
) -> None:
    result = invoke("build", "japan", "--period", "2025-11", env={"REPORTER_PDF_MEMORY_MB": "100"})
    assert result.exit_code == 1, result.output
    assert "memory limit of 100 MB" in result.output
    assert (
        "raise `pdf_memory_mb` under `settings:` in feeds.yaml (or REPORTER_PDF_MEMORY_MB)" in result.output
    )
    assert "error: a partial build: pdf not written; the other formats were" in result.output
    folder = seeds_only / "output" / "japan" / "2025-11"
    for ext in ("html", "json", "md"):
        assert (folder / f"japan-2025-11.{ext}").stat().st_size > 1000
    assert not (folder / "japan-2025-11.pdf").exists()
    runs = json.loads(invoke("runs", "--json").output)
    (last_build,) = [r for r in runs if r["kind"] == "build"][:1]
    assert last_build["status"] == "partial" and "pdf" in last_build["detail"]["missing"]


# --- the environment ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"REPORTER_SMTP_PORT": "abc"}, "REPORTER_SMTP_PORT='abc' is not a whole number"),
        ({"REPORTER_PDF_MEMORY_MB": "lots"}, "REPORTER_PDF_MEMORY_MB='lots' is not a whole number"),
        ({"REPORTER_DATABASE_URL": "mysql://u@db.example/reports"}, "names 'mysql', which reporter does not"),
        # `sqlite:///$DB` with DB unset: in memory, nothing kept, and every scheduled run would send again
        ({"REPORTER_DATABASE_URL": "sqlite:///"}, "the database URL 'sqlite:///' names no file, so nothing"),
        ({"REPORTER_DATABASE_URL": "sqlite:///:memory:"}, "names no file, so nothing would be kept"),
    ],
)
def test_a_bad_environment_value_is_one_line_and_a_hint(
    project: Path, env: dict[str, str], said: str
) -> None:
    result = invoke("ingest", env=env)
    assert result.exit_code == 1
    assert said in result.output and "hint: " in result.output
    assert "Traceback" not in result.output


def test_a_read_only_database_is_said_and_check_finds_it_first(project: Path) -> None:
    assert invoke("ingest").exit_code == 0  # creates the database, with the seeds in it
    db = project / ".reporter" / "reporter.db"
    read_only = {"REPORTER_DATABASE_URL": f"sqlite:///file:{db}?mode=ro&uri=true"}

    checked = invoke("check", env=read_only)
    assert checked.exit_code == 1
    assert "FAIL database: the database is read-only" in checked.output

    result = invoke("build", "japan", "--period", "2025-11", "--format", "json", env=read_only)
    assert result.exit_code == 1
    assert (
        "error: the database is read-only" in result.output
        and "hint: make the database file" in result.output
    )
    assert "Traceback" not in result.output
    assert invoke("check").exit_code == 0  # the same database, writable, passes


def test_a_full_disk_names_the_file_and_check_finds_it(project: Path) -> None:
    out = project / "small"
    out.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(out)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with pytest.raises(OSError), (out / "filler").open("wb", buffering=0) as filler:
            while True:  # fill it to the last byte
                filler.write(b"x" * 1024)
        env = {"REPORTER_OUTPUT_DIR": str(out)}
        result = invoke("build", "japan", "--period", "2025-11", "--format", "html,json,md", env=env)
        assert result.exit_code == 1, result.output
        assert f"error: cannot write {out}/japan/2025-11/japan-2025-11." in result.output
        assert "No space left on device" in result.output and "hint: the disk is full" in result.output
        assert "Traceback" not in result.output
        checked = invoke("check", env=env)
        assert checked.exit_code == 1 and "FAIL output folder" in checked.output
        (out / "filler").unlink()  # room again: the same build goes through, nothing was lost
        again = invoke("build", "japan", "--period", "2025-11", "--format", "json", "--no-ingest", env=env)
        assert again.exit_code == 0, again.output
    finally:
        subprocess.run(["umount", str(out)], capture_output=True)


# --- the store and the disk ---------------------------------------------------------------------


def test_a_build_whose_files_are_gone_is_built_again_and_status_says_so(seeds_only: Path) -> None:
    import shutil

    first = invoke("build", "japan", "--period", "2025-11", "--no-ingest", "--format", "json,md")
    assert first.exit_code == 0, first.output
    folder = seeds_only / "output" / "japan" / "2025-11"
    (folder / "japan-2025-11.md").unlink()
    status = invoke("status")
    assert status.exit_code == 0, status.output
    assert (
        "japan: 2025-11 was built, but japan-2025-11.md is missing from the output folder; "
        "`reporter build japan --period 2025-11 --force` writes them again"
    ) in status.output
    shutil.rmtree(folder)
    status = invoke("status", "--json")
    assert json.loads(status.stdout)["missing_files"] == {
        "japan": {"2025-11": ["japan-2025-11.json", "japan-2025-11.md"]}
    }
    again = invoke("build", "japan", "--period", "2025-11", "--no-ingest", "--format", "json,md")
    assert again.exit_code == 0, again.output
    assert "already built" not in again.output
    assert (folder / "japan-2025-11.json").exists() and (folder / "japan-2025-11.md").exists()
    third = invoke("build", "japan", "--period", "2025-11", "--no-ingest", "--format", "json,md")
    assert "already built" in third.output  # with the files back, the store is right again
    assert "missing" not in invoke("status").output


def test_a_key_given_twice_in_feeds_yaml_is_an_error_with_both_lines(project: Path) -> None:
    text = (project / "feeds.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("url: http"))
    lines.insert(at + 1, lines[at])  # the same key again, as a careless paste leaves it
    (project / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("check")
    assert result.exit_code == 1
    assert (
        f"line {at + 2}: feeds[0].url: given twice (lines {at + 1} and {at + 2}); keep one" in result.output
    )


# --- entries cut to max_entry_chars -------------------------------------------------------------


def test_an_entry_cut_to_max_entry_chars_is_flagged_by_ingest_analyze_and_the_report_json(
    seeds_only: Path,
) -> None:
    config = seeds_only / "feeds.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "\nsettings:\n", "\nsettings:\n  max_entry_chars: 6000\n", 1
        ),
        encoding="utf-8",
    )
    bakery = "A bakery in Lyon won a prize for its croissants, and the queue reached the river. " * 300
    (seeds_only / "seeds" / "zz_bakery.txt").write_text(bakery, encoding="utf-8")
    with (seeds_only / "seeds" / "seeds.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write('zz_bakery.txt:\n  date: 2025-11-12\n  title: "Croissants in Lyon"\n')

    built = invoke("build", "japan", "--period", "2025-11", "--format", "json")
    assert built.exit_code == 0, built.output
    # Ingest says so as it cuts: three of the five seeds are longer than 6,000 characters, and the bakery.
    warned = [line for line in built.output.splitlines() if "max_entry_chars" in line]
    assert len(warned) == 4 and all("only the first 6,000 are kept" in line for line in warned)
    assert "zz_bakery.txt: the entry 'Croissants in Lyon' has 24,599 characters" in warned[-1]

    data = json.loads((seeds_only / "output/japan/2025-11/japan-2025-11.json").read_text(encoding="utf-8"))
    rows = {d["title"]: d for d in data["decisions"]}
    cut = {title: d["text_cut"] for title, d in rows.items() if d["text_cut"]}
    # The March 2024 seed is not of the period; of November's, two told in paragraphs were cut, and
    # the bakery, left out. The whole ones say null.
    assert len(rows) == 5 and len(cut) == 3
    assert sorted(rows[title]["placement"] for title in cut) == ["left out", "paragraph", "paragraph"]
    bakery = cut["Croissants in Lyon"]
    assert bakery.startswith("its text was cut to 5,9") and bakery.endswith(
        " of 24,599 characters (settings.max_entry_chars)"
    )
    (left,) = [x for x in data["left_out"] if x["title"] == "Croissants in Lyon"]
    assert left["reason"] == "not relevant" and left["text_cut"] == bakery
    assert all(x["text_cut"] is None for x in data["left_out"] if x["title"] not in cut)

    stored = invoke("analyze", "--stale")  # nothing left to analyse; the cut items are named again
    assert stored.exit_code == 0, stored.output
    assert "4 stored item(s) were cut to settings.max_entry_chars when stored:" in stored.output
    assert f"note: 'Croissants in Lyon': {bakery}" in stored.output
    one = invoke("analyze", "seeds/zz_bakery.txt", "--json")  # the configured cap, not the default
    assert one.exit_code == 0, one.output
    assert "only the first 6,000 are kept (settings.max_entry_chars)" in one.stderr
    assert json.loads(one.stdout.splitlines()[-1])["item"]["text_cut"] == bakery
