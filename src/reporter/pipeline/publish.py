"""Stage 5, publish: a build claimed once per (report, period), composed, rendered and archived."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from reporter.errors import ReporterError
from reporter.models import FORMATS, BuildResult, BuildSkip, Period, Report, ReportSpec
from reporter.pipeline.compose import compose_report
from reporter.pipeline.context import Context
from reporter.pipeline.render import render_with_settings
from reporter.store import RunRecord

log = logging.getLogger(__name__)

PARTIAL_DIR = "partial"  # under data_dir: previews of periods not over, never published or sent


class PeriodNotOver(ReporterError):
    """A build asked for a period that has not ended yet (or lies in the future)."""


def check_period(spec: ReportSpec, period: Period, now: datetime, *, partial: bool = False) -> None:
    """Refuse a period that is not over, unless a partial build (a preview) is asked for."""
    if partial or spec.is_over(period, now):  # the report's own calendar, as the scheduler's
        return
    ends = f"{period.end_dt:%Y-%m-%d}"
    when = "lies in the future" if now < period.start_dt else f"is not over until {ends}"
    raise PeriodNotOver(
        f"{spec.slug} {period.key} {when}; a report is built once its period has ended",
        hint=f"build it on or after {ends} (the scheduler does), or add --partial for a preview of what "
        "is in so far (written apart, never sent, and not in the way of the real build)",
    )


def build(
    ctx: Context,
    spec: ReportSpec,
    period: Period,
    *,
    formats: Sequence[str] = FORMATS,
    force: bool = False,
    partial: bool = False,
) -> BuildResult:
    """Compose one report for one period from what the store holds, render it and archive it, once.

    The (report, period) is claimed in the store first: a build that is done (unless forced) or being
    built by another process is skipped; a build that fails is recorded as failed, to be retried.
    A period that is not over is refused unless `partial`: a partial build is a preview, written under
    data_dir/partial/, with no claim, so it is never sent and never blocks the period's real build.
    """
    from reporter.archive import write_index, write_report
    from reporter.store.builds import process_owner

    check_period(spec, period, ctx.now(), partial=partial)
    if partial and not spec.is_over(period, ctx.now()):
        return _partial_build(ctx, spec, period, formats)
    with ctx.store.runs.record("build", report=spec.slug, period=period.key) as run:
        if not force and (gone := _files_gone(ctx, spec, period)):
            # The store says built, the disk says otherwise: trust the disk and build it again.
            log.warning("%s %s: built before, but %s gone; building it again", spec.slug, period.key, gone)
            force = True
        claim = ctx.store.builds.claim(spec.slug, period.key, process_owner(), force=force)
        if claim is None:
            return _skipped_build(ctx, spec, period, run)
        try:
            with ctx.store.builds.keep_alive(claim):
                report = compose_report(ctx, spec, period)
                settings = ctx.config.settings
                rendered = render_with_settings(ctx, report, formats)
                # A retry replaces whatever an interrupted attempt left; only a first build refuses to.
                paths = write_report(
                    report, rendered.files, output_dir=settings.output_dir, force=force or claim.attempt > 1
                )
                write_index(settings.output_dir, templates_dir=settings.templates_dir)
        except BaseException as exc:
            ctx.store.builds.fail(claim, f"{type(exc).__name__}: {exc}")
            raise
        paragraphs = sum(len(s.paragraphs) for s in report.sections)
        written = {k: str(v) for k, v in paths.items()}
        if not ctx.store.builds.finish(claim, written, paragraphs):
            # Another process judged this build abandoned and took it over: it builds and sends it.
            run.error = "the build's claim was taken over by another process before it finished"
            raise ReporterError(
                run.error, hint="check that the clocks agree and that one scheduler runs per database"
            )
        detail: dict[str, object] = {
            "paragraphs": paragraphs,
            "files": written,
            "build": claim.build_id,
            "attempt": claim.attempt,
        }
        if rendered.missing:
            detail["missing"] = rendered.missing
            log.warning(
                "%s %s: a partial build: %s", spec.slug, period.key, "; ".join(rendered.missing.values())
            )
        run.end("partial" if rendered.missing else "ok", detail=detail)
    return BuildResult(report=report, files=written, missing=rendered.missing, build_id=claim.build_id)


def _partial_build(ctx: Context, spec: ReportSpec, period: Period, formats: Sequence[str]) -> BuildResult:
    """A preview of a period not over: composed up to now, written apart, not claimed, not sent."""
    from dataclasses import replace

    from reporter.archive import write_report

    now = ctx.now()
    with ctx.store.runs.record("build", report=spec.slug, period=period.key) as run:
        report = compose_report(ctx, spec, period)
        report = replace(report, title=f"{report.title} — partial, up to {now:%-d %B %Y}")
        settings = ctx.config.settings
        rendered = render_with_settings(ctx, report, formats)
        paths = write_report(report, rendered.files, output_dir=settings.data_dir / PARTIAL_DIR, force=True)
        written = {k: str(v) for k, v in paths.items()}
        run.end("ok", detail={"partial_period": True, "files": written, "missing": rendered.missing})
    return BuildResult(report=report, files=written, missing=rendered.missing, partial=True)


def _files_gone(ctx: Context, spec: ReportSpec, period: Period) -> str | None:
    """Which files of a done build are missing from the disk ("japan-2025-11.pdf is"), or None."""
    existing = ctx.store.builds.get(spec.slug, period.key)
    missing = existing.missing_files() if existing is not None else []  # as `reporter status` says
    if not missing:
        return None
    return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'}"


def _skipped_build(ctx: Context, spec: ReportSpec, period: Period, run: RunRecord) -> BuildResult:
    """Record and return a build that was not done because it is done or under way elsewhere."""
    existing = ctx.store.builds.get(spec.slug, period.key)
    done = existing is not None and existing.status == "done"
    if existing is not None and done:
        when = f" on {existing.finished_at:%Y-%m-%d %H:%M} UTC" if existing.finished_at else ""
        skip = BuildSkip(True, f"already built{when}; --force rebuilds it", existing.paragraphs or 0)
    elif existing is not None:
        since = f"{existing.started_at:%Y-%m-%d %H:%M} UTC"
        skip = BuildSkip(False, f"being built by {existing.owner} since {since}")
    else:
        skip = BuildSkip(False, "being built by another process")
    run.end("skipped", detail={"reason": skip.reason, "build": existing.id if existing else None})
    log.info("%s %s: %s", spec.slug, period.key, skip.reason)
    # The stored report is not read back: callers get its title, period and files, and the skip.
    placeholder = Report(
        spec=spec,
        period=period,
        title=spec.title_for(period),
        generated=(existing.finished_at if existing and existing.finished_at else ctx.now()),
        overview=(),
        sections=(),
        sources=(),
    )
    return BuildResult(
        report=placeholder,
        files=dict(existing.files) if done and existing else {},
        skip=skip,
        build_id=existing.id if existing else None,
    )
