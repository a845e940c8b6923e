"""Stage 6, deliver: whether a build is sent, and sending it to the report's subscribers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reporter.models import BuildResult, Period, ReportSpec
from reporter.pipeline.context import Context

if TYPE_CHECKING:
    from reporter.deliver.outbox import DeliveryResult


def why_not_send(ctx: Context, spec: ReportSpec, period: Period, built: BuildResult) -> str | None:
    """None if the build should be sent; else the reason it should not."""
    if built.skip is not None:
        # A done build is sent again through the outbox, which skips whoever already has it: that is
        # how a send interrupted by a crash is completed. One still being built is its owner's to send.
        if not built.skip.done:
            return "being built by another process, which sends it"
        empty = not built.skip.paragraphs
    else:
        empty = built.report.is_empty
    if empty and not spec.send_empty:
        return "nothing was reported in the period (set send_empty: true to send empty reports)"
    if not _has_subscribers(ctx, spec):
        return "the report has no subscribers"
    return None


def deliver_report(ctx: Context, built: BuildResult) -> DeliveryResult:
    """Email a finished build to the report's subscribers: the Report in hand, or read back if skipped.

    The outbox is keyed by (build, subscriber), so calling this again sends only what was not sent.
    """
    from reporter.deliver import send_built, send_report

    spec, period = built.report.spec, built.report.period
    if built.skipped or built.build_id is None:
        # Built earlier (a send interrupted by a crash is completed this way): read back from its JSON.
        return send_report(
            ctx.config, spec.slug, period.key, now=ctx.now(), store=ctx.store, progress=ctx.progress
        )
    files = {fmt: Path(path) for fmt, path in built.files.items()}
    return send_built(
        ctx.store, ctx.config, built.report, files, built.build_id, now=ctx.now(), progress=ctx.progress
    )


def _has_subscribers(ctx: Context, spec: ReportSpec) -> bool:
    return bool(ctx.store.subscribers.active(spec.slug))
