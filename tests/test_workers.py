"""Past one machine: a scheduler that only enqueues, three workers, and two of them killed mid-task.

On loopback: PostgreSQL, 50 feeds on a local HTTP server, 3 reports, 200 subscribers on aiosmtpd.
One worker is SIGKILLed while it renders a build and another while the SMTP server holds one of its
messages. Every report is still built once, every subscriber gets each report exactly once (counted
at the server), every task ends `succeeded`, and the two killed tasks were run again by a survivor.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reporter.store import Store
from tests.databases import PostgresServer
from tests.deliver_support import Handler, SmtpServer
from tests.feeds_support import serve
from tests.scheduler_support import SECRET, wait_for
from tests.workers_support import REPORTS, feeds_yaml, rss, worker_cli

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]

FEEDS, SUBSCRIBERS, WORKERS, BATCH = 50, 200, 3, 25
KILL_SEND_AT = 120  # the message during which a sending worker is killed


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    url = postgres_server.create()
    yield url
    postgres_server.drop(url)


def _make_builds_due(config_path: Path) -> None:
    """Store the scheduler's jobs with every report's build already due (as if the 1st had come)."""
    from datetime import timedelta

    from reporter import pipeline
    from reporter.scheduler import make_scheduler, plan_jobs, reconcile

    ctx = pipeline.open_context(config_path)
    scheduler = make_scheduler(ctx.store.engine)
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        reconcile(scheduler, plan_jobs(ctx.config, config_path, formats=("json", "md")), now=now)
        for slug, _, _ in REPORTS:
            scheduler.modify_job(f"build:{slug}", next_run_time=now - timedelta(minutes=1))
    finally:
        scheduler.shutdown(wait=False)
        ctx.close()


def test_three_workers_two_killed_build_every_report_once_and_mail_everyone_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("REPORTER_DATABASE_URL", database_url)
    monkeypatch.setenv("REPORTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    (tmp_path / "seeds").mkdir()
    marks = tmp_path / "marks"
    now = datetime.now(UTC)
    reached, killed = threading.Event(), threading.Event()

    def on_message(count: int) -> None:
        if count == KILL_SEND_AT:
            handler.hold = killed  # the sender waits for its 250 until the test has killed it
            reached.set()

    handler = Handler(on_message=on_message)
    with serve() as http, SmtpServer(handler) as smtp:
        config_path = tmp_path / "feeds.yaml"
        urls = [http.url(f"/feed{i}.xml") for i in range(FEEDS)]
        config_path.write_text(feeds_yaml(urls, smtp_port=smtp.port, batch=BATCH), encoding="utf-8")
        store = Store.open(database_url)
        from reporter.config import load_config

        config = load_config(config_path)
        period = config.report("japan").closed_period(now)
        for i in range(FEEDS):
            http.body(f"/feed{i}.xml", rss(i, period.start_dt))
        emails = [f"reader{i:03d}@example.org" for i in range(SUBSCRIBERS)]
        for email in emails:
            for slug, _, _ in REPORTS:
                store.subscribers.add(email, report=slug, format="html")
        _make_builds_due(config_path)

        procs: dict[str, subprocess.Popen] = {}
        try:
            for n in range(WORKERS):
                procs[f"worker{n}"] = worker_cli(tmp_path, marks, "worker", "--config", str(config_path))
            procs["scheduler"] = worker_cli(
                tmp_path, marks, "schedule", "--config", str(config_path), "-f", "json,md", "--grace", "10"
            )
            by_pid = {p.pid: name for name, p in procs.items()}

            # 1. A worker renders the first build; kill it there.
            slow = marks / "slow-build"
            wait_for(
                lambda: slow.exists() and slow.read_text(), timeout=240, what="a build to start rendering"
            )
            build_victim = by_pid[int(slow.read_text())]
            procs[build_victim].send_signal(signal.SIGKILL)
            procs[build_victim].wait(10)

            # 2. A worker is sending; kill it while the server holds one of its messages.
            assert reached.wait(400), "the sends did not get far enough"
            held = _message_id(handler.received[KILL_SEND_AT - 1].data)
            senders = [p for p in marks.glob("sending-*") if p.read_text() == held]
            assert len(senders) == 1, senders
            send_victim = by_pid[int(senders[0].name.removeprefix("sending-"))]
            procs[send_victim].send_signal(signal.SIGKILL)
            procs[send_victim].wait(10)
            killed.set()

            # 3. The survivor finishes everything.
            expected = SUBSCRIBERS * len(REPORTS)
            wait_for(lambda: len(handler.received) >= expected, timeout=400, what="every message")
            wait_for(lambda: not _unfinished(database_url), timeout=120, what="the queue to drain")
            time.sleep(3)  # room for a duplicate, if anything were to send one
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            for name, proc in procs.items():
                print(name, "pid", proc.pid, "exit", proc.returncode)  # shown if the test fails
            for log in sorted(marks.glob("log-*")):
                print(log.name, log.read_text()[-3000:])

    # Every report built once (the killed build taken over by its retry: attempt 2).
    builds = {b.report: b for b in store.builds.recent(10)}
    assert sorted(builds) == sorted(slug for slug, _, _ in REPORTS)
    assert all(b.status == "done" and b.period == period.key for b in builds.values())
    assert sorted(b.attempt for b in builds.values()) == [1, 1, 2]
    ok_builds = Counter(r.report for r in store.runs.recent(1000) if r.kind == "build" and r.status == "ok")
    assert ok_builds == dict.fromkeys(builds, 1)

    # Every subscriber got every report exactly once, counted at the server.
    got = Counter()
    for message in handler.received:
        slug = _message_id(message.data)[1:].split(".")[0]
        for rcpt in message.rcpt_to:
            got[(rcpt, slug)] += 1
    assert got == {(email, slug): 1 for email in emails for slug, _, _ in REPORTS}

    # No task lost: all succeeded; the two killed ones ran twice (once killed, once to the end).
    jobs = _jobs(database_url)
    assert Counter(status for _, status, _ in jobs) == {"succeeded": len(jobs)}
    retried = Counter(task for task, _, attempts in jobs if attempts > 0)
    assert retried["reporter:build_report"] >= 1 and retried["reporter:deliver_batch"] >= 1, retried
    store.close()


def _message_id(data: bytes) -> str:
    return re.search(rb"^Message-ID: (<[^>]+>)", data, re.M | re.I).group(1).decode()


def _jobs(url: str) -> list[tuple[str, str, int]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT task_name, status::text, attempts FROM procrastinate_jobs"))
            return [(r[0], r[1], r[2]) for r in rows if r[0] != "reporter:retry_stalled"]
    finally:
        engine.dispose()


def _unfinished(url: str) -> int:
    return sum(1 for _, status, _ in _jobs(url) if status in ("todo", "doing"))


def test_one_scheduler_per_database_the_second_stands_by_until_the_first_lets_go(database_url: str) -> None:
    from reporter.store.locks import SessionLock

    store = Store.open(database_url)
    try:
        first, second = SessionLock(store.engine, "scheduler"), SessionLock(store.engine, "scheduler")
        assert first.try_acquire() and first.held
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        second.release()
    finally:
        store.close()


def test_the_queue_connects_with_the_stores_url_and_refuses_sqlite(tmp_path: Path) -> None:
    from reporter.config import load_config
    from reporter.errors import ReporterError
    from reporter.worker.queue import conninfo, require_queue

    assert conninfo("postgresql+psycopg://rep:pw@db.internal:5433/reports") == (
        "user=rep password=pw host=db.internal port=5433 dbname=reports"
    )
    assert conninfo("postgresql+psycopg://rep@/reports?host=/run/postgresql") == (
        "user=rep host=/run/postgresql dbname=reports"
    )
    (tmp_path / "seeds").mkdir()
    (tmp_path / "feeds.yaml").write_text(
        feeds_yaml([], smtp_port=25, batch=10).replace("feeds:\n", "feeds: []\n"), encoding="utf-8"
    )
    config = load_config(tmp_path / "feeds.yaml", env={})
    with pytest.raises(ReporterError, match="needs the store on PostgreSQL") as refused:
        require_queue(config)
    assert "database_url" in (refused.value.hint or "")


def test_a_build_held_elsewhere_is_retried_until_its_claim_can_have_gone_stale() -> None:
    from procrastinate.jobs import Job

    from reporter.store.builds import STALE_AFTER
    from reporter.worker.tasks import BuildElsewhere, BuildRetry

    def job(attempts: int) -> Job:
        return Job(id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts)

    retry, held = BuildRetry(), BuildElsewhere("japan 2025-11 is being built by far-away:1:1")
    minutes = sum(1 for n in range(100) if retry.get_retry_decision(exception=held, job=job(n)))
    assert minutes * 60 > STALE_AFTER.total_seconds()  # outlasts a dead remote worker's claim
    broken = ValueError("a template error")
    assert [bool(retry.get_retry_decision(exception=broken, job=job(n))) for n in range(4)] == [
        True, True, True, False
    ]  # fmt: skip
