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
