"""Stored analyses for a set of items: read what the store has, analyse the rest once, and keep it.

Builds call `analyses_for` (their window's items); the ingest job and `reporter analyze --stale` call
`analyse_stale`. Many items at once go to worker processes (`nlp/pool.py`); a few are analysed here,
with the analyzer the caller made (loaded only when something needs analysing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reporter.models import Item
from reporter.nlp.record import ItemAnalysis, decode

if TYPE_CHECKING:
    from reporter.nlp.analyze import Analyzer
    from reporter.store import Store

log = logging.getLogger(__name__)

PARALLEL_MIN = 200  # fewer items than this are analysed in-process: starting workers costs seconds
SAVE_EVERY = 200  # records per write transaction


@dataclass(frozen=True, slots=True)
class Analysing:
    """How to analyse: the store, the current version, the analyzer (made on demand), the workers."""

    store: Store
    version: str
    analyzer: Callable[[], Analyzer]
    workers: int = 1
    model: str | None = None  # the spaCy model worker processes load (None: the first installed)
    parallel_min: int = PARALLEL_MIN


@dataclass(frozen=True, slots=True)
class AnalyseOutcome:
    """What one analysis step did: items analysed now, and items whose stored analysis was reused."""

    analysed: int
    reused: int = 0


def analyses_for(how: Analysing, items: Sequence[Item]) -> list[tuple[Item, ItemAnalysis]]:
    """Each item with its analysis: the stored one if current, else made now (and stored)."""
    found = how.store.analyses.load(items, how.version)
    missing = [i for i in items if i.id not in found]
    if missing:
        log.info("analysing %d of %d items (%d stored)", len(missing), len(items), len(found))
        for item, record in _analyse(how, missing, keep=True):
            found[item.id] = record  # type: ignore[assignment]
    return [(item, found[item.id]) for item in items]


def analyse_stale(how: Analysing, stale: Sequence[Item]) -> AnalyseOutcome:
    """Analyse and store these items (those with no current analysis), keeping nothing in memory."""
    done = sum(1 for _ in _analyse(how, stale, keep=False))
    return AnalyseOutcome(analysed=done)


def _analyse(
    how: Analysing, items: Sequence[Item], *, keep: bool
) -> Iterator[tuple[Item, ItemAnalysis | None]]:
    """Analyse items (in worker processes when there are many), storing them as they come."""
    done = 0
    if how.workers > 1 and len(items) >= how.parallel_min:
        from concurrent.futures.process import BrokenProcessPool

        try:
            for item, record in _in_pool(how, items, keep=keep):
                done += 1
                yield item, record
            return
        except BrokenProcessPool as exc:
            # A worker died (killed, out of memory): what it had is lost, not what was stored.
            log.warning("an analysis worker died (%s); analysing the remaining %d items here", exc,
                        len(items) - done)  # fmt: skip
    yield from _here(how, items[done:], keep=keep)


def _in_pool(
    how: Analysing, items: Sequence[Item], *, keep: bool
) -> Iterator[tuple[Item, ItemAnalysis | None]]:
    """Analyse in worker processes; each record is stored (in batches) before it is handed on."""
    from reporter.nlp.pool import analyze_in_pool

    batch: list[tuple[Item, str, bytes]] = []
    ready: list[tuple[Item, ItemAnalysis | None]] = []
    warned = False
    try:
        for item, version, data in analyze_in_pool(items, workers=how.workers, model=how.model):
            if version != how.version and not warned:
                log.warning("worker analyzer version %s differs from %s", version, how.version)
                warned = True
            batch.append((item, version, data))
            ready.append((item, decode(data) if keep else None))
            if len(batch) >= SAVE_EVERY:
                how.store.analyses.save_encoded(batch)
                yield from ready
                batch, ready = [], []
    finally:
        how.store.analyses.save_encoded(batch)
    yield from ready


def _here(how: Analysing, items: Sequence[Item], *, keep: bool) -> Iterator[tuple[Item, ItemAnalysis | None]]:
    """Analyse in this process, with the caller's analyzer."""
    if not items:
        return
    analyzer = how.analyzer()
    pending: list[tuple[Item, ItemAnalysis]] = []
    for item, record in zip(items, analyzer.read(items), strict=True):
        pending.append((item, record))
        if len(pending) >= SAVE_EVERY:
            how.store.analyses.save(pending)
            pending = []
        yield item, record if keep else None
    how.store.analyses.save(pending)
