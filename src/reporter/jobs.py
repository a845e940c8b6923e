"""The scheduler's jobs, referenced by "reporter.jobs:<name>" strings so the job store can keep them.

Each job opens its own context from the config path it was given (so it reads feeds.yaml as it is
when it runs), does one thing through `reporter.pipeline`, and closes it. Handled errors are logged
with their hint and recorded in the runs table by the pipeline; the job then returns, so the
scheduler keeps going.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from reporter.errors import ReporterError
from reporter.models import resolve_period

log = logging.getLogger(__name__)

INGEST_JOB = "reporter.jobs:ingest_job"
BUILD_JOB = "reporter.jobs:build_job"


def ingest_job(config_path: str, report: str) -> None:
    """Scheduled: read the seeds and fetch the feeds of one report."""
    from reporter import pipeline

    try:
        ctx = pipeline.open_context(config_path)
    except ReporterError as exc:
        _log_error("ingest", report, exc)
        return
    try:
        # New items are analysed now, spread over the month, so the monthly build only reads.
        result = pipeline.ingest(ctx, ctx.config.report(report), analyze=True)
        log.info(
            "ingest %s: %d new item(s), %d source(s) failed", report, result.new_items, len(result.failures)
        )
    except ReporterError as exc:
        _log_error("ingest", report, exc)
    finally:
        ctx.close()


def build_job(
    config_path: str,
    report: str,
    period: str | None = None,
    formats: Sequence[str] | None = None,
) -> None:
    """Scheduled: ingest, build and send one report for the period just ended (or `period`)."""
    from reporter import pipeline

    try:
        ctx = pipeline.open_context(config_path)
    except ReporterError as exc:
        _log_error("build", report, exc)
        return
    try:
        spec = ctx.config.report(report)
        the_period = resolve_period(spec, period, ctx.now())
        outcome = pipeline.run(ctx, spec, the_period, formats=tuple(formats or pipeline.FORMATS))
        built = outcome.build
        log.info(
            "build %s %s: %s%s",
            report,
            the_period.key,
            "skipped" if built.skipped else ", ".join(sorted(built.files)),
            f"; not sent: {outcome.not_sent}" if outcome.not_sent else "",
        )
    except ReporterError as exc:
        _log_error("build", report, exc)
    finally:
        ctx.close()


def _log_error(kind: str, report: str, exc: ReporterError) -> None:
    log.error("%s %s failed: %s%s", kind, report, exc, f" (hint: {exc.hint})" if exc.hint else "")
