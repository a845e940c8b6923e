"""The scheduler's jobs, referenced by "reporter.jobs:<name>" strings so the job store can keep them.

Each job opens its own context from the config path it was given (so it reads feeds.yaml as it is
when it runs), does one thing through `reporter.pipeline`, and closes it. Handled errors are logged
with their hint and recorded in the runs table by the pipeline; the job then returns, so the
scheduler keeps going. With `tasks.queue: procrastinate` a job does the same thing by queueing it
for `reporter worker` processes (reporter.worker.queue) instead of doing it here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reporter.errors import ReporterError
from reporter.models import resolve_period

if TYPE_CHECKING:
    from reporter import pipeline as pipeline_module

log = logging.getLogger(__name__)

INGEST_JOB = "reporter.jobs:ingest_job"
BUILD_JOB = "reporter.jobs:build_job"


def ingest_job(config_path: str, report: str) -> None:
    """Scheduled: read the seeds and fetch the feeds of one report."""
    from reporter import pipeline

    def work(ctx: pipeline_module.Context) -> None:
        spec = ctx.config.report(report)
        if ctx.config.tasks.on_workers:
            from reporter.worker.queue import enqueue_ingest

            queued = _on_queue(ctx, lambda app: enqueue_ingest(app, ctx.config, spec))
            log.info("ingest %s: %d fetch(es) queued", report, queued)
            return
        # New items are analysed now, spread over the month, so the monthly build only reads.
        result = pipeline.ingest(ctx, spec, analyze=True)
        log.info(
            "ingest %s: %d new item(s), %d source(s) failed", report, result.new_items, len(result.failures)
        )

    _run("ingest", config_path, report, work)


def build_job(
    config_path: str,
    report: str,
    period: str | None = None,
    formats: Sequence[str] | None = None,
) -> None:
    """Scheduled: ingest, build and send one report for the period just ended (or `period`)."""
    from reporter import pipeline

    def work(ctx: pipeline_module.Context) -> None:
        spec = ctx.config.report(report)
        the_period = resolve_period(spec, period, ctx.now())
        if ctx.config.tasks.on_workers:
            from reporter.worker.queue import enqueue_build

            queued = _on_queue(ctx, lambda app: enqueue_build(app, spec, the_period, formats=formats))
            log.info("build %s %s: %s", report, the_period.key, "queued" if queued else "already queued")
            return
        outcome = pipeline.run(ctx, spec, the_period, formats=tuple(formats or pipeline.FORMATS))
        built = outcome.build
        log.info(
            "build %s %s: %s%s",
            report,
            the_period.key,
            "skipped" if built.skipped else ", ".join(sorted(built.files)),
            f"; not sent: {outcome.not_sent}" if outcome.not_sent else "",
        )

    _run("build", config_path, report, work)


def _run(kind: str, config_path: str, report: str, work: Callable[[pipeline_module.Context], None]) -> None:
    """Open a context from the config as it is now, do the job's work, close it; errors are logged."""
    from reporter import pipeline

    try:
        ctx = pipeline.open_context(config_path)
    except ReporterError as exc:
        _log_error(kind, report, exc)
        return
    try:
        work(ctx)
    except ReporterError as exc:
        _log_error(kind, report, exc)
    finally:
        ctx.close()


def _on_queue(ctx: pipeline_module.Context, queue: Callable[[Any], int | bool]) -> int | bool:
    """Open the task queue, queue what `queue` queues, close it; returns what it returned."""
    from reporter.worker.queue import make_app

    app = make_app(ctx.config, pool_size=1)
    app.open()
    try:
        return queue(app)
    finally:
        app.close()


def _log_error(kind: str, report: str, exc: ReporterError) -> None:
    log.error("%s %s failed: %s%s", kind, report, exc, f" (hint: {exc.hint})" if exc.hint else "")
