"""The one pipeline, by stage in run order: ingest → analyze → compose → render → publish → deliver.

The CLI, the scheduler, the workers and the web app all call these functions; none re-implements
the order. Each stage is a module of this package, and each hands the next a typed object:

    ingest    (pipeline/ingest.py)   feeds and seeds → Items in the store          IngestResult
    analyze   (pipeline/analyze.py)  Items → stored Analyses, placed per report    list[Analysis]
    compose   (pipeline/compose.py)  Analyses of a period → Report                 Report
    render    (pipeline/render.py)   Report → bytes per format                     Rendered
    publish   (pipeline/publish.py)  claim, compose, render, write the archive     BuildResult
    deliver   (pipeline/deliver.py)  BuildResult → mail to the subscribers         DeliveryResult

`run` below is the monthly job (`reporter run`, the scheduler, a worker's build task) end to end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reporter.models import FORMATS, BuildResult, IngestResult, Period, ReportSpec
from reporter.pipeline.analyze import ANALYZE_AT_INGEST_DAYS, analyses_for, analyze_stale, sources_of
from reporter.pipeline.compose import compose_report, feed_problems, previous_counts
from reporter.pipeline.context import Context, open_context
from reporter.pipeline.deliver import deliver_report, why_not_send
from reporter.pipeline.ingest import ingest, ingest_seeds, ingest_sources
from reporter.pipeline.publish import PARTIAL_DIR, PeriodNotOver, build, check_period
from reporter.pipeline.render import PDF_VARIANT, Rendered, render_report

if TYPE_CHECKING:
    from reporter.deliver.outbox import DeliveryResult

__all__ = [
    "ANALYZE_AT_INGEST_DAYS",
    "FORMATS",
    "PARTIAL_DIR",
    "PDF_VARIANT",
    "Context",
    "PeriodNotOver",
    "Rendered",
    "RunOutcome",
    "analyses_for",
    "analyze_stale",
    "build",
    "check_period",
    "compose_report",
    "deliver_report",
    "feed_problems",
    "ingest",
    "ingest_seeds",
    "ingest_sources",
    "open_context",
    "previous_counts",
    "render_report",
    "run",
    "sources_of",
    "why_not_send",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What `run` did: the ingest (None when not asked), the build, and the delivery (or why not sent)."""

    ingest: IngestResult | None
    build: BuildResult
    delivery: DeliveryResult | None = None
    not_sent: str | None = None  # why nothing was sent, when nothing was


def run(
    ctx: Context,
    spec: ReportSpec,
    period: Period,
    *,
    force: bool = False,
    send: bool = True,
    formats: Sequence[str] = FORMATS,
    partial: bool = False,
    ingest_first: bool = True,
    on_ingest: Callable[[IngestResult], None] | None = None,
) -> RunOutcome:
    """Ingest, build and send one report for one period: the monthly job, `reporter run` and `build`.

    `ingest_first=False` builds from what the store holds (`reporter build --no-ingest`); `partial`
    previews a period that is not over (never sent); `on_ingest` hears the ingest before the build
    starts (the CLI prints it, the web admin moves its task on).
    """
    check_period(spec, period, ctx.now(), partial=partial)  # before any fetching: only a period that is over
    ingested = ingest(ctx, spec) if ingest_first else None
    if ingested is not None and on_ingest is not None:
        on_ingest(ingested)
    built = build(ctx, spec, period, formats=formats, force=force, partial=partial)
    if not send or partial:
        return RunOutcome(
            ingested, built, not_sent="a preview is never sent" if send else "not asked to send"
        )
    reason = why_not_send(ctx, spec, period, built)
    if reason is not None:
        with ctx.store.runs.record("send", report=spec.slug, period=period.key) as sending:
            sending.end("skipped", detail={"reason": reason})
        log.info("%s %s not sent: %s", spec.slug, period.key, reason)
        return RunOutcome(ingested, built, not_sent=reason)
    return RunOutcome(ingested, built, delivery=deliver_report(ctx, built))
