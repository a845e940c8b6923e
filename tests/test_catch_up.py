"""The first scheduler start builds a closed period that has no build, once (systemd's Persistent=true),
and `reporter status` says so beforehand. A real APScheduler with a SQLite job store, in this process.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from reporter import pipeline
from reporter.cli import create_app
from reporter.scheduler import Runner
from reporter.scheduler.catchup import missed_periods
from tests.scheduler_support import FAST_FORMATS, wait_for, write_project

# The 2nd of December 2025, 09:00 in Tokyo: the monthly job (06:00 on the 1st) next runs on 1 January.
SECOND_IN_TOKYO = datetime(2025, 12, 2, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)
FIRST_AT_FIVE = datetime(2025, 12, 1, 5, 0, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)


def context(root: Path, when: datetime) -> pipeline.Context:
    ctx = pipeline.open_context(write_project(root, timezone="Asia/Tokyo"))
    ctx.clock = lambda: when
    return ctx


def test_a_period_that_closed_before_the_first_start_is_missed_and_one_about_to_be_built_is_not(
    tmp_path: Path,
) -> None:
    ctx = context(tmp_path, SECOND_IN_TOKYO)
    try:
        [missed] = missed_periods(ctx, now=SECOND_IN_TOKYO)
        assert (missed.spec.slug, missed.period.key, missed.job_id) == (
            "japan",
            "2025-11",
            "catchup:japan:2025-11",
        )
        # At 05:00 on the 1st the regular 06:00 job builds November itself: nothing to catch up.
        assert missed_periods(ctx, now=FIRST_AT_FIVE) == []
    finally:
        ctx.close()


def test_status_says_what_the_scheduler_will_do_and_the_first_start_builds_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(tmp_path, timezone="Asia/Tokyo")
    monkeypatch.chdir(tmp_path)
    status = CliRunner().invoke(create_app(), ["status"])
    period = pipeline.open_context(project).config.report("japan").closed_period(datetime.now(UTC))
    assert f"japan: {period.key} has closed and was never built; `reporter schedule` builds" in status.output
    as_json = CliRunner().invoke(create_app(), ["status", "--json"])
    assert json.loads(as_json.stdout)["catch_up"] == [{"report": "japan", "period": period.key}]

    runner = Runner(pipeline.open_context(project), project, formats=FAST_FORMATS)
    runner.start()
    try:
        assert runner.catchups == [f"catchup:japan:{period.key}"]
        wait_for(
            lambda: (b := runner.ctx.store.builds.get("japan", period.key)) and b.status == "done",
            timeout=60,
            what="the catch-up build",
        )
    finally:
        assert runner.stop(grace=60)
        runner.ctx.close()

    again = Runner(pipeline.open_context(project), project, formats=FAST_FORMATS)
    again.start()  # built now: nothing to catch up, and it is not built a second time
    try:
        assert again.catchups == []
    finally:
        assert again.stop(grace=60)
        builds = [r for r in again.ctx.store.runs.recent() if r.kind == "build"]
        again.ctx.close()
    assert [(r.period, r.status) for r in builds] == [(period.key, "ok")]
