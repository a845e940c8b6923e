"""Scale run on loopback (issue 13): thousands of feeds ingested and analysed in one cycle.

Run: nice .venv/bin/python bench/bench_scale.py [--feeds 5000] [--entries 3]
Prints a markdown table and writes docs/bench/scale.md.

A ThreadingHTTPServer in its own process serves `--feeds` generated RSS feeds of `--entries` entries
each (synthetic text, no corpus): 20% of them answer 304 (they were fetched in an earlier, untimed
cycle and send their ETag), 2% answer 500. One `pipeline.ingest(..., analyze=True)` cycle is timed:
fetch, parse, normalise, store, then analyse the new items (worker processes, one per core). Peak RSS
is this process's and, separately, the largest child's (parse and analysis workers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path

from support import peak_rss_mb, serve_feeds, write_result

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "bench" / "scale.md"
NOW = datetime(2025, 11, 30, 12, tzinfo=UTC)
NOT_MODIFIED_SHARE = 0.20
FAILING_SHARE = 0.02
_PLACES = ["China", "South Korea", "India", "Australia", "Vietnam", "the Philippines", "Germany", "Brazil"]
_TOPICS = ["trade", "maritime security", "energy", "climate finance", "semiconductors", "fisheries"]


def make_feed(index: int, entries: int) -> bytes:
    """One RSS 2.0 feed of `entries` short items (a teaser of two or three sentences each)."""
    rng = random.Random(index)
    items = []
    for j in range(entries):
        place, topic = rng.choice(_PLACES), rng.choice(_TOPICS)
        when = NOW - timedelta(hours=rng.randint(1, 24 * 20))
        body = (
            f"Officials from Japan and {place} met on {when.strftime('%A')} to discuss {topic}, the "
            f"foreign ministry said. The talks, the {rng.randint(2, 30)}th of their kind, covered plan "
            f"{index}-{j}-{rng.randint(0, 10**6)}. Further meetings are due next month."
        )
        items.append(
            f"<item><title>Japan and {place} discuss {topic} ({index}-{j})</title>"
            f"<link>https://site{index % 50}.example.org/{index}/{j}</link>"
            f'<guid isPermaLink="false">tag:site{index % 50}.example.org,2025:{index}-{j}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate><description>{body}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Scale feed {index}</title><link>https://site{index % 50}.example.org/</link>"
        f"<description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()


def feed_docs(feeds: int, entries: int) -> dict[str, bytes]:
    """Every feed's bytes by its path (made in the server's process)."""
    return {f"/feed/{i}.xml": make_feed(i, entries) for i in range(feeds)}


def write_config(folder: Path, port: int, names: list[str]) -> Path:
    """feeds.yaml: every feed on loopback (allowed), one report reading them all, no seeds."""
    import yaml

    data = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    report = next(r for r in data["reports"] if r["slug"] == "japan")
    report.update(feeds="all", seeds=False)
    data["reports"] = [report]
    data["feeds"] = [{"name": n, "url": f"http://127.0.0.1:{port}/feed/{n.split('-')[1]}.xml"} for n in names]
    data["settings"].update(
        data_dir=str(folder / "state"),
        output_dir=str(folder / "out"),
        allow_private_networks=True,
        ingest_timeout=3 * 3600,
    )
    path = folder / "feeds.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def main() -> int:
    """Run the scale cycle and write docs/bench/scale.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=3)
    args = parser.parse_args()
    from reporter import pipeline

    rng = random.Random(1)
    order = list(range(args.feeds))
    rng.shuffle(order)
    not_modified = set(order[: int(args.feeds * NOT_MODIFIED_SHARE)])
    failing = set(order[len(not_modified) : len(not_modified) + int(args.feeds * FAILING_SHARE)])
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    server = context.Process(
        target=serve_feeds,
        args=(partial(feed_docs, args.feeds, args.entries), ports),
        kwargs={"failing": {f"/feed/{i}.xml" for i in failing}, "backlog": 512},
        daemon=True,
    )
    server.start()
    port = ports.get(timeout=300)
    names = [f"feed-{i}" for i in range(args.feeds)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_config(Path(tmp), port, names)
            ctx = pipeline.open_context(config)
            ctx.clock = lambda: NOW
            spec = ctx.config.reports[0]
            # The earlier cycle: the feeds that will answer 304 are fetched (and analysed) once, untimed.
            warm = replace(spec, feeds=tuple(names[i] for i in sorted(not_modified)))
            pipeline.ingest(ctx, warm, analyze=True)
            before_items = ctx.store.items.count()
            before_analyses = ctx.store.analyses.count()
            started = time.perf_counter()
            result = pipeline.ingest(ctx, spec, analyze=True)
            wall = time.perf_counter() - started
            new_items = ctx.store.items.count() - before_items
            analysed = ctx.store.analyses.count() - before_analyses
            unchanged = sum(1 for s in result.sources if s.not_modified)
            failed = len(result.failures)
            ctx.close()
    finally:
        server.terminate()
    self_mb, child_mb = peak_rss_mb(resource.RUSAGE_SELF), peak_rss_mb(resource.RUSAGE_CHILDREN)
    text = "\n".join(
        [
            "# Scale run on loopback",
            "",
            f"`bench/bench_scale.py`, {datetime.now(UTC).date().isoformat()}, {os.cpu_count()} CPUs, load "
            f"average {os.getloadavg()[0]:.1f} at the end (shared machine). {args.feeds:,} feeds of "
            f"{args.entries} entries on 127.0.0.1; {len(not_modified):,} answer 304 (fetched in an earlier "
            f"cycle), {len(failing):,} answer 500. One cycle: `pipeline.ingest(ctx, analyze=True)`.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| wall time of the cycle (fetch, parse, store, analyse) | **{wall:.0f} s** |",
            f"| new items stored / analysed in the cycle | {new_items:,} / {analysed:,} |",
            f"| items per second (new items ÷ wall time) | **{new_items / wall:.1f}** |",
            f"| feeds not modified (304) / failed | {unchanged:,} / {failed:,} |",
            f"| peak RSS: this process / largest waited-for child (the feed parsers; the analysis "
            f"workers run under the forkserver and are not counted) | {self_mb:.0f} / {child_mb:.0f} MiB |",
            f"| share of a 3-hour polling interval | {wall / (3 * 3600):.1%} |",
            "",
        ]
    )
    write_result(OUT, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
