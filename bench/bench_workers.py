"""Benchmark the task queue: the same work on 1, 2 and 3 workers, and the queue's cost per task.

Scaling: 50 feeds on a local HTTP server, 3 reports (built from those feeds, JSON and Markdown),
200 subscribers on a local aiosmtpd (each subscribed to all 3: 600 messages), on a throwaway
PostgreSQL server. Each round enqueues the 3 builds on a fresh database and starts N `reporter
worker` processes; the clock runs from their start until the queue is empty (so each worker's
start, spaCy included, is in the time, as it is in production).

Overhead: a task that does nothing, deferred and run through a worker (procrastinate: an INSERT,
a NOTIFY, the fetch, the status updates), against calling the same function directly.

Run: .venv/bin/python bench/bench_workers.py [--workers 1,2,3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from run import machine  # noqa: E402

FEEDS, SUBSCRIBERS, NOOPS = 50, 200, 300


@contextmanager
def postgres():
    """A throwaway PostgreSQL server on a Unix socket (as scripts/test starts one); yields its URL."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    folder = Path(tempfile.mkdtemp(prefix="reporter-bench-pg."))
    wrap: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        wrap = ["runuser", "-u", "postgres", "--"]
    run = lambda *a: subprocess.run([*wrap, *a], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", f"{folder}/data", "-U", "reporter", "-A", "trust", "--no-sync")
    options = f"-k {folder} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c max_connections=99"
    run(str(bindir / "pg_ctl"), "-D", f"{folder}/data", "-l", f"{folder}/log", "-w", "start", "-o", options)
    try:
        yield f"postgresql+psycopg://reporter@/postgres?host={folder}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", f"{folder}/data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def noop(**_kwargs: object) -> None:
    """The task that does nothing."""


def overhead(server_url: str) -> tuple[float, float]:
    """(ms per task through the queue, µs per direct call) for the no-op task."""
    import asyncio

    import procrastinate
    from tests.databases import PostgresServer

    from reporter.worker.queue import conninfo

    db = PostgresServer.from_env(server_url)
    url = db.create()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    task = app.task(name="noop")(noop)
    with app.open():
        app.schema_manager.apply_schema()
        started = time.perf_counter()
        for n in range(NOOPS):
            task.defer(n=n)
    deferred = time.perf_counter() - started

    async def work() -> None:
        async with app.open_async():
            await app.run_worker_async(wait=False, install_signal_handlers=False, listen_notify=False)

    started = time.perf_counter()
    asyncio.run(work())
    processed = time.perf_counter() - started
    direct_started = time.perf_counter()
    for n in range(100_000):
        noop(n=n)
    direct = (time.perf_counter() - direct_started) / 100_000
    db.drop(url)
    db.close()
    return (deferred + processed) / NOOPS * 1000, direct * 1e6


def scaling_round(server_url: str, workers: int) -> tuple[float, int, float]:
    """Seconds for N workers to do the whole job, the messages received, and the load average."""
    from tests.databases import PostgresServer
    from tests.deliver_support import SmtpServer
    from tests.feeds_support import serve
    from tests.scheduler_support import child_env
    from tests.workers_support import REPORTS, feeds_yaml, rss

    from reporter import pipeline
    from reporter.store import Store
    from reporter.worker.queue import enqueue_build, ensure_schema, make_app

    db = PostgresServer.from_env(server_url)
    url = db.create()
    root = Path(tempfile.mkdtemp(prefix="reporter-bench-workers."))
    (root / "seeds").mkdir()
    os.environ.update(
        REPORTER_DATABASE_URL=url, REPORTER_DATA_DIR=str(root / "data"),
        REPORTER_OUTPUT_DIR=str(root / "output"), REPORTER_SECRET="bench-secret-0123456789abcdef",
    )  # fmt: skip
    with serve() as http, SmtpServer() as smtp:
        config_path = root / "feeds.yaml"
        urls = [http.url(f"/feed{i}.xml") for i in range(FEEDS)]
        config_path.write_text(feeds_yaml(urls, smtp_port=smtp.port, batch=25), encoding="utf-8")
        ctx = pipeline.open_context(config_path)
        period = ctx.config.report("japan").closed_period(datetime.now(UTC))
        for i in range(FEEDS):
            http.body(f"/feed{i}.xml", rss(i, period.start_dt))
        for n in range(SUBSCRIBERS):
            for slug, _, _ in REPORTS:
                ctx.store.subscribers.add(f"reader{n:03d}@example.org", report=slug, format="html")
        ensure_schema(ctx.store)
        app = make_app(ctx.config, pool_size=1)
        with app.open():
            for slug, _, _ in REPORTS:
                enqueue_build(app, ctx.config.report(slug), period, formats=("json", "md"))
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "reporter", "worker", "--config", str(config_path)],
                cwd=root,
                env=child_env(root),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        store = Store.open(url)
        try:
            deadline = time.monotonic() + 1200
            while time.monotonic() < deadline:
                with store.engine.connect() as conn:
                    from sqlalchemy import text

                    left = conn.execute(
                        text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                             "AND task_name <> 'reporter:retry_stalled'")
                    ).scalar()  # fmt: skip
                if not left and len(smtp.handler.received) >= SUBSCRIBERS * len(REPORTS):
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            load = os.getloadavg()[0]
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(60)
            store.close()
            ctx.close()
        received = len(smtp.handler.received)
    db.drop(url)
    db.close()
    shutil.rmtree(root, ignore_errors=True)
    return elapsed, received, load


def main() -> int:
    """Run the rounds, print the table, write docs/bench/workers.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    with postgres() as server:
        per_task_ms, direct_us = overhead(server)
        rounds = {n: scaling_round(server, n) for n in counts}
    base = rounds[counts[0]][0]
    lines = [
        "# Workers (task queue)",
        "",
        f"Measured on {machine()} (`nproc` = {os.cpu_count()}), on a throwaway PostgreSQL server.",
        "",
        f"**The same work on 1, 2 and 3 workers**: {FEEDS} feeds on a local HTTP server, 3 reports "
        f"(JSON + Markdown), {SUBSCRIBERS} subscribers each on all 3 ({SUBSCRIBERS * 3} messages to a local "
        "aiosmtpd); from starting the workers (spaCy loaded by each) until the queue is empty.",
        "",
        "| workers | seconds | speed-up vs 1 | messages received |",
        "|---:|---:|---:|---:|",
    ]
    for n in counts:
        elapsed, received, _load = rounds[n]
        lines.append(f"| {n} | {elapsed:.1f} | {base / elapsed:.2f}x | {received} |")
    lines += [
        "",
        f"**Queue overhead per task**: a no-op task deferred and run through one worker costs "
        f"{per_task_ms:.2f} ms (mean of {NOOPS}); calling it directly costs {direct_us:.2f} µs. "
        "Set that against the tasks it carries, timed in the same run's worker logs or in "
        "tests/test_workers.py: a build is tens of seconds, a delivery batch of 25 a few seconds.",
        "",
        "Load average (1 min) when each round ended: "
        + ", ".join(f"{n} worker(s): {rounds[n][2]:.1f}" for n in counts)
        + " (a machine shared with other work scales worse than its cores would alone).",
        "",
        "Why it stops scaling: builds and analysis are CPU-bound (spaCy, feed parsing, rendering) and "
        f"this machine has {os.cpu_count()} cores, so at most that many tasks make progress at once; a "
        "worker beyond the core count only adds its own start-up (each loads spaCy) and contention. "
        "The delivery batches wait on the SMTP server and the database's commits, so they overlap "
        "better. Three reports are only three builds: with more workers than builds, the extra workers "
        "have only ingests and deliveries to take.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "docs" / "bench" / "workers.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
