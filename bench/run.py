"""Run every benchmark (bench/bench_*.py) and assemble docs/benchmarks.md from their results.

Usage: .venv/bin/python bench/run.py [TOPIC ...]   (e.g. `build ingest eval_october2023`; default: all)
Each bench_<topic>.py (and each accuracy evaluation, eval_<name>.py) prints a markdown table and writes
docs/bench/<topic>.md itself.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "bench"


def main(topics: list[str]) -> int:
    """Run the chosen benchmarks, then rewrite docs/benchmarks.md."""
    scripts = sorted((ROOT / "bench").glob("bench_*.py")) + sorted((ROOT / "bench").glob("eval_*.py"))
    if topics:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in topics or s.stem in topics]
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)
        print(f"   ({time.perf_counter() - started:.1f} s)")
        if done.returncode != 0:
            failed.append(script.name)
    assemble()
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


def assemble() -> None:
    """docs/benchmarks.md: the machine, then every topic's latest results."""
    parts = [
        "# Benchmarks",
        "",
        "Made by `bench/run.py` (all topics) or `bench/bench_<topic>.py` (one). Each topic's numbers are",
        "measured in one run, with the raw library doing the same work measured alongside for the ratio.",
        "Timings are wall-clock on the machine named in each section; rerun to refresh.",
        "",
    ]
    for result in sorted(RESULTS.glob("*.md")):
        text = result.read_text(encoding="utf-8").strip()
        # Each topic is a section of this page, whatever heading level its script chose.
        parts.append("## " + text[2:] if text.startswith("# ") else text)
        parts.append("")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(parts), encoding="utf-8")


def machine() -> str:
    """A one-line description of the machine, for the results."""
    import os

    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python}, {os.cpu_count()} cores, {platform.machine()}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
