"""The tasks `reporter worker` runs: fetch a feed, analyse a batch, build a report, deliver a batch.

Each task does one thing through `reporter.pipeline` on the worker's context (feeds.yaml as it is
when the task runs, the store, the analyzer loaded once per process). A task killed with its worker
is retried by another worker (procrastinate sees the dead worker's missing heartbeat; the `sweep`
task puts its tasks back), and redoing one is safe: the build claim in the store makes a retried
build take over the dead one's claim, and the outbox skips every subscriber already mailed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procrastinate import BaseRetryStrategy, JobContext, RetryDecision, RetryStrategy
from procrastinate.jobs import Job

from reporter.errors import ReporterError

if TYPE_CHECKING:
    import procrastinate

    from reporter.pipeline import Context

log = logging.getLogger(__name__)

STATE = "reporter"  # the key of WorkerState in the worker's additional_context

# A failed build or send is tried again a few times, a minute apart; the store makes redoing safe.
RETRY = RetryStrategy(max_attempts=3, wait=60)


class BuildElsewhere(ReporterError):
    """Another process holds the build's claim and is alive: try again once it is done or gone."""


class BuildRetry(BaseRetryStrategy):
    """RETRY, except that a build held elsewhere is retried until its claim can have gone stale.

    A claim of a worker on another machine is only known dead when its heartbeat is older than
    STALE_AFTER (10 minutes), so a minute apart for 15 minutes outlasts it.
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        """Retry a BuildElsewhere every minute for 15 minutes; anything else as RETRY does."""
        if isinstance(exception, BuildElsewhere):
            return RetryDecision(retry_in={"seconds": 60}) if job.attempts < 15 else None
        return RETRY.get_retry_decision(exception=exception, job=job)


@dataclass
class WorkerState:
    """One worker process's context, reopened when feeds.yaml changes (tasks read it as it is)."""

    config_path: Path
    _ctx: Context | None = None
    _mtime: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def context(self) -> Context:
        """The open context; its configuration is read again if the file changed since."""
        from reporter import pipeline
        from reporter.config import load_config

        with self._lock:
            mtime = self.config_path.stat().st_mtime
            if self._ctx is None:
                self._ctx = pipeline.open_context(self.config_path)
                self._ctx.analysis_workers = 1  # the workers are the parallelism
            elif mtime != self._mtime:
                self._ctx.config = load_config(self.config_path)
            self._mtime = mtime
            return self._ctx

    def close(self) -> None:
        """Release the store."""
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None


def _ctx(job: JobContext) -> Context:
    state: WorkerState = job.additional_context[STATE]
    return state.context()


def ingest_feed(job: JobContext, *, feed: str) -> dict[str, Any]:
    """Fetch one feed into the store, then queue the analysis of what it brought."""
    from reporter import pipeline

    ctx = _ctx(job)
    spec = next((f for f in ctx.config.feeds if f.name == feed), None)
    if spec is None:  # removed from feeds.yaml since it was queued
        log.info("feed %s is no longer configured; nothing to fetch", feed)
        return {"skipped": "not configured"}
    result = pipeline.ingest_sources(ctx, [spec], seeds=False)
    _queue_analysis(job, ctx, [feed])
    return {"new_items": result.new_items, "failed": [f.source for f in result.failures]}


def ingest_seeds(job: JobContext) -> dict[str, Any]:
    """Read the seed documents into the store."""
    from reporter import pipeline
    from reporter.models import SEED_SOURCE

    ctx = _ctx(job)
    result = pipeline.ingest_sources(ctx, [], seeds=True)
    _queue_analysis(job, ctx, [SEED_SOURCE])
    return {"new_items": result.new_items}


def _queue_analysis(job: JobContext, ctx: Context, sources: Sequence[str]) -> None:
    """Queue batches for the recent items of these sources that have no current analysis."""
    from datetime import timedelta

    from reporter.nlp.model import current_version
    from reporter.pipeline import ANALYZE_AT_INGEST_DAYS
    from reporter.worker.queue import enqueue_analysis

    since = ctx.now() - timedelta(days=ANALYZE_AT_INGEST_DAYS)
    stale = ctx.store.analyses.stale(current_version(), sources=sources, since=since)
    if stale:
        enqueue_analysis(job.app, [item.id for item in stale])


def analyze_batch(job: JobContext, *, items: list[str]) -> dict[str, Any]:
    """Analyse a batch of stored items (those whose analysis is missing or out of date)."""
    from reporter.nlp.stored import analyse_stale

    ctx = _ctx(job)
    found = [item for item in (ctx.store.items.get(i) for i in items) if item is not None]
    outcome = analyse_stale(ctx.analysing(), found)
    return {"items": len(found), "outcome": str(outcome)}


def build_report(
    job: JobContext, *, report: str, period: str, formats: list[str], force: bool = False
) -> dict[str, Any]:
    """Ingest, build and archive one report period once, then queue its delivery in batches."""
    from reporter import pipeline
    from reporter.models import Period
    from reporter.worker.queue import enqueue_deliveries

    ctx = _ctx(job)
    spec = ctx.config.report(report)
    the_period = Period.parse(period, spec.period_months)
    # The delivery tasks read the report back from its JSON file: it is always written.
    wanted = tuple(dict.fromkeys([*(formats or pipeline.FORMATS), "json"]))
    outcome = pipeline.run(ctx, spec, the_period, formats=wanted, force=force, send=False)
    built = outcome.build
    existing = ctx.store.builds.get(spec.slug, the_period.key)
    if existing is None or existing.status != "done":
        raise BuildElsewhere(
            f"{report} {period} is being built by {existing.owner if existing else 'another process'}",
            hint="it is retried until that build finishes or its claim goes stale",
        )
    reason = pipeline.why_not_send(ctx, spec, the_period, built)
    if reason is not None:
        with ctx.store.runs.record("send", report=spec.slug, period=the_period.key) as run:
            run.end("skipped", detail={"reason": reason})
        return {"build": existing.id, "skipped": built.skipped, "not_sent": reason}
    subscribers = [s.subscriber_id for s in ctx.store.subscribers.active(spec.slug)]
    batches = enqueue_deliveries(
        job.app, spec.slug, the_period.key, existing.id, subscribers, ctx.config.tasks.delivery_batch
    )
    return {"build": existing.id, "skipped": built.skipped, "delivery_batches": batches}


def deliver_batch(
    job: JobContext, *, report: str, period: str, build_id: int, subscribers: list[int]
) -> dict[str, Any]:
    """Mail one build to a batch of subscribers, each at most once (the outbox keeps the promise)."""
    from reporter.deliver import send_report

    ctx = _ctx(job)
    result = send_report(ctx.config, report, period, now=ctx.now(), store=ctx.store, only=subscribers)
    if result.build_id != build_id:
        log.warning("%s %s was rebuilt (build %d, queued for %d)", report, period, result.build_id, build_id)
    if result.error and not result.sent and result.pending:
        # The server could not be used at all: nothing was sent, so trying again later is safe.
        raise ReporterError(result.error, hint=result.hint)
    return result.detail()


async def retry_stalled(job: JobContext, timestamp: int) -> int:
    """Put the tasks of workers that stopped sending heartbeats back in the queue (procrastinate's recipe)."""
    state: WorkerState = job.additional_context[STATE]
    stalled_after = state.context().config.tasks.stalled_after_seconds
    stalled = list(await job.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after))
    for stuck in stalled:
        log.warning("retrying task %s #%s: its worker stopped", stuck.task_name, stuck.id)
        await job.app.job_manager.retry_job(stuck)
    return len(stalled)


def register(app: procrastinate.App, namespace: str) -> None:
    """Add the tasks to an App (a new one each time: tasks are bound to the App they are added to)."""
    for func, options in (
        (ingest_feed, {}),
        (ingest_seeds, {}),
        (analyze_batch, {"retry": RETRY}),
        (build_report, {"retry": BuildRetry()}),
        (deliver_batch, {"retry": RETRY}),
        (retry_stalled, {"queueing_lock": "retry_stalled"}),
    ):
        app.task(name=f"{namespace}:{func.__name__}", pass_context=True, **options)(func)
