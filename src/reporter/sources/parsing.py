"""Where feeds are parsed: on the calling thread for a few, in worker processes for many.

feedparser is pure Python and holds the GIL, so with many feeds the fetching threads would wait on it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from reporter.sources.fetch import FetchPolicy


def parse_workers(policy: FetchPolicy, feeds: int) -> int:
    """How many processes parse: none for a handful of feeds (starting one costs more than it saves)."""
    if policy.parse_workers is not None:
        return policy.parse_workers
    return 0 if feeds < 16 else min(4, os.cpu_count() or 1)


@contextmanager
def parser_pool(workers: int) -> Iterator[Executor]:
    """feedparser is pure Python and holds the GIL: parse in worker processes when there are many feeds."""
    if workers <= 0:
        yield _Inline()
        return
    pool = _LazyProcessPool(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _LazyProcessPool(Executor):
    """A process pool started on the first job: a run where every feed answers 304 starts none."""

    def __init__(self, workers: int):
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue the job in a worker process."""
        if self._pool is None:
            # spawn, not fork: this process has threads (the fetchers) and open database connections.
            self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers, if any were started."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class _Inline(Executor):
    """An executor that runs each job at once, on the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run the job now; the Future holds its result or its exception."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future
