"""The command line: every command has help with an example; errors exit 1 with a hint; usage errors 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter.cli import create_app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(create_app(), list(args))


@pytest.mark.parametrize("command", ["build", "ingest", "check", "runs", "analyze"])
def test_every_command_explains_itself_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example: reporter" in result.output


def test_check_passes_on_the_shipped_configuration(project: Path) -> None:
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "feeds.yaml: OK (1 report(s), 8 feed(s))" in result.output


def test_check_lists_every_problem_in_a_broken_config_with_line_numbers(project: Path) -> None:
    broken = (project / "feeds.yaml").read_text(encoding="utf-8")
    broken = broken.replace("subject: JP", "subjet: JP").replace(
        "members: [KP, KOREAN_PENINSULA]", "members: [NO]"
    )
    (project / "feeds.yaml").write_text(broken, encoding="utf-8")
    result = invoke("check")
    assert result.exit_code == 1
    assert "unknown key 'subjet' (did you mean 'subject'?)" in result.output
    assert "YAML read the bare word NO as a boolean" in result.output
    assert "reports[0].subject: required key is missing" in result.output  # now misspelt
    assert result.output.count("line ") >= 3
    assert "hint:" in result.output


def test_an_unknown_report_is_a_handled_error(project: Path) -> None:
    result = invoke("build", "korea", "--no-ingest")
    assert result.exit_code == 1
    assert "no report named 'korea' (configured: japan)" in result.output


def test_a_malformed_period_is_a_usage_error(project: Path) -> None:
    result = invoke("build", "japan", "--period", "November")
    assert result.exit_code == 2
    assert "period must look like 2025-11" in result.output


def test_ingest_reads_the_seeds_once_and_reports_each_unreachable_feed_in_one_line(project: Path) -> None:
    first = invoke("ingest")
    assert "ingest: 5 new item(s)" in first.output
    assert first.output.count("  failed: ") == 8
    second = invoke("ingest")
    assert "ingest: 0 new item(s)" in second.output


def test_runs_lists_what_ran(project: Path) -> None:
    invoke("ingest")
    result = invoke("runs", "--json")
    assert result.exit_code == 0
    assert '"kind": "ingest"' in result.output


def test_check_codes_lists_the_gazetteer_codes_sections_may_use() -> None:
    import json

    result = invoke("check", "--codes", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in json.loads(result.output)}
    assert rows["KP"]["name"] == "North Korea" and rows["KP"]["kind"] == "country"
    assert rows["SENKAKU_ISLANDS"]["kind"] == "region"
    assert rows["ASEAN"]["members"].startswith("11 members")
