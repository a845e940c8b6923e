"""Memory of one long-lived process over simulated daily cycles (issue 13): it must not creep.

Run: nice .venv/bin/python bench/bench_cycles.py [--days 30] [--items 80]
Prints a markdown table and writes docs/bench/cycles.md.

A closed month (October, `--items` a day) is stored and analysed first. Then each simulated day (from
December 2, after the month's build window closed), in one process as the scheduler runs them:
`--items` new synthetic items are stored (the day's ingest) and analysed by the stage
(`pipeline.analyze_stale`, the analyzer kept loaded), and October's report is rebuilt (JSON, forced)
from the stored analyses: the same work every day, so any growth is the process keeping what it should
not. RSS is read after each day; the measure is the growth from the
end of day 1 to the end of the last day.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from support import rss_mb, write_result

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "docs" / "bench" / "cycles.md"


def main() -> int:
    """Run the days, print the table, write docs/bench/cycles.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--items", type=int, default=80)
    args = parser.parse_args()
    import random

    from bench_stored import news_item, project
    from reporter import pipeline
    from reporter.models import Period

    rng = random.Random(9)
    # The days come after October's build window (it reaches 31 days past the month, to December 1), so
    # every day's rebuild reads the same items and any growth is the process keeping what it should not;
    # days inside the window would grow the month's input by a day's items each time.
    first = date(2025, 12, 2)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ctx = pipeline.open_context(project(Path(tmp)))
        spec = ctx.config.report("japan")
        period = Period.parse("2025-10")
        october = [
            news_item(900_000 + i, rng, date(2025, 10, 1) + timedelta(days=i % 31))
            for i in range(31 * args.items)
        ]
        ctx.store.items.add(october, source="wire")
        ctx.analysis_workers = None
        pipeline.analyze_stale(ctx)  # the closed month, analysed once (worker processes)
        ctx.analysis_workers = 1
        started = time.perf_counter()
        for day in range(args.days):
            today = first + timedelta(days=day)
            ctx.clock = lambda today=today: datetime.combine(today, datetime.min.time(), tzinfo=UTC)
            items = [news_item(day * 10_000 + i, rng, today) for i in range(args.items)]
            ctx.store.items.add(items, source="wire")
            pipeline.analyze_stale(ctx)
            pipeline.build(ctx, spec, period, formats=("json",), force=True)
            gc.collect()
            rows.append((day + 1, ctx.store.items.count(), rss_mb()))
        seconds = time.perf_counter() - started
        ctx.close()
    growth = rows[-1][2] / rows[0][2] - 1
    lines = [
        "# Memory over simulated daily cycles",
        "",
        f"`bench/bench_cycles.py`, {date.today().isoformat()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end (shared machine). {args.days} days in one process, "
        f"{args.items} new synthetic items a day: store, analyse (the analyzer kept loaded, in this "
        f"process), rebuild the closed month of {31 * args.items:,} items (JSON). {seconds:.0f} s in all.",
        "",
        "| after day | items stored | RSS (MiB) |",
        "|---:|---:|---:|",
        *[f"| {d} | {n:,} | {mb:.0f} |" for d, n, mb in rows if d in (1, 2, 5, 10, 15, 20, 25, args.days)],
        "",
        f"Growth from the end of day 1 to the end of day {args.days}: **{growth:+.1%}** "
        "(target: within 10%).",
        "",
    ]
    text = "\n".join(lines)
    write_result(OUT, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
