"""Stage 1, ingest: read the seeds and fetch the feeds into the store (and analyse what is new)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from reporter.config import Config
from reporter.models import SEED_SOURCE, FeedSpec, IngestResult, ReportSpec, SourceResult
from reporter.pipeline.analyze import ANALYZE_AT_INGEST_DAYS, analyze_stale
from reporter.pipeline.context import Context

log = logging.getLogger(__name__)


def ingest(
    ctx: Context,
    report: ReportSpec | None = None,
    *,
    analyze: bool = False,
) -> IngestResult:
    """Read the seeds and fetch the feeds of one report (or all), storing what is new (and analysing it)."""
    reports = [report] if report else list(ctx.config.reports)
    return ingest_sources(
        ctx,
        _feeds_of(ctx.config, reports),
        seeds=any(r.seeds for r in reports),
        report=report,
        analyze=reports if analyze else None,
    )


def ingest_sources(
    ctx: Context,
    feeds: Sequence[FeedSpec],
    *,
    seeds: bool,
    report: ReportSpec | None = None,
    analyze: Sequence[ReportSpec] | None = None,
) -> IngestResult:
    """Fetch these feeds (and read the seeds) into the store: one run of `ingest`, or one worker task."""
    results: list[SourceResult] = []
    ctx.progress.begin("ingest", len(feeds) + seeds, "sources")

    def done(result: SourceResult) -> None:
        said = f"{result.source}: {result.new_items} new" if result.ok else f"failed: {result.error}"
        ctx.progress.step("ingest", "done" if result.ok else "failed", said)
        if not ctx.progress.narrates:  # the scheduler, a worker, the web app: the log tells each source
            if not result.ok:
                log.info("%s", result.error)
            for warning in result.warnings:
                log.info("%s: %s", result.source, warning)

    with ctx.store.runs.record("ingest", report=report.slug if report else None) as run:
        try:
            if seeds:
                found = ingest_seeds(ctx)
                results.extend(found)
                done(found[0])
            if feeds:
                from reporter.sources.feeds import ingest_feeds
                from reporter.sources.fetch import FetchPolicy

                settings = ctx.config.settings
                results.extend(
                    ingest_feeds(
                        feeds,
                        store=ctx.store,
                        user_agent=settings.user_agent,
                        now=ctx.now(),
                        progress=done,
                        policy=FetchPolicy(
                            allow_private_networks=settings.allow_private_networks,
                            max_entry_chars=settings.max_entry_chars,
                        ),
                        bound=settings.ingest_timeout,
                    )
                )
        finally:
            ctx.progress.end("ingest")
        outcome = IngestResult(tuple(results))
        if analyze is not None:
            analyze_stale(ctx, analyze, since=ctx.now() - timedelta(days=ANALYZE_AT_INGEST_DAYS))
        run.end(
            "ok" if not outcome.failures else "partial",
            detail={
                "new_items": outcome.new_items,
                "failed": [f.source for f in outcome.failures],
                "sources": len(outcome.sources),
            },
        )
    return outcome


def ingest_seeds(ctx: Context) -> list[SourceResult]:
    """Read every seed file into the store; a file that cannot be read is reported and skipped."""
    from reporter.normalize import cut_note, normalize_entry
    from reporter.sources.seeds import read_seeds

    now = ctx.now()
    cap = ctx.config.settings.max_entry_chars
    entries, failures = read_seeds(ctx.config.settings.seeds_dir, now=now)
    items, notes = [], []
    for entry in entries:
        item, full_length = normalize_entry(entry, now=now, max_chars=cap)
        items.append(item)
        if full_length is not None:
            notes.append(f"{entry.path}: " + cut_note(item.title, full_length, cap))
    added = ctx.store.items.add(items, source=SEED_SOURCE)
    ok = SourceResult(SEED_SOURCE, ok=True, new_items=added.new, seen_items=added.seen, warnings=tuple(notes))
    return [ok, *failures]


def _feeds_of(config: Config, reports: Sequence[ReportSpec]) -> list[FeedSpec]:
    wanted = {name for r in reports for name in r.feeds}
    return [f for f in config.feeds if f.enabled and f.name in wanted]
