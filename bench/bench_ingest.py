"""Benchmark feed ingest: 200 feeds × 50 entries served from 127.0.0.1.

(a) first ingest wall time, against the floor of parsing the same bytes with feedparser in one loop;
(b) a second ingest, where every feed answers 304; (c) peak memory. Writes docs/bench/ingest.md.

Run: .venv/bin/python bench/bench_ingest.py [--feeds 200] [--entries 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path

from support import load_average, peak_rss_mb, serve_feeds

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = (
    "<p>Foreign ministers from Japan and {partner} met in {city} on {day} to discuss maritime security, "
    "supply chains for critical minerals and a framework for defence-equipment transfers. "
    "Officials said the talks, the {n}th of their kind, would continue next year.</p>"
)
PARTNERS = [
    ("Australia", "Canberra"),
    ("India", "New Delhi"),
    ("the Philippines", "Manila"),
    ("Vietnam", "Hanoi"),
]


def make_feed(index: int, entries: int) -> bytes:
    """One RSS 2.0 feed with `entries` items of about 1 KB of HTML each."""
    start = datetime(2025, 11, 1, tzinfo=UTC)
    items = []
    for j in range(entries):
        partner, city = PARTNERS[(index + j) % len(PARTNERS)]
        when = start + timedelta(hours=index + j * 7)
        body = "".join(
            PARAGRAPH.format(partner=partner, city=city, day=when.strftime("%A"), n=k + j) for k in range(3)
        )
        items.append(
            f"<item><title>Feed {index} story {j}: Japan and {partner} talk security</title>"
            f"<link>https://site{index % 20}.example.org/{index}/story-{j}?utm_source=rss</link>"
            f'<guid isPermaLink="false">tag:site{index % 20}.example.org,2025:{index}-{j}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate><author>desk@example.org (Desk {index})</author>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {index}</title><link>https://site{index % 20}.example.org/</link>"
        f"<description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()


def main() -> None:
    """Run the benchmark and write docs/bench/ingest.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import feedparser

    from reporter.models import FeedSpec
    from reporter.sources.feeds import ingest_feeds
    from reporter.sources.fetch import FetchPolicy
    from reporter.store import Store

    policy = FetchPolicy(allow_private_networks=True)  # the bench's feeds are on 127.0.0.1

    docs = {f"/feed/{i}.xml": make_feed(i, args.entries) for i in range(args.feeds)}
    total_bytes = sum(len(d) for d in docs.values())
    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve_feeds, args=(partial(dict, docs), ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    feeds = [
        FeedSpec(name=f"bench-{i}", url=f"http://127.0.0.1:{port}/feed/{i}.xml") for i in range(args.feeds)
    ]
    now = datetime(2025, 11, 30, tzinfo=UTC)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(f"sqlite:///{tmp}/bench.db")
            baseline = peak_rss_mb()
            t0 = time.perf_counter()
            first = ingest_feeds(feeds, store=store, user_agent="reporter-bench/1", now=now, policy=policy)
            t_first = time.perf_counter() - t0
            peak = peak_rss_mb()
            t0 = time.perf_counter()
            second = ingest_feeds(feeds, store=store, user_agent="reporter-bench/1", now=now, policy=policy)
            t_second = time.perf_counter() - t0
            stored = store.items.count()
            store.close()
        t0 = time.perf_counter()
        for data in docs.values():
            feedparser.parse(data)
        t_floor = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in docs.values():
            feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
        t_floor_raw = time.perf_counter() - t0
    finally:
        server.kill()
    failed = [r for r in first if not r.ok]
    new = sum(r.new_items for r in first)
    not_modified = sum(1 for r in second if r.not_modified)
    new_second = sum(r.new_items for r in second)
    rows = [
        ("feeds × entries", f"{args.feeds} × {args.entries} ({total_bytes / 1e6:.1f} MB of XML)"),
        (
            "first ingest (fetch, parse, normalise, store)",
            f"{t_first:.2f} s ({new} items stored, {len(failed)} failed)",
        ),
        ("floor: feedparser.parse on the same bytes, one loop", f"{t_floor:.2f} s"),
        ("floor without feedparser's sanitiser (as ingest runs it)", f"{t_floor_raw:.2f} s"),
        ("**first ingest / floor** (aim ≤ 1.5×)", f"**{t_first / t_floor:.2f}×**"),
        (
            "second ingest (every feed 304)",
            f"{t_second:.3f} s ({not_modified} not modified, {new_second} new)",
        ),
        ("**first / second** (aim ≥ 10×)", f"**{t_first / t_second:.0f}×**"),
        (
            "peak RSS (whole process) / growth during first ingest",
            f"{peak:.0f} MB / {peak - baseline:.0f} MB",
        ),
        ("items in the store", str(stored)),
        ("load average when done (other work on the machine skews absolute times)", load_average()),
    ]
    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    out = ROOT / "docs" / "bench" / "ingest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# Feed ingest benchmark\n\n"
        f"`bench/bench_ingest.py`, run {datetime.now(UTC):%Y-%m-%d} on {multiprocessing.cpu_count()} CPU(s), "
        "Python "
        + sys.version.split()[0]
        + ". Feeds are served by a ThreadingHTTPServer in a separate process "
        "on 127.0.0.1; the store is SQLite in a temporary folder. The floor is feedparser alone parsing "
        "the same bytes in one loop, measured in the same run.\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
