"""The history of ingests, builds and sends, for `reporter runs`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from reporter.store.schema import runs


@dataclass(frozen=True, slots=True)
class Run:
    """One recorded run."""

    id: int
    kind: str
    report: str | None
    period: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    detail: dict[str, Any]
    error: str | None

    @property
    def duration(self) -> float | None:
        """Seconds the run took, once finished."""
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


@dataclass
class RunRecord:
    """A run being recorded: the stage says how it ended with `end`; an exception records `failed`."""

    id: int
    status: str = "ok"
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def end(self, status: str, *, detail: dict[str, Any] | None = None, error: str | None = None) -> None:
        """Say how the run ended (recorded when the `with` block exits)."""
        self.status, self.detail, self.error = status, dict(detail or {}), error


class RunRepo:
    """Records runs as they start and finish."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def start(self, kind: str, *, report: str | None = None, period: str | None = None) -> int:
        """Record that a run started; returns its id."""
        with self._engine.begin() as conn:
            result = conn.execute(
                insert(runs).values(
                    kind=kind, report=report, period=period, status="running", started_at=datetime.now(UTC)
                )
            )
            return int(result.inserted_primary_key[0])

    def finish(
        self, run_id: int, status: str, *, detail: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        """Record how a run ended."""
        with self._engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=datetime.now(UTC),
                    detail=json.dumps(detail or {}, default=str),
                    error=error,
                )
            )

    @contextmanager
    def record(
        self, kind: str, *, report: str | None = None, period: str | None = None
    ) -> Iterator[RunRecord]:
        """Record one run of a stage around a `with` block: `ok` unless told otherwise, `failed` on error."""
        run = RunRecord(self.start(kind, report=report, period=period))
        try:
            yield run
        except BaseException as exc:
            error = run.error or f"{type(exc).__name__}: {exc}"
            self.finish(run.id, "failed", detail=run.detail or None, error=error)
            raise
        self.finish(run.id, run.status, detail=run.detail, error=run.error)

    def recent(
        self,
        limit: int = 50,
        *,
        kind: str | None = None,
        report: str | None = None,
        since: datetime | None = None,
    ) -> list[Run]:
        """The latest runs, newest first; only those of this kind, report and start time if given."""
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(runs.c.kind == kind)
        if report is not None:
            query = query.where(runs.c.report == report)
        if since is not None:
            query = query.where(runs.c.started_at >= since)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Run(
                id=r.id,
                kind=r.kind,
                report=r.report,
                period=r.period,
                status=r.status,
                started_at=r.started_at,
                finished_at=r.finished_at,
                detail=json.loads(r.detail) if r.detail else {},
                error=r.error,
            )
            for r in rows
        ]
