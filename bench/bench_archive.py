"""Benchmark: listing the archive (archive_index.scan) from summaries vs parsing every report's JSON.

Run: nice .venv/bin/python bench/bench_archive.py [--reports 600] [--kib 512] [--repeat 5]
Prints a markdown table and writes docs/bench/archive.md.

`--reports` reports (50 report slugs, each with months back from December 2025) are written with
`archive.write_report` into a scratch output folder, each JSON about `--kib` KiB. Then, interleaved:
`scan()` as every build and every web archive page runs it (one summary per report); the same listing
done the way scan did it before the summaries (glob, `json.loads` of every report, a stat per format),
which is the raw library doing the same work, and the same with orjson (what the full read costs at
best); and the first `scan()` after an upgrade, which finds no summaries, parses every JSON once and
leaves the summaries behind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from support import load_average, write_result

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
OUT = ROOT / "docs" / "bench" / "archive.md"
SLUGS = 50


def write_archive(output: Path, reports: int, kib: int) -> int:
    """Write `reports` report periods (JSON and HTML) as builds do; the JSON bytes written in all."""
    from tests.render_fixtures import report

    from reporter.archive import write_report
    from reporter.models import Period
    from reporter.render import render_json

    # About 12 KiB of JSON per paragraph per section in the hand-built report: size it to --kib.
    base = report(per_section=max(1, round(kib / 12.3)), sentences=4)
    total = 0
    for n in range(reports):
        slug, back = f"country-{n % SLUGS:02d}", n // SLUGS
        period = Period.month(2025 - back // 12, 12 - back % 12)
        spec = replace(base.spec, slug=slug, subject_name=f"Country {n % SLUGS:02d}")
        r = replace(base, spec=spec, period=period, title=spec.title_for(period))
        data = render_json(r).encode()
        total += len(data)
        write_report(r, {"json": data, "html": b"<html>"}, output_dir=output)
    return total


def full_json_scan(output: Path, loads: Callable[[bytes], Any] = json.loads) -> int:
    """The listing as scan() made it before summaries, every report's JSON parsed; the entries found."""
    from reporter.models import FORMATS

    entries = []
    for path in sorted(output.glob("*/*/*.json")):
        slug, key = path.parent.parent.name, path.parent.name
        if path.name != f"{slug}-{key}.json":
            continue
        data = loads(path.read_bytes())
        links = {ext: path.parent / f"{slug}-{key}.{ext}" for ext in FORMATS}
        entries.append(
            (
                slug,
                str(data.get("title") or slug),
                key,
                str((data.get("period") or {}).get("label") or key),
                str(data.get("generated"))[:10],
                sum(len(s.get("paragraphs") or ()) for s in data.get("sections") or ()),
                {ext: str(p) for ext, p in links.items() if p.exists()},
                tuple(str(s) for s in data.get("overview") or ()),
            )
        )
    entries.sort(key=lambda e: (e[2], e[0]), reverse=True)
    return len(entries)


def timed(run: Callable[[], int]) -> tuple[float, int]:
    """Seconds of one call, and what it returned."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    """Write the archive, time the three listings interleaved, and write docs/bench/archive.md."""
    from reporter.archive_index import SUMMARY, scan

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reports", type=int, default=600)
    parser.add_argument("--kib", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        output = scratch / "output"
        started = time.perf_counter()
        total = write_archive(output, args.reports, args.kib)
        setup_s = time.perf_counter() - started
        runs: dict[str, list[float]] = {"summaries": [], "full": [], "orjson": [], "first": []}
        for _ in range(args.repeat):  # interleaved, so other load on the machine touches all alike
            seconds, n = timed(lambda: len(scan(output)))
            assert n == args.reports, n
            runs["summaries"].append(seconds)
            seconds, n = timed(lambda: full_json_scan(output))
            assert n == args.reports, n
            runs["full"].append(seconds)
            seconds, n = timed(lambda: full_json_scan(output, orjson.loads))
            assert n == args.reports, n
            runs["orjson"].append(seconds)
            for path in output.glob(f"*/*/{SUMMARY}"):
                path.unlink()
            seconds, n = timed(lambda: len(scan(output)))
            assert n == args.reports and len(list(output.glob(f"*/*/{SUMMARY}"))) == n
            runs["first"].append(seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    best = {k: min(v) for k, v in runs.items()}  # the least disturbed run: other load only adds time
    med = {k: statistics.median(v) for k, v in runs.items()}
    per = 1000 / args.reports
    rows = [
        ("`scan()`, summaries kept beside the reports (every build, every archive page)", "summaries"),
        ("every report's JSON parsed, as `scan()` did before (`json.loads`, a stat per format)", "full"),
        ("the same with `orjson.loads`, the fastest full read at hand", "orjson"),
        ("first `scan()` after an upgrade: no summaries, parse each JSON once, write its summary", "first"),
    ]
    table = [
        "| listing | best (s) | median (s) | ms / report (best) | ratio to summaries (best) |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {best[k]:.3f} | {med[k]:.3f} | {best[k] * per:.2f} "
            f"| {best[k] / best['summaries']:.1f}× |"
            for name, k in rows
        ),
    ]
    text = "\n".join(
        [
            "# Archive index benchmark",
            "",
            f"`bench/bench_archive.py`, {date.today().isoformat()}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs, load average {load_average()} (1/5/15 min) at the end (shared "
            f"machine). {args.reports:,} report periods on disk ({SLUGS} reports), each a JSON of about "
            f"{total / args.reports / 1024:,.0f} KiB ({total / 2**20:,.0f} MiB in all) and an HTML file, "
            f"written with `archive.write_report` in {setup_s:.0f} s; {args.repeat} interleaved runs of "
            "each listing, the files in the page cache throughout.",
            "",
            *table,
            "",
            f"Listing from summaries is **{best['full'] / best['summaries']:.0f}×** faster than parsing "
            f"the reports as before, **{best['orjson'] / best['summaries']:.0f}×** faster than parsing "
            "them with orjson. It costs a folder listing, one stat of the JSON and one small read per "
            "report, whatever the report's size; the full read grows with the JSON (the October 2023 "
            "report's is 5.1 MiB, ten times these), and a cold page cache would widen the gap further. "
            "The first listing after an upgrade pays the full read once, plus the summaries' writes.",
            "",
        ]
    )
    write_result(OUT, text)


if __name__ == "__main__":
    main()
