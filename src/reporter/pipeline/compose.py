"""Stage 3, compose: the items near a period, analysed and placed, composed into a Report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from reporter.models import Period, Report, ReportSpec
from reporter.pipeline.analyze import analysed, sources_of
from reporter.pipeline.context import Context


def compose_report(ctx: Context, spec: ReportSpec, period: Period) -> Report:
    """Analyze the items near the period and compose the report (nothing is published).

    The story vectors the composer had to make are kept in the store, for the next build to read.
    """
    from reporter.compose import compose
    from reporter.nlp import storyvectors

    # A margin either side: digests published just after a period report on it, and the
    # composer records what falls outside with its reason.
    items = ctx.store.items.for_sources(
        sources_of([spec]),
        since=period.start_dt - timedelta(days=62),
        until=period.end_dt + timedelta(days=31),
    )
    pairs = analysed(ctx, items)
    vectors = storyvectors.Known(
        storyvectors.stored(record.vector for _, record in pairs), lookup=ctx.store.vectors.get
    )
    report = compose(
        list(ctx.placer().place_all(pairs, spec)),
        spec,
        period,
        now=ctx.now(),
        problems=feed_problems(ctx, spec),
        previous_counts=previous_counts(ctx.config.settings.output_dir, spec, period),
        vectors=vectors,
    )
    ctx.store.vectors.save(vectors.made)  # the tellings it embedded: the next build reads them
    return report


def previous_counts(output_dir: Path, spec: ReportSpec, period: Period) -> dict[str, int] | None:
    """Items per section in the period before, from its published JSON; None if there is none."""
    import json

    last = period.previous()
    path = output_dir / spec.slug / last.key / f"{spec.slug}-{last.key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {row["section"]: int(row["items"]) for row in data.get("coverage", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def feed_problems(ctx: Context, spec: ReportSpec) -> tuple[str, ...]:
    """One line per feed of this report whose last fetch failed, to be said in the report."""
    wanted = set(spec.feeds)
    return tuple(
        f"{state.name}: {state.last_error}"
        for state in ctx.store.feeds.all()
        if state.name in wanted and state.last_error and state.consecutive_failures > 0
    )
