"""Stage 2, analyze: each stored item analysed once, then placed in a report's sections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from reporter.models import SEED_SOURCE, ReportSpec
from reporter.progress import counted

if TYPE_CHECKING:
    from reporter.models import Analysis, Item
    from reporter.nlp.record import ItemAnalysis
    from reporter.nlp.stored import AnalyseOutcome
    from reporter.pipeline.context import Context

# Items this recent are analysed when ingested; older ones when a build first needs them.
ANALYZE_AT_INGEST_DAYS = 100


def analyze_stale(
    ctx: Context,
    reports: Sequence[ReportSpec] | None = None,
    *,
    since: datetime | None = None,
    reanalyze: bool = False,
) -> AnalyseOutcome:
    """Analyse the stored items of these reports' sources (or all) that have no current analysis.

    With `reanalyze`, every such item is analysed again, whatever is stored.
    """
    from reporter.nlp.stored import analyse_stale

    how = ctx.analysing()
    sources = None if reports is None else sources_of(reports)
    stale = ctx.store.analyses.stale(None if reanalyze else how.version, sources=sources, since=since)
    return analyse_stale(how, stale)


def analyses_for(ctx: Context, items: Sequence[Item], spec: ReportSpec) -> list[Analysis]:
    """The items' analyses placed in one report's sections: stored ones read, missing ones made once."""
    return list(ctx.placer().place_all(analysed(ctx, items), spec))


def analysed(ctx: Context, items: Sequence[Item]) -> list[tuple[Item, ItemAnalysis]]:
    """Each item with its stored analysis (made now if missing), counted for the progress display."""
    from reporter.nlp.stored import analyses_for as stored_analyses

    pairs = stored_analyses(ctx.analysing(), items)
    return list(counted(ctx.progress, "analysis", pairs, total=len(items), unit="items"))


def sources_of(reports: Sequence[ReportSpec]) -> list[str]:
    sources = {name for r in reports for name in r.feeds}
    if any(r.seeds for r in reports):
        sources.add(SEED_SOURCE)
    return sorted(sources)
