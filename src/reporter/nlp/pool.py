"""First analysis of many items on every core: worker processes each run the whole analyzer.

Not `nlp.pipe(n_process=N)`: spaCy's workers send every Doc back as bytes for the parent to rebuild,
and our post-processing (sniff, citations, dates, mentions) would then run in the parent alone. Here each
worker loads the pipeline once (forkserver: no fork of a parent holding threads or connections),
analyses chunks of items and returns the encoded records, so the parent only stores them. At most
two chunks per worker are in flight, so memory stays flat however many items there are.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from reporter.models import Item
from reporter.nlp.record import encode

CHUNK = 48  # items per task: large enough to amortise the hand-over, small enough to keep order cheap
IN_FLIGHT = 2  # tasks per worker queued ahead
MIN_CHUNK = 4  # the smallest chunk at the end of a batch

# The one analyzer of a worker process, made by `_start` (a pool worker's state, never the parent's).
_worker_analyzer: Any = None


def default_workers() -> int:
    """One worker per core this process may use, at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def analyze_in_pool(
    items: Iterable[Item], *, workers: int, model: str | None = None
) -> Iterator[tuple[Item, str, bytes]]:
    """(item, analyzer version, encoded record) for each item, in order, analysed by `workers` processes."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(model,)
    ) as pool:
        pending: deque[tuple[list[Item], Future]] = deque()
        for chunk in _chunks(items, CHUNK, workers):
            pending.append((chunk, pool.submit(_analyze_chunk, chunk)))
            if len(pending) >= workers * IN_FLIGHT:
                yield from _collect(*pending.popleft())
        while pending:
            yield from _collect(*pending.popleft())


def _collect(chunk: list[Item], future: Future) -> Iterator[tuple[Item, str, bytes]]:
    version, encoded = future.result()
    for item, data in zip(chunk, encoded, strict=True):
        yield item, version, data


def _chunks(items: Iterable[Item], size: int, workers: int = 1) -> Iterator[list[Item]]:
    """Items in lists of `size`; of a list of known length, smaller towards its end.

    The last chunks shrink (to a share of what is left per worker, at least MIN_CHUNK) so that the
    workers finish together instead of one analysing a whole chunk while the others wait.
    """
    known = isinstance(items, Sequence)
    chunk: list[Item] = []
    left = len(items) if isinstance(items, Sequence) else 0
    limit = size
    for item in items:
        if not chunk and known:
            limit = max(MIN_CHUNK, min(size, left // (workers * IN_FLIGHT)))
        chunk.append(item)
        left -= 1
        if len(chunk) >= limit:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _start(model: str | None) -> None:
    """Pool initializer: load the analyzer once in this worker."""
    global _worker_analyzer
    from reporter.nlp.analyze import Analyzer

    _worker_analyzer = Analyzer.create(model)


def _analyze_chunk(chunk: list[Item]) -> tuple[str, list[bytes]]:
    """In a worker: analyse a chunk and encode each record."""
    analyzer = _worker_analyzer
    return analyzer.version, [encode(record) for record in analyzer.read(chunk)]
