"""The scheduler: jobs from feeds.yaml in the project's database, reconciled on start, DST-safe.

These tests run a real APScheduler with a real SQLite job store, in this process; the ones that
need separate processes (two schedulers, signals, crashes) are in test_scheduler_processes.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from typer.testing import CliRunner

from reporter import pipeline
from reporter.cli import create_app
from reporter.config import load_config
from reporter.models import Schedule
from reporter.scheduler import (
    DstSafeCronTrigger,
    Runner,
    build_trigger,
    make_scheduler,
    plan_jobs,
    reconcile,
)
from tests.scheduler_support import FAST_FORMATS, output_files, wait_for, write_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-report project in tmp_path whose state (database, output) stays there."""
    monkeypatch.setenv("REPORTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.delenv("REPORTER_DATABASE_URL", raising=False)
    write_project(tmp_path)
    return tmp_path


@pytest.fixture
def any_db_project(project: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """The same project, its database and job store on SQLite, then on PostgreSQL."""
    monkeypatch.setenv("REPORTER_DATABASE_URL", database_url)
    return project


def fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[str]:
    """The next `count` fire times from `start`, as the scheduler asks for them, in local ISO form."""
    out, previous, now = [], None, start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)
        out.append(nxt.isoformat())
        previous = now = nxt
    return out


# --- time zones and daylight saving ---------------------------------------------------------------


def test_the_monthly_build_fires_at_six_in_the_morning_local_time_all_year() -> None:
    for zone in ("Europe/London", "America/New_York"):
        trigger = build_trigger(Schedule(timezone=zone))
        times = fire_times(trigger, datetime(2025, 1, 15, tzinfo=ZoneInfo(zone)), 12)
        assert [t[:16] for t in times] == [f"{y}-{m:02d}-01T06:00" for y, m in _months(2025, 2, 12)]


def _months(year: int, month: int, count: int) -> list[tuple[int, int]]:
    return [((year * 12 + month - 1 + i) // 12, (year * 12 + month - 1 + i) % 12 + 1) for i in range(count)]


def test_london_spring_forward_runs_a_vanished_time_once_an_hour_late() -> None:
    # 2025-03-30: clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist that night.
    trigger = DstSafeCronTrigger.from_crontab("30 1 * * *", timezone=ZoneInfo("Europe/London"))
    times = fire_times(trigger, datetime(2025, 3, 29, tzinfo=ZoneInfo("Europe/London")), 3)
    assert times == [
        "2025-03-29T01:30:00+00:00",
        "2025-03-30T01:30:00+00:00",  # = 02:30 BST: late, not skipped
        "2025-03-31T01:30:00+01:00",
    ]


def test_london_fall_back_runs_a_repeated_time_once_not_twice() -> None:
    # 2025-10-26: 01:00-02:00 happens twice (BST, then GMT).
    start = datetime(2025, 10, 25, tzinfo=ZoneInfo("Europe/London"))
    plain = CronTrigger.from_crontab("30 1 * * *", timezone=ZoneInfo("Europe/London"))
    assert fire_times(plain, start, 3)[1:] == [
        "2025-10-26T01:30:00+01:00",
        "2025-10-26T01:30:00+00:00",  # APScheduler alone runs it a second time
    ]
    safe = DstSafeCronTrigger.from_crontab("30 1 * * *", timezone=ZoneInfo("Europe/London"))
    assert fire_times(safe, start, 3) == [
        "2025-10-25T01:30:00+01:00",
        "2025-10-26T01:30:00+01:00",
        "2025-10-27T01:30:00+00:00",
    ]


def test_new_york_transitions_are_neither_skipped_nor_doubled() -> None:
    zone = ZoneInfo("America/New_York")
    spring = DstSafeCronTrigger.from_crontab("30 2 * * *", timezone=zone)  # 2025-03-09 02:30 never happens
    assert fire_times(spring, datetime(2025, 3, 8, tzinfo=zone), 3) == [
        "2025-03-08T02:30:00-05:00",
        "2025-03-09T02:30:00-05:00",  # = 03:30 EDT
        "2025-03-10T02:30:00-04:00",
    ]
    fall = DstSafeCronTrigger.from_crontab("30 1 * * *", timezone=zone)  # 2025-11-02 01:30 happens twice
    assert fire_times(fall, datetime(2025, 11, 1, tzinfo=zone), 3) == [
        "2025-11-01T01:30:00-04:00",
        "2025-11-02T01:30:00-04:00",
        "2025-11-03T01:30:00-05:00",
    ]


def test_an_every_hour_job_runs_in_real_time_through_the_repeated_hour() -> None:
    zone = ZoneInfo("America/New_York")
    hourly = DstSafeCronTrigger.from_crontab("0 * * * *", timezone=zone)
    times = fire_times(hourly, datetime(2025, 11, 2, 0, 30, tzinfo=zone), 4)
    assert times == [
        "2025-11-02T01:00:00-04:00",
        "2025-11-02T01:00:00-05:00",  # the hour really happens twice; so does the job
        "2025-11-02T02:00:00-05:00",
        "2025-11-02T03:00:00-05:00",
    ]


# --- jobs from feeds.yaml -------------------------------------------------------------------------


def test_each_report_gets_an_ingest_job_and_a_build_and_send_job(project: Path) -> None:
    config = pipeline.open_context(project / "feeds.yaml")
    try:
        plans = {p.id: p for p in plan_jobs(config.config, project / "feeds.yaml")}
    finally:
        config.close()
    assert set(plans) == {"ingest:japan", "build:japan"}
    assert plans["build:japan"].func == "reporter.jobs:build_job"
    assert plans["ingest:japan"].func == "reporter.jobs:ingest_job"
    assert plans["build:japan"].misfire_grace_time == 24 * 3600
    assert plans["ingest:japan"].trigger.interval == timedelta(hours=4)
    assert plans["build:japan"].kwargs == {"config_path": str(project / "feeds.yaml"), "report": "japan"}


def test_reconciling_adds_changes_and_removes_jobs_but_keeps_a_missed_run(project: Path) -> None:
    ctx = pipeline.open_context(project / "feeds.yaml")
    scheduler = make_scheduler(ctx.store.engine)
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        plans = plan_jobs(ctx.config, project / "feeds.yaml")
        first = reconcile(scheduler, plans, now=now)
        assert sorted(first.added) == ["build:japan", "ingest:japan"]
        scheduler.add_job(
            "reporter.jobs:ingest_job", "interval", hours=1, id="someone-elses", args=("x", "y")
        )

        # Unchanged: left alone, including a fire time that passed while the process was down.
        missed = now - timedelta(hours=3)
        scheduler.modify_job("build:japan", next_run_time=missed)
        again = reconcile(scheduler, plans, now=now)
        assert sorted(again.kept) == ["build:japan", "ingest:japan"] and not again.changed
        assert scheduler.get_job("build:japan").next_run_time == missed

        # Changed (a new cron line): the overdue run is still kept; the new line applies after it.
        write_project(project, cron="0 7 2 * *", timezone="Europe/London")
        ctx.config = load_config(project / "feeds.yaml")
        changed = reconcile(scheduler, plan_jobs(ctx.config, project / "feeds.yaml"), now=now)
        assert sorted(changed.changed) == ["build:japan", "ingest:japan"]
        job = scheduler.get_job("build:japan")
        assert job.next_run_time == missed
        assert str(job.trigger.timezone) == "Europe/London" and "hour='7'" in str(job.trigger)

        # Not overdue: rescheduled from now on the new line.
        scheduler.modify_job("build:japan", next_run_time=now + timedelta(days=40))
        write_project(project, cron="0 8 3 * *", timezone="Europe/London")
        ctx.config = load_config(project / "feeds.yaml")
        reconcile(scheduler, plan_jobs(ctx.config, project / "feeds.yaml"), now=now)
        nxt = scheduler.get_job("build:japan").next_run_time.astimezone(ZoneInfo("Europe/London"))
        assert (nxt.day, nxt.hour) == (3, 8) and nxt - now < timedelta(days=32)

        # Removed from feeds.yaml: its jobs go; a job this module did not make stays.
        gone = reconcile(scheduler, [], now=now)
        assert sorted(gone.removed) == ["build:japan", "ingest:japan"]
        assert [j.id for j in scheduler.get_jobs()] == ["someone-elses"]
    finally:
        scheduler.shutdown(wait=False)
        ctx.close()


# --- a real scheduler, in this process ------------------------------------------------------------


def _runner(project: Path, *, catch_up: bool = True) -> Runner:
    ctx = pipeline.open_context(project / "feeds.yaml")
    return Runner(ctx, project / "feeds.yaml", formats=FAST_FORMATS, catch_up=catch_up)


def _set_next_run(project: Path, job_id: str, when: datetime) -> None:
    """Change a stored job's next fire time, with nothing running (as if time had passed)."""
    ctx = pipeline.open_context(project / "feeds.yaml")
    scheduler = make_scheduler(ctx.store.engine)
    scheduler.start(paused=True)
    try:
        scheduler.modify_job(job_id, next_run_time=when)
    finally:
        scheduler.shutdown(wait=False)
        ctx.close()


def _stop(runner: Runner) -> None:
    assert runner.stop(grace=60)
    runner.ctx.close()


def test_a_build_missed_while_the_process_was_down_runs_exactly_once_after_restart(
    any_db_project: Path,
) -> None:
    project = any_db_project
    first = _runner(project, catch_up=False)  # APScheduler's misfire path alone (test_catch_up.py: the other)
    first.start()
    period = first.ctx.config.report("japan").closed_period(datetime.now(UTC))
    _stop(first)
    assert first.ctx.store.builds.get("japan", period.key) is None

    # While it was down, the 1st of the month at 06:00 came and went.
    _set_next_run(project, "build:japan", datetime.now(UTC) - timedelta(hours=2))

    second = _runner(project, catch_up=False)
    second.start()
    try:
        wait_for(
            lambda: (b := second.ctx.store.builds.get("japan", period.key)) and b.status == "done",
            timeout=60,
            what="the missed build",
        )
        job = second.scheduler.get_job("build:japan")
        assert job.next_run_time > datetime.now(UTC) + timedelta(days=1)  # next month, not again now
    finally:
        _stop(second)

    third = _runner(project)  # and restarting again does not build it again
    third.start()
    _stop(third)
    build = third.ctx.store.builds.get("japan", period.key)
    assert (build.status, build.attempt) == ("done", 1)
    ctx = pipeline.open_context(project / "feeds.yaml")
    try:
        builds = [r for r in ctx.store.runs.recent() if r.kind == "build"]
    finally:
        ctx.close()
    assert [(r.period, r.status) for r in builds] == [(period.key, "ok")]
    assert f"japan/{period.key}/japan-{period.key}.json" in output_files(project)


def test_a_schedule_a_few_seconds_ahead_builds_by_itself_and_reporter_runs_shows_it(project: Path) -> None:
    runner = _runner(project)
    runner.start()
    try:
        period = runner.ctx.config.report("japan").closed_period(datetime.now(UTC))
        runner.scheduler.modify_job("build:japan", next_run_time=datetime.now(UTC) + timedelta(seconds=2))
        wait_for(
            lambda: (b := runner.ctx.store.builds.get("japan", period.key)) and b.status == "done",
            timeout=60,
            what="the scheduled build",
        )
    finally:
        _stop(runner)
    result = CliRunner().invoke(create_app(), ["runs", "--json", "--config", str(project / "feeds.yaml")])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.output)
    kinds = {(r["kind"], r["report"], r["period"], r["status"]) for r in runs}
    assert ("build", "japan", period.key, "ok") in kinds
    assert ("ingest", "japan", None, "ok") in kinds
    assert ("send", "japan", period.key, "skipped") in kinds  # nothing in the period: not emailed


def test_reporter_status_shows_the_next_run_of_every_job(project: Path) -> None:
    app, config = create_app(), ["--config", str(project / "feeds.yaml")]
    before = CliRunner().invoke(app, ["status", *config])
    assert before.exit_code == 0, before.output
    assert "build:japan" in before.output and "(new): in feeds.yaml" in before.output
    assert "japan: never built" in before.output
    runner = _runner(project)
    runner.start()
    _stop(runner)
    after = CliRunner().invoke(app, ["status", "--json", *config])
    assert after.exit_code == 0, after.output
    jobs = {j["id"]: j for j in json.loads(after.output)["jobs"]}
    assert jobs["build:japan"]["stored"] is True
    assert jobs["build:japan"]["trigger"] == "cron 0 6 1 * * UTC"
    fire = datetime.fromisoformat(jobs["build:japan"]["next_run"])
    assert (fire.day, fire.hour, fire.minute) == (1, 6, 0) and fire > datetime.now(UTC)


def test_reporter_run_ingests_builds_and_reports_what_it_did(project: Path) -> None:
    app, config = create_app(), ["--config", str(project / "feeds.yaml")]
    first = CliRunner().invoke(app, ["run", "japan", "--period", "2025-11", "-f", "json,md", *config])
    assert first.exit_code == 0, first.output
    assert "ingest: 1 new item(s) from 1 source(s)" in first.output
    assert "Country Report: Japan (November 2025)" in first.output
    again = CliRunner().invoke(app, ["run", "japan", "--period", "2025-11", "-f", "json,md", *config])
    assert again.exit_code == 0, again.output
    assert "not built again (already built on" in again.output
    bad = CliRunner().invoke(app, ["run", "japan", "--period", "November", *config])
    assert bad.exit_code == 2
