"""Exactly once, whatever happens to the processes: two schedulers, SIGTERM mid-build, a crash.

Each test runs `reporter` in child processes on one database (SQLite, then PostgreSQL), with a
real scheduler and job store; a child's render stage can be slowed down so the test can signal it mid-build.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reporter import pipeline
from reporter.archive_index import SUMMARY
from reporter.models import Period
from reporter.scheduler import Runner, make_scheduler
from reporter.store.builds import Build
from tests.deliver_support import SmtpServer
from tests.scheduler_support import (
    FAST_FORMATS,
    SECRET,
    cli,
    output_files,
    slow_cli,
    wait_for,
    write_project,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """A one-report project in tmp_path; this process and its children share its database."""
    monkeypatch.setenv("REPORTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    monkeypatch.setenv("REPORTER_DATABASE_URL", database_url)
    write_project(tmp_path)
    return tmp_path


def open_ctx(project: Path) -> pipeline.Context:
    return pipeline.open_context(project / "feeds.yaml")


def make_build_due(project: Path) -> Period:
    """Store the jobs, with the build's fire time already passed (as if missed); returns its period."""
    ctx = open_ctx(project)
    runner = Runner(ctx, project / "feeds.yaml", formats=FAST_FORMATS, catch_up=False)  # store the jobs only
    runner.start()
    assert runner.stop(grace=60)
    scheduler = make_scheduler(ctx.store.engine)
    scheduler.start(paused=True)
    try:
        scheduler.modify_job("build:japan", next_run_time=datetime.now(UTC) - timedelta(minutes=5))
    finally:
        scheduler.shutdown(wait=False)
        period = ctx.config.report("japan").closed_period(datetime.now(UTC))
        ctx.close()
    return period


def build_of(project: Path, period: Period) -> Build | None:
    ctx = open_ctx(project)
    try:
        return ctx.store.builds.get("japan", period.key)
    finally:
        ctx.close()


def build_runs(project: Path) -> list[tuple[str | None, str]]:
    ctx = open_ctx(project)
    try:
        return [(r.period, r.status) for r in ctx.store.runs.recent(200) if r.kind == "build"]
    finally:
        ctx.close()


def stop(child: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str]:
    child.send_signal(sig)
    _out, err = child.communicate(timeout=timeout)
    return child.returncode, err


def report_files(project: Path, period: Period) -> list[str]:
    # The archive's lock file and the index's summary are the only files that are no report; temporary
    # files would show here.
    kept = ("/.lock", f"/{SUMMARY}")
    return [f for f in output_files(project) if f.startswith(f"japan/{period.key}/") and not f.endswith(kept)]


def test_two_schedulers_on_one_database_build_and_email_once(project: Path) -> None:
    with SmtpServer() as smtp:
        write_project(project, send_empty=True, smtp_port=smtp.port)
        period = make_build_due(project)
        ctx = open_ctx(project)
        from reporter.store.subscribers import SubscriberRepo

        readers = [f"reader{i}@example.org" for i in range(3)]
        for email in readers:
            SubscriberRepo(ctx.store.engine).add(email, report="japan", format="html")
        ctx.close()

        args = ("schedule", "--config", str(project / "feeds.yaml"), "-f", "html,json,md", "--grace", "30")
        children = [cli(project, *args), cli(project, *args)]
        try:
            wait_for(
                lambda: (b := build_of(project, period)) and b.status == "done",
                timeout=90,
                what="the build",
            )
            wait_for(lambda: len(smtp.handler.received) >= len(readers), timeout=60, what="the emails")
            time.sleep(3)  # time for a second build or a second email, if either process were to send one
        finally:
            results = [stop(child) for child in children]
            for _, err in results:
                print(err[-5000:])  # shown if the test fails
        assert [code for code, _ in results] == [0, 0], [err[-2000:] for _, err in results]

    build = build_of(project, period)
    assert (build.status, build.attempt) == ("done", 1)
    assert build_runs(project).count((period.key, "ok")) == 1
    assert sorted(report_files(project, period)) == [
        f"japan/{period.key}/japan-{period.key}.{ext}" for ext in ("html", "json", "md")
    ]
    for email in readers:
        assert len(smtp.handler.to(email)) == 1, email


def test_sigterm_in_the_middle_of_a_build_leaves_no_partial_output_and_a_retryable_record(
    project: Path,
) -> None:
    period = make_build_due(project)
    marker = project / "rendering"
    child = slow_cli(
        project,
        marker,
        60,
        "schedule",
        "--config",
        str(project / "feeds.yaml"),
        "-f",
        "json,md",
        "--grace",
        "1",
    )
    wait_for(marker.exists, timeout=60, what="the build to reach rendering")
    code, err = stop(child)
    assert code == 1, err[-2000:]  # the build did not finish within the grace: abandoned
    assert "abandoned" in err
    build = build_of(project, period)
    assert build.status == "failed" and build.error.startswith("interrupted")
    assert report_files(project, period) == []  # nothing, not even a temporary file

    # The next start retries it, and it is built once.
    ctx = open_ctx(project)
    runner = Runner(ctx, project / "feeds.yaml", formats=FAST_FORMATS)
    runner.start()
    try:
        assert runner.retries == [f"retry:japan:{period.key}"]
        wait_for(lambda: (b := ctx.store.builds.get("japan", period.key)) and b.status == "done", 60, "retry")
    finally:
        assert runner.stop(grace=60)
        ctx.close()
    assert build_of(project, period).attempt == 2
    assert sorted(report_files(project, period)) == [
        f"japan/{period.key}/japan-{period.key}.json",
        f"japan/{period.key}/japan-{period.key}.md",
    ]


def test_a_finished_build_completes_when_sigterm_comes_within_the_grace(project: Path) -> None:
    period = make_build_due(project)
    marker = project / "rendering"
    child = slow_cli(
        project,
        marker,
        2,
        "schedule",
        "--config",
        str(project / "feeds.yaml"),
        "-f",
        "json,md",
        "--grace",
        "60",
    )
    wait_for(marker.exists, timeout=60, what="the build to reach rendering")
    code, err = stop(child, timeout=60)
    assert code == 0, err[-2000:]
    assert build_of(project, period).status == "done"
    assert len(report_files(project, period)) == 2


def test_sigterm_to_reporter_run_records_a_failure_that_the_next_run_retries(project: Path) -> None:
    marker = project / "rendering"
    child = slow_cli(
        project, marker, 60, "run", "japan", "--period", "2025-11", "-f", "json,md", "--config", "feeds.yaml"
    )
    wait_for(marker.exists, timeout=60, what="the build to reach rendering")
    code, err = stop(child)
    assert code == 143, err[-2000:]
    period = Period.parse("2025-11")
    build = build_of(project, period)
    assert (build.status, build.error) == ("failed", "Terminated: received SIGTERM")
    assert report_files(project, period) == []

    again = cli(project, "run", "japan", "--period", "2025-11", "-f", "json,md", "--config", "feeds.yaml")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert (build_of(project, period).status, build_of(project, period).attempt) == ("done", 2)


def test_a_build_whose_process_was_killed_is_failed_and_retried_on_the_next_start(project: Path) -> None:
    marker = project / "rendering"
    child = slow_cli(
        project, marker, 60, "run", "japan", "--period", "2025-11", "-f", "json,md", "--config", "feeds.yaml"
    )
    wait_for(marker.exists, timeout=60, what="the build to reach rendering")
    stop(child, signal.SIGKILL)  # no handler runs: the claim stays "running"
    period = Period.parse("2025-11")
    assert build_of(project, period).status == "running"
    # The next start sees that the claim's process is gone, fails it, and retries the build.
    ctx = open_ctx(project)
    runner = Runner(ctx, project / "feeds.yaml", formats=FAST_FORMATS)
    runner.start()
    try:
        assert runner.retries == ["retry:japan:2025-11"]
        wait_for(lambda: (b := ctx.store.builds.get("japan", "2025-11")) and b.status == "done", 60, "retry")
    finally:
        assert runner.stop(grace=60)
        ctx.close()
    assert build_of(project, period).attempt == 2
    assert build_runs(project).count(("2025-11", "ok")) == 1
