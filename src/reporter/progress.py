"""Progress of the long stages (ingest, analysis, rendering, sending), told to whoever is watching.

The pipeline and delivery call these three methods; the command line shows a Rich bar on a terminal
and plain lines otherwise (cli/progress.py). Nothing is shown when nobody asked (`NO_PROGRESS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    """Where stages report: begin with a total (or None), one step per unit of work, then end."""

    # True when each step's detail is shown as it happens (the command line with -v): then a log line
    # saying the same (a feed failed) would say it twice, so the stage leaves it out.
    narrates: bool

    def begin(self, stage: str, total: int | None, unit: str) -> None:
        """A stage starts: 'ingest', 12, 'feeds'."""

    def step(self, stage: str, outcome: str = "done", detail: str | None = None) -> None:
        """One unit done; `outcome` is 'done', 'failed', 'sent', 'deferred'...; `detail` names it."""

    def end(self, stage: str) -> None:
        """The stage is over."""


class _Silent:
    narrates = False

    def begin(self, stage: str, total: int | None, unit: str) -> None:
        return None

    def step(self, stage: str, outcome: str = "done", detail: str | None = None) -> None:
        return None

    def end(self, stage: str) -> None:
        return None


NO_PROGRESS: Progress = _Silent()


def counted(
    progress: Progress, stage: str, items: Iterable[T], *, total: int | None, unit: str
) -> Iterator[T]:
    """Yield the items, stepping the stage once per item (begun before the first, ended after the last)."""
    progress.begin(stage, total, unit)
    try:
        for item in items:
            yield item
            progress.step(stage)
    finally:
        progress.end(stage)
