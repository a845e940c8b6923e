"""What an operator types: --version, ports, ingest's exit code, and filtering the run history."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reporter.cli.common import since_of


def cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"reporter {version('reporter')}\n"


def test_a_port_out_of_range_is_one_line_and_exit_1(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reporter", "serve", "--port", "70000"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: port 70000 is out of range",
        "hint: use --port with a number from 1 to 65535",
    ]


def test_a_port_in_use_is_one_line_and_exit_1(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "reporter", "serve", "--port", str(port)], capture_output=True, text=True
        )
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[0]
        == f"error: cannot listen on 127.0.0.1:{port}: the port is already in use"
    )
    assert "Traceback" not in result.stderr


def test_ingest_exits_1_when_every_source_failed(project: Path) -> None:
    for f in (project / "seeds").iterdir():
        f.unlink() if f.is_file() else None
    result = cli("ingest")
    assert result.exit_code == 1, result.output  # the feeds point at a closed port, the seeds folder is empty
    assert result.output.count("  failed: ") == 8


def test_ingest_exits_0_when_the_seeds_were_read_though_every_feed_failed(project: Path) -> None:
    result = cli("ingest")
    assert result.exit_code == 0 and "ingest: 5 new item(s) from 1 source(s); 8 failed" in result.output


def test_runs_filter_by_kind_report_and_start(project: Path) -> None:
    assert cli("ingest", "japan").exit_code == 0
    assert cli("ingest").exit_code == 0
    every = json.loads(cli("runs", "--json").stdout)
    assert [r["kind"] for r in every] == ["ingest", "ingest"]
    japan = json.loads(cli("runs", "--json", "--report", "japan").stdout)
    assert [r["report"] for r in japan] == ["japan"]
    assert json.loads(cli("runs", "--json", "--kind", "build").stdout) == []
    assert len(json.loads(cli("runs", "--json", "--since", "1h").stdout)) == 2
    assert json.loads(cli("runs", "--json", "--since", "2999-01-01").stdout) == []
    unknown = cli("runs", "--report", "korea")
    assert unknown.exit_code == 1 and "no report named 'korea' (configured: japan)" in unknown.output


def test_since_reads_dates_times_and_ages() -> None:
    now = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)
    assert since_of("12h", now) == datetime(2025, 12, 1, 0, 0, tzinfo=UTC)
    assert since_of("2w", now) == datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
    assert since_of("2025-11-30", now) == datetime(2025, 11, 30, tzinfo=UTC)
    assert since_of("2025-11-30T09:00+09:00", now) == datetime(2025, 11, 30, 0, 0, tzinfo=UTC)
    import typer

    with pytest.raises(typer.BadParameter, match="neither a date"):
        since_of("last week", now)
