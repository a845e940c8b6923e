"""Build claims: a (report, period) is built once, whoever asks, unless forced; crashes are retried."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reporter import pipeline
from reporter.models import Period
from reporter.store import Store
from reporter.store.builds import BuildRepo, owner_alive, process_owner
from tests.scheduler_support import FAST_FORMATS, write_project

ME = process_owner()


@pytest.fixture
def builds(database_url: str) -> BuildRepo:
    store = Store.open(database_url)
    yield store.builds
    store.close()


def dead_owner() -> str:
    """The owner string of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return process_owner(child.pid)


# --- claiming -------------------------------------------------------------------------------------


def test_the_first_claim_wins_and_a_second_gets_nothing(builds: BuildRepo) -> None:
    claim = builds.claim("japan", "2025-11", ME)
    assert claim is not None and claim.attempt == 1
    assert builds.claim("japan", "2025-11", "other-host:1:1") is None
    assert builds.get("japan", "2025-11").status == "running"
    # Another period or another report is another build.
    assert builds.claim("japan", "2025-10", ME) is not None
    assert builds.claim("korea", "2025-11", ME) is not None


def test_a_done_build_is_not_claimed_again_unless_forced(builds: BuildRepo) -> None:
    claim = builds.claim("japan", "2025-11", ME)
    assert builds.finish(claim, {"json": "/out/japan-2025-11.json"}, paragraphs=12)
    done = builds.get("japan", "2025-11")
    assert (done.status, done.files, done.paragraphs, done.error) == (
        "done",
        {"json": "/out/japan-2025-11.json"},
        12,
        None,
    )
    assert builds.claim("japan", "2025-11", ME) is None
    again = builds.claim("japan", "2025-11", ME, force=True)
    assert again is not None and again.attempt == 2 and again.build_id == claim.build_id


def test_a_failed_build_is_claimed_again_with_the_next_attempt(builds: BuildRepo) -> None:
    claim = builds.claim("japan", "2025-11", ME)
    assert builds.fail(claim, "RenderError: no fonts")
    failed = builds.get("japan", "2025-11")
    assert (failed.status, failed.error) == ("failed", "RenderError: no fonts")
    retry = builds.claim("japan", "2025-11", ME)
    assert retry is not None and retry.attempt == 2
    assert builds.get("japan", "2025-11").error is None


def test_a_running_build_whose_process_is_gone_is_taken_over(builds: BuildRepo) -> None:
    ghost = dead_owner()
    assert owner_alive(ghost) is False
    assert builds.claim("japan", "2025-11", ghost) is not None
    taken = builds.claim("japan", "2025-11", ME)
    assert taken is not None and taken.attempt == 2


def test_a_running_build_with_a_fresh_heartbeat_elsewhere_is_left_alone(builds: BuildRepo) -> None:
    remote = "another-machine:4242:99"
    assert owner_alive(remote) is None  # cannot look at another host's processes
    assert builds.claim("japan", "2025-11", remote) is not None
    assert builds.claim("japan", "2025-11", ME) is None
    # ...until its heartbeat is older than the stale limit.
    later = datetime.now(UTC) + timedelta(minutes=11)
    taken = builds.claim("japan", "2025-11", ME, now=later, stale_after=timedelta(minutes=10))
    assert taken is not None and taken.attempt == 2


def test_a_reused_pid_does_not_keep_a_dead_claim_alive() -> None:
    host, pid, _start = ME.split(":")
    assert owner_alive(ME) is True
    assert owner_alive(f"{host}:{pid}:1") is False  # same pid, another process's start time
    assert owner_alive(f"{socket.gethostname()}:not-a-pid:1") is None


def test_a_lost_claim_cannot_finish_or_fail(builds: BuildRepo) -> None:
    ghost_claim = builds.claim("japan", "2025-11", dead_owner())
    mine = builds.claim("japan", "2025-11", ME)  # takes over
    assert not builds.finish(ghost_claim, {}, 0)
    assert not builds.fail(ghost_claim, "late")
    assert not builds.heartbeat(ghost_claim)
    assert builds.heartbeat(mine)
    assert builds.get("japan", "2025-11").status == "running"


def test_heartbeats_come_from_a_background_thread_while_building(builds: BuildRepo) -> None:
    claim = builds.claim("japan", "2025-11", ME)
    first = builds.get("japan", "2025-11").heartbeat_at
    with builds.keep_alive(claim, every=0.05) as lost:
        time.sleep(0.3)
    assert not lost.is_set()
    assert builds.get("japan", "2025-11").heartbeat_at > first


def test_recovery_fails_abandoned_claims_and_keeps_live_ones(builds: BuildRepo) -> None:
    builds.claim("japan", "2025-09", dead_owner())
    builds.claim("japan", "2025-10", "far-away:1:1", now=datetime.now(UTC) - timedelta(hours=1))
    builds.claim("japan", "2025-11", ME)
    recovered = builds.recover(stale_after=timedelta(minutes=10))
    assert sorted(b.period for b in recovered) == ["2025-09", "2025-10"]
    assert builds.get("japan", "2025-09").error == "abandoned: its process is gone"
    assert builds.get("japan", "2025-10").error.startswith("abandoned: no heartbeat since")
    assert builds.get("japan", "2025-11").status == "running"
    assert [b.period for b in builds.failed()] == ["2025-09", "2025-10"]


def test_a_stopping_process_fails_only_its_own_claims(builds: BuildRepo) -> None:
    builds.claim("japan", "2025-10", ME)
    builds.claim("japan", "2025-11", "far-away:1:1")
    failed = builds.fail_owned_by(ME, "interrupted")
    assert [b.period for b in failed] == ["2025-10"]
    assert builds.get("japan", "2025-11").status == "running"


CLAIMER = """\
import sys, time
from reporter.store import Store
from reporter.store.builds import process_owner
store = Store.open(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
print("won" if store.builds.claim("japan", "2025-11", process_owner()) else "lost", flush=True)
sys.stdin.read()  # stay alive until every racer has claimed: a winner that is gone may be taken over
"""


def test_processes_racing_for_one_build_leave_exactly_one_winner(database_url: str) -> None:
    url = database_url
    Store.open(url).close()  # migrate once, before the race
    start = time.time() + 2.0
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, url, str(start)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = sorted(c.stdout.readline().strip() for c in children)  # type: ignore[union-attr]
    for c in children:
        c.communicate(timeout=60)  # closes their stdin: they exit
    assert results == ["lost", "lost", "lost", "won"]


# --- through the pipeline -------------------------------------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> pipeline.Context:
    monkeypatch.setenv("REPORTER_DATABASE_URL", database_url)
    monkeypatch.setenv("REPORTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(tmp_path / "output"))
    context = pipeline.open_context(write_project(tmp_path))
    yield context
    context.close()


def test_building_twice_builds_once_and_says_so(ctx: pipeline.Context) -> None:
    spec, period = ctx.config.report("japan"), Period.parse("2025-11")
    pipeline.ingest(ctx, spec)
    first = pipeline.build(ctx, spec, period, formats=FAST_FORMATS)
    second = pipeline.build(ctx, spec, period, formats=FAST_FORMATS)
    assert not first.skipped and second.skipped
    assert second.files == first.files
    assert second.report.title == first.report.title
    build = ctx.store.builds.get("japan", "2025-11")
    assert (build.status, build.attempt, build.files) == ("done", 1, first.files)
    runs = [(r.kind, r.status) for r in ctx.store.runs.recent() if r.kind == "build"]
    assert runs == [("build", "skipped"), ("build", "ok")]
    assert ctx.store.runs.recent()[0].detail["reason"].startswith("already built")
    forced = pipeline.build(ctx, spec, period, formats=FAST_FORMATS, force=True)
    assert not forced.skipped and ctx.store.builds.get("japan", "2025-11").attempt == 2


def test_a_build_that_fails_is_recorded_and_the_retry_replaces_its_output(
    ctx: pipeline.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, period = ctx.config.report("japan"), Period.parse("2025-11")
    import reporter.archive as archive

    real_index = archive.write_index

    def broken_index(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    # The report's own files are written, then the index fails: the output is there, the build is not done.
    monkeypatch.setattr(archive, "write_index", broken_index)
    with pytest.raises(OSError, match="disk full"):
        pipeline.build(ctx, spec, period, formats=FAST_FORMATS)
    failed = ctx.store.builds.get("japan", "2025-11")
    assert (failed.status, failed.error) == ("failed", "OSError: disk full")
    assert ctx.store.runs.recent()[0].status == "failed"

    monkeypatch.setattr(archive, "write_index", real_index)
    retry = pipeline.build(ctx, spec, period, formats=FAST_FORMATS)  # no --force needed: it never finished
    assert not retry.skipped
    done = ctx.store.builds.get("japan", "2025-11")
    assert (done.status, done.attempt) == ("done", 2)


def test_run_does_not_email_an_empty_period(ctx: pipeline.Context) -> None:
    spec, period = ctx.config.report("japan"), Period.parse("2024-01")  # nothing was published then
    outcome = pipeline.run(ctx, spec, period, formats=FAST_FORMATS)
    assert outcome.build.report.is_empty and outcome.build.files  # an honest, short report exists
    assert outcome.delivery is None and outcome.not_sent.startswith("nothing was reported")
    send = ctx.store.runs.recent()[0]
    assert (send.kind, send.status) == ("send", "skipped")


def test_run_skips_sending_while_another_process_builds(ctx: pipeline.Context) -> None:
    spec, period = ctx.config.report("japan"), Period.parse("2025-11")
    ctx.store.builds.claim("japan", "2025-11", "far-away:1:1")
    outcome = pipeline.run(ctx, spec, period, formats=FAST_FORMATS)
    assert outcome.build.skipped and outcome.build.files == {}
    assert outcome.not_sent == "being built by another process, which sends it"
    assert not list(Path(ctx.config.settings.output_dir).rglob("japan-2025-11.*"))
