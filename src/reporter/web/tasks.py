"""Background work started from the operator's pages (builds, feed refreshes), one at a time.

A build is heavy and shares the analyzer, so tasks run on one worker thread in start order; the
pages poll a task's state until it is done.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reporter.errors import ReporterError

if TYPE_CHECKING:
    from reporter.pipeline import Context

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass
class Task:
    """One piece of background work and where it stands."""

    id: int
    kind: str  # build | refresh
    label: str
    status: str = QUEUED
    stage: str = "waiting for the task before it"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    hint: str | None = None
    links: dict[str, str] = field(default_factory=dict)  # what it made: label → address
    summary: str = ""

    @property
    def finished(self) -> bool:
        """Whether it is done or failed."""
        return self.status in (DONE, FAILED)


class TaskRunner:
    """Runs tasks on one thread; `lock` is also held by builds from the API, so they never overlap."""

    def __init__(self, *, keep: int = 50):
        self.lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reporter-task")
        self._tasks: dict[int, Task] = {}
        self._ids = itertools.count(1)
        self._keep = keep

    def start(self, kind: str, label: str, work: Callable[[Task], None]) -> Task:
        """Queue `work(task)`; it sets task.stage, links and summary as it goes."""
        task = Task(id=next(self._ids), kind=kind, label=label)
        self._tasks[task.id] = task
        for old in sorted(self._tasks)[: max(0, len(self._tasks) - self._keep)]:
            if self._tasks[old].finished:
                del self._tasks[old]
        self._pool.submit(self._run, task, work)
        return task

    def _run(self, task: Task, work: Callable[[Task], None]) -> None:
        with self.lock:
            task.status, task.stage, task.started_at = RUNNING, "starting", datetime.now(UTC)
            try:
                work(task)
                task.status = DONE
            except ReporterError as exc:
                task.status, task.error, task.hint = FAILED, str(exc), exc.hint
            except Exception as exc:  # a bug: say so on the page, keep the server up
                log.exception("task %s (%s) failed", task.id, task.label)
                task.status, task.error = FAILED, f"{type(exc).__name__}: {exc}"
            finally:
                task.finished_at = datetime.now(UTC)
                task.stage = "finished"

    def get(self, task_id: int) -> Task | None:
        """A task by id (recent ones only)."""
        return self._tasks.get(task_id)

    def recent(self) -> list[Task]:
        """The tasks kept, newest first."""
        return sorted(self._tasks.values(), key=lambda t: t.id, reverse=True)

    def close(self) -> None:
        """Let the running task finish; drop the queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class TaskProgress:
    """The pipeline's progress (reporter.progress.Progress) written to a task, for its page."""

    narrates = False  # the page shows the latest step only: the log keeps every feed's outcome

    def __init__(self, task: Task):
        self.task = task
        self._counts: dict[str, list] = {}  # stage → [done, total, unit]

    def begin(self, stage: str, total: int | None, unit: str) -> None:
        """A stage starts."""
        self._counts[stage] = [0, total, unit]
        self.task.stage = f"{stage}: starting"

    def step(self, stage: str, outcome: str = "done", detail: str | None = None) -> None:
        """One unit of a stage is done: '3 of 12 sources (nhk: done)'."""
        count = self._counts.setdefault(stage, [0, None, "steps"])
        count[0] += 1
        of = f" of {count[1]}" if count[1] else ""
        said = f" ({detail}: {outcome})" if detail else ""
        self.task.stage = f"{stage}: {count[0]}{of} {count[2]}{said}"

    def end(self, stage: str) -> None:
        """A stage is over."""
        self.task.stage = f"{stage}: done"


@contextlib.contextmanager
def reporting_to(ctx: Context, task: Task) -> Iterator[None]:
    """Send the context's progress to the task while it runs (tasks run one at a time, under the lock)."""
    before = ctx.progress
    ctx.progress = TaskProgress(task)
    try:
        yield
    finally:
        ctx.progress = before
