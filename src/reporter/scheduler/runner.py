"""The scheduler process: APScheduler 3.11 with its jobs in the project's database, in the foreground.

On start, claims left running by a crash are failed, the stored jobs are reconciled with
feeds.yaml, and failed builds are retried. Exactly-once building is not the scheduler's doing:
`pipeline.build` claims (report, period) in the database.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from reporter.scheduler.catchup import schedule_catchups
from reporter.scheduler.plan import (
    MAX_ATTEMPTS,
    RETRY_STORE,
    Changes,
    plan_jobs,
    reconcile,
    schedule_retries,
)
from reporter.scheduler.triggers import describe_trigger
from reporter.store.builds import STALE_AFTER, process_owner

if TYPE_CHECKING:
    from apscheduler.job import Job
    from sqlalchemy import Engine

    from reporter.pipeline import Context
    from reporter.store.locks import SessionLock

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"


class SafeScheduler(BackgroundScheduler):
    """A BackgroundScheduler that does not lose a due run when it is shut down.

    APScheduler 3.11's loop looks for due jobs once more after `shutdown()`; a job due then fails
    to reach the stopped executor but has its next run time moved on, so the run is lost (and a
    paused scheduler opened only to read the jobs would eat a missed run). This one looks no more
    once shutdown has begun, and lets a round in progress finish submitting first.
    """

    _closing = False

    def shutdown(self, wait: bool = True) -> None:
        """Stop looking for due jobs, then shut down (waiting for running jobs if `wait`)."""
        with self._jobstores_lock:  # a round in progress finishes first (the lock is reentrant)
            self._closing = True
        super().shutdown(wait)

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self._closing:
                return None
            return super()._process_jobs()


def make_scheduler(engine: Engine, *, workers: int = 1) -> SafeScheduler:
    """A background scheduler whose jobs live in the project's database (table apscheduler_jobs).

    One worker: jobs run one at a time, so an ingest and a build never compete for the database or
    the memory spaCy takes, and never open the store at once (Alembic's upgrade is not thread-safe).
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    return SafeScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE),
            RETRY_STORE: MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
        timezone=UTC,
    )


@dataclass(frozen=True, slots=True)
class NextRun:
    """One job and when it next runs, for `reporter status`."""

    id: str
    name: str
    next_run: datetime | None
    trigger: str
    stored: bool  # False: in feeds.yaml but not yet in the job store (the scheduler has not started)


def next_runs(ctx: Context, config_path: str | Path, *, now: datetime | None = None) -> list[NextRun]:
    """Every job's next fire time: the stored jobs, and those feeds.yaml adds that are not stored yet."""
    now = now or datetime.now(UTC)
    scheduler = make_scheduler(ctx.store.engine, workers=1)
    scheduler.start(paused=True)  # paused: loads the job store, runs nothing
    try:
        stored = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    finally:
        scheduler.shutdown(wait=False)
    out = [NextRun(j.id, j.name, j.next_run_time, describe_trigger(j.trigger), True) for j in stored.values()]
    for plan in plan_jobs(ctx.config, config_path):
        if plan.id not in stored:
            first = now if plan.run_at_once else plan.trigger.get_next_fire_time(None, now)
            out.append(NextRun(plan.id, plan.name, first, describe_trigger(plan.trigger), False))
    return sorted(out, key=lambda r: (r.next_run is None, r.next_run or now, r.id))


# --- the foreground process -----------------------------------------------------------------------


@dataclass
class Runner:
    """The scheduler process: start (recover, reconcile, retry), run jobs, stop cleanly."""

    ctx: Context
    config_path: str | Path
    formats: Sequence[str] | None = None
    stale_after: timedelta = STALE_AFTER
    max_attempts: int = MAX_ATTEMPTS
    workers: int = 1
    scheduler: BackgroundScheduler | None = None
    changes: Changes | None = None
    retries: list[str] = field(default_factory=list)
    catch_up: bool = True  # build a closed period that has no build once at start (Persistent=true)
    catchups: list[str] = field(default_factory=list)  # the catch-up jobs added at start

    def start(self, *, now: datetime | None = None) -> Changes:
        """Fail abandoned claims, reconcile the jobs with feeds.yaml, queue retries, start running."""
        now = now or datetime.now(UTC)
        recovered = self.ctx.store.builds.recover(stale_after=self.stale_after, now=now)
        if recovered:
            log.warning("%d build(s) left running by a stopped process were marked failed", len(recovered))
        self.scheduler = make_scheduler(self.ctx.store.engine, workers=self.workers)
        self.scheduler.start(paused=True)
        self.changes = reconcile(
            self.scheduler, plan_jobs(self.ctx.config, self.config_path, formats=self.formats), now=now
        )
        self.retries = schedule_retries(
            self.scheduler,
            self.ctx,
            self.config_path,
            now=now,
            formats=self.formats,
            max_attempts=self.max_attempts,
        )
        if self.catch_up:
            self.catchups = schedule_catchups(
                self.scheduler, self.ctx, self.config_path, now=now, formats=self.formats
            )
        log.info(
            "jobs: %d added, %d changed, %d removed, %d unchanged; %d retr%s",
            len(self.changes.added), len(self.changes.changed), len(self.changes.removed),
            len(self.changes.kept), len(self.retries), "y" if len(self.retries) == 1 else "ies",
        )  # fmt: skip
        self.scheduler.resume()
        return self.changes

    def reload(self, *, now: datetime | None = None) -> Changes:
        """Read feeds.yaml again and reconcile the jobs with it (on SIGHUP)."""
        from reporter.config import load_config

        assert self.scheduler is not None
        self.ctx.config = load_config(self.config_path)
        self.changes = reconcile(
            self.scheduler,
            plan_jobs(self.ctx.config, self.config_path, formats=self.formats),
            now=now or datetime.now(UTC),
        )
        return self.changes

    def jobs(self) -> list[Job]:
        """The scheduled jobs, stored and retries."""
        return self.scheduler.get_jobs() if self.scheduler else []

    def stop(self, *, grace: float, abandon: threading.Event | None = None) -> bool:
        """Stop firing jobs; wait up to `grace` seconds for running ones. True if they all finished.

        On False the running jobs are still going: the caller fails their claims and exits.
        """
        if self.scheduler is None:
            return True
        scheduler = self.scheduler
        closer = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop")
        closer.daemon = True
        closer.start()
        deadline = time.monotonic() + grace
        while closer.is_alive() and time.monotonic() < deadline and not (abandon and abandon.is_set()):
            closer.join(0.1)
        return not closer.is_alive()

    def abandon(self, reason: str) -> list[str]:
        """Fail every claim this process holds, so the builds are retried on the next start."""
        failed = self.ctx.store.builds.fail_owned_by(process_owner(), reason)
        for b in failed:
            log.warning(
                "abandoned the build of %s %s; it will be retried on the next start", b.report, b.period
            )
        return [f"{b.report} {b.period}" for b in failed]


def run_in_foreground(
    ctx: Context,
    config_path: str | Path,
    *,
    grace: float = 60.0,
    formats: Sequence[str] | None = None,
    stale_after: timedelta = STALE_AFTER,
    on_start: Callable[[Runner], None] | None = None,
) -> int:
    """Run the scheduler in the foreground until SIGTERM or SIGINT; returns the exit code.

    The first signal stops new jobs and waits up to `grace` seconds for a running build to finish;
    a second signal, or the end of the grace, abandons it: its claim is marked failed (to be retried
    on the next start) and the process exits at once. Files are never half-written: the archive
    writes each one to a temporary name and renames it. SIGHUP re-reads feeds.yaml.
    """
    stop, abandon, hup = threading.Event(), threading.Event(), threading.Event()

    def on_stop(signum: int, _frame: object) -> None:
        if stop.is_set():
            abandon.set()
        stop.set()
        log.warning("received %s", signal.Signals(signum).name)

    previous = {s: signal.signal(s, on_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda *_: hup.set())
    runner = Runner(ctx, config_path, formats=formats, stale_after=stale_after)
    lock = _scheduler_lock(ctx)
    try:
        if lock is not None and not _wait_for_lock(lock, stop):
            return 0  # stopped while standing by
        runner.start()
        if on_start is not None:
            on_start(runner)
        while not stop.wait(0.5):
            if hup.is_set():
                hup.clear()
                try:
                    runner.reload()
                    log.warning("reloaded %s", config_path)
                except Exception as exc:  # a bad edit must not stop the scheduler; keep the old jobs
                    log.error("could not reload %s: %s", config_path, exc)
        log.warning("stopping: no new jobs; waiting up to %.0f s for running jobs", grace)
        if runner.stop(grace=grace, abandon=abandon):
            log.warning("stopped")
            return 0
        abandoned = runner.abandon("interrupted: the scheduler was stopped during the build")
        log.warning("abandoned %s; exiting", ", ".join(abandoned) or "the running jobs")
        logging.shutdown()
        # Worker threads cannot be interrupted, and interpreter exit would wait for them.
        os._exit(1)
    finally:
        if lock is not None:
            lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


SCHEDULER_LOCK = "reporter:scheduler"


def _scheduler_lock(ctx: Context) -> SessionLock | None:
    """With the task queue on, one scheduler per database: a PostgreSQL session lock (None: no queue).

    The queue's tables are made here too, so jobs can be queued before any worker has started.
    """
    if not ctx.config.tasks.on_workers:
        return None
    from reporter.store.locks import SessionLock
    from reporter.worker.queue import ensure_schema, require_queue

    require_queue(ctx.config)
    ensure_schema(ctx.store)
    return SessionLock(ctx.store.engine, SCHEDULER_LOCK)


def _wait_for_lock(lock: SessionLock, stop: threading.Event, every: float = 5.0) -> bool:
    """Stand by until this process holds the lock (True) or is told to stop (False)."""
    if lock.try_acquire():
        return True
    log.warning("another scheduler runs on this database; standing by to take over if it stops")
    while not stop.wait(every):
        if lock.try_acquire():
            log.warning("the other scheduler stopped; this one takes over")
            return True
    return False
