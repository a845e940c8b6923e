"""A cheap but real project for the scheduler tests: one seed, no feeds, JSON and Markdown only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAST_FORMATS = ("json", "md")
SECRET = "scheduler-test-secret-0123456789-abcdef"

FEEDS_YAML = """\
version: 1
settings:
  data_dir: data
  output_dir: output
  seeds_dir: seeds
feeds: []
reports:
  - slug: japan
    subject: JP
    send_empty: {send_empty}
    schedule:
      cron: "{cron}"
      timezone: {timezone}
      ingest_every_hours: 4
    sections:
      - name: Overview
      - name: United States
        members: [US]
      - name: China
        members: [CN]
"""

SMTP_YAML = """\
smtp:
  host: 127.0.0.1
  port: {port}
  starttls: false
  from: reports@example.org
  per_second: 0
"""

# Runs the CLI in a child process, with the render stage slowed down so a test can signal it
# mid-build: the child touches `marker` when rendering starts, then renders after `delay` seconds.
SLOW_CLI = """\
import sys, time
from pathlib import Path
from reporter.pipeline import render as render_stage  # where the build calls render_report

marker, delay = Path(sys.argv[1]), float(sys.argv[2])
real_render = render_stage.render_report

def slow_render(*args, **kwargs):
    marker.touch()
    time.sleep(delay)
    return real_render(*args, **kwargs)

render_stage.render_report = slow_render
sys.argv = ["reporter", *sys.argv[3:]]
from reporter.cli import main
main()
"""


def write_project(
    root: Path,
    *,
    cron: str = "0 6 1 * *",
    timezone: str = "UTC",
    send_empty: bool = False,
    smtp_port: int | None = None,
) -> Path:
    """A feeds.yaml with one report and no feeds, and a seeds folder with one document; returns the yaml."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "seeds" / "000_a5a756bdb41c04e9.txt", seeds)
    (seeds / "seeds.yaml").write_text(
        "000_a5a756bdb41c04e9.txt:\n  date: 2025-11-14\n  title: Takaichi's diplomatic debut\n",
        encoding="utf-8",
    )
    path = root / "feeds.yaml"
    text = FEEDS_YAML.format(cron=cron, timezone=timezone, send_empty=str(send_empty).lower())
    if smtp_port is not None:
        text += SMTP_YAML.format(port=smtp_port)
    path.write_text(text, encoding="utf-8")
    return path


def child_env(root: Path) -> dict[str, str]:
    """The environment for a child process working on the project in `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTER_")}
    if "REPORTER_DATABASE_URL" in os.environ:  # the test's database (see the database_url fixture)
        env["REPORTER_DATABASE_URL"] = os.environ["REPORTER_DATABASE_URL"]
    env["REPORTER_DATA_DIR"] = str(root / "data")
    env["REPORTER_OUTPUT_DIR"] = str(root / "output")
    env["REPORTER_SECRET"] = SECRET
    return env


def slow_cli(root: Path, marker: Path, delay: float, *args: str) -> subprocess.Popen:
    """Start `reporter ARGS...` in a child process whose render stage waits `delay` seconds."""
    script = root / "slow_cli.py"
    script.write_text(SLOW_CLI, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), str(marker), str(delay), *args],
        cwd=root,
        env=child_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cli(root: Path, *args: str) -> subprocess.Popen:
    """Start `reporter ARGS...` in a child process."""
    return subprocess.Popen(
        [sys.executable, "-m", "reporter", *args],
        cwd=root,
        env=child_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> object:
    """Poll until `condition()` is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def output_files(root: Path) -> list[str]:
    """Every file under output/, hidden temporary files included, relative to it."""
    out = root / "output"
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) if out.exists() else []
