"""`reporter analyze FILE...|-` explains each passage; --json gives one object per file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reporter.cli import create_app

ROOT = Path(__file__).resolve().parent.parent
SEED_001 = next((ROOT / "seeds").glob("001_*.txt"))


def test_json_gives_one_object_per_file_with_its_passages():
    result = CliRunner().invoke(
        create_app(), ["analyze", str(SEED_001), "--json", "--config", str(ROOT / "feeds.yaml")]
    )
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if ln.strip()]
    data = json.loads(line)
    assert data["file"] == str(SEED_001)
    first = data["passages"][0]
    assert first["attribution"]["outlet"] == "Geopolitical Monitor"
    assert first["attribution"]["authors"] == ["Jonathan Bak"]
    assert first["attribution"]["date"] == "2025-11-10"
    assert all(p["section"] for p in data["passages"])


def test_standard_input_is_read_with_a_dash_and_explained():
    text = "November 3, 2025\nKyodo News\nBy Aiko Mori\n\nJapan and the Philippines signed a pact on Monday."
    result = CliRunner().invoke(
        create_app(), ["analyze", "-", "--config", str(ROOT / "feeds.yaml")], input=text
    )
    assert result.exit_code == 0, result.output
    assert "Southeast Asia" in result.stdout
    assert "Kyodo News" in result.stdout and "Aiko Mori" in result.stdout


def test_a_missing_file_is_a_clean_error():
    result = CliRunner().invoke(
        create_app(), ["analyze", "no-such-file.txt", "--config", str(ROOT / "feeds.yaml")]
    )
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_each_passage_says_why_it_is_in_or_out_for_the_report():
    text = (
        "Japan and the Philippines signed a defense pact in Manila on Monday.\n\n"
        "Separately, Russia and China pledged to expand their trade."
    )
    app, args = create_app(), ["analyze", "-", "--config", str(ROOT / "feeds.yaml")]
    result = CliRunner().invoke(app, args, input=text)
    assert result.exit_code == 0, result.output
    assert "relevance in · rule: relations" in result.stdout
    assert "matters   signed, pact, defense" in result.stdout
    assert "relevance out · rule: subject not named" in result.stdout
    assert "out: Japan is not named in this passage" in result.stdout
    data = json.loads(CliRunner().invoke(app, [*args, "--json"], input=text).stdout)
    verdicts = [(p["relevant"], p["relevance"]["rule"]) for p in data["passages"]]
    assert verdicts == [(True, "relations"), (False, "subject not named")]
