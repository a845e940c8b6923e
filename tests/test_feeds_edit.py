"""`reporter feeds add` and `feeds remove` edit feeds.yaml and keep everything else in it as it was."""

from __future__ import annotations

import difflib
from pathlib import Path

from typer.testing import CliRunner, Result

from reporter.config import load_config


def cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_add_appends_the_feed_and_keeps_every_comment(project: Path) -> None:
    before = (project / "feeds.yaml").read_text(encoding="utf-8")
    result = cli(
        "feeds", "add", "nikkei-asia", "https://asia.nikkei.com/rss/feed/nar", "--outlet", "Nikkei Asia"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("added nikkei-asia (https://asia.nikkei.com/rss/feed/nar) to feeds.yaml")
    after = (project / "feeds.yaml").read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        "+  - name: nikkei-asia",
        "+    url: https://asia.nikkei.com/rss/feed/nar",
        "+    outlet: Nikkei Asia",
    ]
    assert "# Public feeds on Japan's foreign relations." in after
    added = load_config(project / "feeds.yaml").feeds[-1]
    assert (added.name, added.outlet) == ("nikkei-asia", "Nikkei Asia")
    assert "nikkei-asia" in load_config(project / "feeds.yaml").report("japan").feeds  # `feeds: all`


def test_remove_takes_out_the_feed_and_nothing_else(project: Path) -> None:
    before = (project / "feeds.yaml").read_text(encoding="utf-8")
    result = cli("feeds", "remove", "kyodo")
    assert result.exit_code == 0 and result.stdout == "removed kyodo from feeds.yaml\n"
    after = (project / "feeds.yaml").read_text(encoding="utf-8")
    assert [line for line in changed_lines(before, after) if not line.startswith("-    url: ")] == [
        "-  - name: kyodo",
        "-    outlet: Kyodo News",
    ]
    assert "kyodo" not in [f.name for f in load_config(project / "feeds.yaml").feeds]


def test_removing_a_feed_a_report_lists_by_name_removes_it_there_too(project: Path) -> None:
    path = project / "feeds.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("feeds: all", "feeds: [kyodo, nhk-world]"), "utf-8"
    )
    result = cli("feeds", "remove", "kyodo")
    assert result.exit_code == 0, result.output
    assert "also removed it from report japan's feeds" in result.stdout
    assert load_config(path).report("japan").feeds == ("nhk-world",)


def test_add_refuses_a_duplicate_name_a_known_url_and_a_non_http_url(project: Path) -> None:
    before = (project / "feeds.yaml").read_text(encoding="utf-8")
    dup = cli("feeds", "add", "kyodo", "https://example.org/feed")
    assert dup.exit_code == 1 and "there is already a feed named 'kyodo'" in dup.output
    ftp = cli("feeds", "add", "archive", "ftp://example.org/feed")
    assert ftp.exit_code == 1 and "only http and https URLs are fetched" in ftp.output
    missing = cli("feeds", "remove", "nope")
    assert missing.exit_code == 1 and "no feed named 'nope' (configured: the-diplomat," in missing.output
    assert (project / "feeds.yaml").read_text(encoding="utf-8") == before
    assert not list(project.glob(".feeds.yaml.*"))
