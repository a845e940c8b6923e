"""APScheduler 3.11 wiring: jobs from feeds.yaml, kept in the project's database, run in the foreground.

Per report there are two jobs: `ingest:<slug>` every few hours, and `build:<slug>` (ingest, build
and send the period just ended) on a cron line in the report's time zone. On start the stored jobs
are reconciled with feeds.yaml without losing a run missed while the process was down, claims
left running by a crash are failed, and failed builds are retried once. Exactly-once building is
not the scheduler's doing: `pipeline.build` claims (report, period) in the database.
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
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reporter.jobs import BUILD_JOB, INGEST_JOB
from reporter.store.builds import STALE_AFTER, process_owner

if TYPE_CHECKING:
    from apscheduler.job import Job
    from sqlalchemy import Engine

    from reporter.config import Config
    from reporter.models import Schedule
    from reporter.pipeline import Context

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
PREFIXES = ("ingest:", "build:")
MAX_ATTEMPTS = 3  # a build that failed this often waits for `reporter build` or `reporter run`
RETRY_STORE = "retries"  # in memory: retries are worked out again from the builds table on each start


class DstSafeCronTrigger(CronTrigger):
    """A cron trigger that fires a fixed-hour job once, not twice, when clocks go back.

    APScheduler fires "30 1 * * *" at both 01:30s of a night that repeats an hour; like cron, we
    drop the second. A time that does not exist (clocks going forward) fires an hour later in wall
    time, so it is not skipped. Jobs whose hour field is `*` fire in real time, both hours.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The next fire time, skipping the second pass of a repeated wall-clock time."""
        nxt = super().get_next_fire_time(previous_fire_time, now)
        while nxt is not None and self._repeats_fixed_time(nxt):
            nxt = super().get_next_fire_time(nxt, nxt)
        return nxt

    def _repeats_fixed_time(self, t: datetime) -> bool:
        hour = next(f for f in self.fields if f.name == "hour")
        if str(hour) == "*" or t.fold != 1:
            return False
        return t.replace(fold=0).utcoffset() != t.utcoffset()


def build_trigger(schedule: Schedule) -> DstSafeCronTrigger:
    """The build-and-send trigger: the report's cron line in its own time zone."""
    return DstSafeCronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))


def ingest_trigger(schedule: Schedule) -> IntervalTrigger:
    """The ingest trigger: every `ingest_every_hours`."""
    return IntervalTrigger(seconds=schedule.ingest_every_hours * 3600, timezone=ZoneInfo(schedule.timezone))


@dataclass(frozen=True, slots=True)
class JobPlan:
    """One job as feeds.yaml wants it."""

    id: str
    name: str
    func: str
    trigger: CronTrigger | IntervalTrigger
    kwargs: dict[str, Any]
    misfire_grace_time: int
    run_at_once: bool = False  # on first creation: ingest at once rather than hours from now

    def signature(self) -> tuple:
        """What makes two versions of the job the same job."""
        return (
            self.func,
            sorted(self.kwargs.items()),
            _trigger_signature(self.trigger),
            self.misfire_grace_time,
        )


def describe_trigger(trigger: Any) -> str:
    """A trigger as a person wrote it: 'cron 0 6 1 * * Asia/Tokyo', 'every 4h', or APScheduler's words."""
    if isinstance(trigger, CronTrigger):
        f = {field.name: str(field) for field in trigger.fields}
        line = " ".join(f[n] for n in ("minute", "hour", "day", "month", "day_of_week"))
        return f"cron {line} {trigger.timezone}"
    if isinstance(trigger, IntervalTrigger):
        hours = trigger.interval.total_seconds() / 3600
        return f"every {hours:g}h"
    return str(trigger)


def _trigger_signature(trigger: Any) -> tuple:
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval.total_seconds(), str(trigger.timezone))
    if isinstance(trigger, CronTrigger):
        return (type(trigger).__name__, str(trigger), str(trigger.timezone))
    return (type(trigger).__name__, repr(trigger))


def _job_signature(job: Job) -> tuple:
    return (job.func_ref, sorted(job.kwargs.items()), _trigger_signature(job.trigger), job.misfire_grace_time)


def plan_jobs(
    config: Config, config_path: str | Path, *, formats: Sequence[str] | None = None
) -> list[JobPlan]:
    """The jobs feeds.yaml asks for: an ingest and a build-and-send job per report."""
    path = str(Path(config_path).resolve())
    plans: list[JobPlan] = []
    for spec in config.reports:
        grace = int(spec.schedule.misfire_grace_hours * 3600)
        build_kwargs: dict[str, Any] = {"config_path": path, "report": spec.slug}
        if formats:
            build_kwargs["formats"] = list(formats)
        plans.append(
            JobPlan(
                id=f"ingest:{spec.slug}",
                name=f"ingest {spec.slug}",
                func=INGEST_JOB,
                trigger=ingest_trigger(spec.schedule),
                kwargs={"config_path": path, "report": spec.slug},
                misfire_grace_time=grace,
                run_at_once=True,
            )
        )
        plans.append(
            JobPlan(
                id=f"build:{spec.slug}",
                name=f"build and send {spec.slug}",
                func=BUILD_JOB,
                trigger=build_trigger(spec.schedule),
                kwargs=build_kwargs,
                misfire_grace_time=grace,
            )
        )
    return plans


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


@dataclass
class Changes:
    """What reconciling the stored jobs with feeds.yaml did, by job id."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def reconcile(scheduler: BackgroundScheduler, plans: Sequence[JobPlan], *, now: datetime) -> Changes:
    """Add, change and remove stored jobs to match the plans, keeping any run that is overdue.

    An unchanged job is left alone, so its stored next run time (possibly in the past, missed while
    the process was down) stands and the scheduler runs it once. A changed job keeps an overdue run
    time too; otherwise it is rescheduled from now.
    """
    from apscheduler.jobstores.base import ConflictingIdError

    changes = Changes()
    stored = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    for plan in plans:
        job = stored.pop(plan.id, None)
        if job is None:
            try:
                scheduler.add_job(
                    plan.func,
                    trigger=plan.trigger,
                    id=plan.id,
                    name=plan.name,
                    kwargs=plan.kwargs,
                    misfire_grace_time=plan.misfire_grace_time,
                    coalesce=True,
                    max_instances=1,
                    jobstore="default",
                    **({"next_run_time": now} if plan.run_at_once else {}),
                )
            except ConflictingIdError:  # another scheduler on this database added it just now
                changes.kept.append(plan.id)
                continue
            changes.added.append(plan.id)
        elif _job_signature(job) != plan.signature():
            overdue = job.next_run_time if job.next_run_time and job.next_run_time <= now else None
            scheduler.modify_job(
                plan.id,
                jobstore="default",
                func=plan.func,
                args=(),
                kwargs=plan.kwargs,
                name=plan.name,
                trigger=plan.trigger,
                misfire_grace_time=plan.misfire_grace_time,
                coalesce=True,
                max_instances=1,
                next_run_time=overdue or plan.trigger.get_next_fire_time(None, now),
            )
            changes.changed.append(plan.id)
        else:
            changes.kept.append(plan.id)
    for job in stored.values():
        if job.id.startswith(PREFIXES):  # leave alone any job this module did not make
            scheduler.remove_job(job.id, jobstore="default")
            changes.removed.append(job.id)
    return changes


def schedule_retries(
    scheduler: BackgroundScheduler,
    ctx: Context,
    config_path: str | Path,
    *,
    now: datetime,
    formats: Sequence[str] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[str]:
    """Run each failed build of a configured report once more, now; returns the job ids."""
    slugs = {r.slug for r in ctx.config.reports}
    ids: list[str] = []
    for b in ctx.store.builds.failed(max_attempts=max_attempts):
        if b.report not in slugs:
            continue
        kwargs: dict[str, Any] = {
            "config_path": str(Path(config_path).resolve()),
            "report": b.report,
            "period": b.period,
        }
        if formats:
            kwargs["formats"] = list(formats)
        job_id = f"retry:{b.report}:{b.period}"
        scheduler.add_job(
            BUILD_JOB,
            trigger="date",
            run_date=now,
            id=job_id,
            name=f"retry build {b.report} {b.period} (attempt {b.attempt + 1})",
            kwargs=kwargs,
            jobstore=RETRY_STORE,
            misfire_grace_time=None,
            replace_existing=True,
        )
        log.info("retrying the failed build of %s %s (it failed with: %s)", b.report, b.period, b.error)
        ids.append(job_id)
    return ids


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


def serve(
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
    try:
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
        for sig, handler in previous.items():
            signal.signal(sig, handler)
