"""What feeds.yaml asks the scheduler for, and reconciling the stored jobs with it.

Per report there are two jobs: `ingest:<slug>` every few hours, and `build:<slug>` (ingest, build
and send the period just ended) on a cron line in the report's time zone. Reconciling keeps a run
missed while the process was down; failed builds are retried by a job of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reporter.jobs import BUILD_JOB, INGEST_JOB
from reporter.scheduler.triggers import build_trigger, ingest_trigger, trigger_signature

if TYPE_CHECKING:
    from apscheduler.job import Job
    from apscheduler.schedulers.base import BaseScheduler

    from reporter.config import Config
    from reporter.pipeline import Context

log = logging.getLogger(__name__)

PREFIXES = ("ingest:", "build:")
MAX_ATTEMPTS = 3  # a build that failed this often waits for `reporter build` or `reporter run`
RETRY_STORE = "retries"  # in memory: retries are worked out again from the builds table on each start


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
            trigger_signature(self.trigger),
            self.misfire_grace_time,
        )


def _job_signature(job: Job) -> tuple:
    return (job.func_ref, sorted(job.kwargs.items()), trigger_signature(job.trigger), job.misfire_grace_time)


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


@dataclass
class Changes:
    """What reconciling the stored jobs with feeds.yaml did, by job id."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def reconcile(scheduler: BaseScheduler, plans: Sequence[JobPlan], *, now: datetime) -> Changes:
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
    scheduler: BaseScheduler,
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
