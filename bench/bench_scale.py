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
import hashlib
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
from pathlib import Path

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


def serve(feeds: int, entries: int, failing: set[int], port_out) -> None:  # type: ignore[no-untyped-def]
    """The loopback server: ETags and 304s, a 500 for the failing feeds."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    docs = {f"/feed/{i}.xml": make_feed(i, entries) for i in range(feeds)}
    etags = {path: '"' + hashlib.sha1(data).hexdigest()[:16] + '"' for path, data in docs.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            data = docs.get(self.path)
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0]) if data is not None else -1
            if data is None or number in failing:
                self.send_response(500 if data is not None else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etags[self.path])
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.request_queue_size = 512
    port_out.put(httpd.server_address[1])
    httpd.serve_forever()


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


def rss_mb(who: int) -> float:
    """Peak RSS of this process (RUSAGE_SELF) or of its largest waited-for child, in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


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
    server = context.Process(target=serve, args=(args.feeds, args.entries, failing, ports), daemon=True)
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
    self_mb, child_mb = rss_mb(resource.RUSAGE_SELF), rss_mb(resource.RUSAGE_CHILDREN)
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
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
