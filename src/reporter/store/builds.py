"""Build claims: one row per (report, period), claimed before building, so a report is built once.

A claim is a compare-and-swap on the row: inserting it (the unique key on report and period makes a
second inserter lose), or moving a `failed` row (or, with force, a `done` one; or a `running` one
whose owner is gone) back to `running` with the attempt number as its version. Whoever holds the
claim builds; everyone else gets None. The owner names the host, the process id and the process's
start time, so a claim left `running` by a crash can be recognised and failed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from reporter.store.owners import owner_alive, process_owner
from reporter.store.schema import builds

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
# A running claim whose heartbeat is older than this is taken to be dead (its owner may be on
# another machine, where we cannot look for its process).
STALE_AFTER = timedelta(minutes=10)
HEARTBEAT_EVERY = 30.0  # seconds; well inside STALE_AFTER


@dataclass(frozen=True, slots=True)
class Build:
    """One build record: where the build of (report, period) stands."""

    id: int
    report: str
    period: str
    status: str  # running | done | failed
    attempt: int
    owner: str | None
    started_at: datetime
    heartbeat_at: datetime | None
    finished_at: datetime | None
    error: str | None
    files: dict[str, str] = field(default_factory=dict)
    paragraphs: int | None = None

    def missing_files(self) -> list[str]:
        """The names of this done build's files that are no longer on the disk (the disk wins)."""
        if self.status != "done":
            return []
        return sorted(Path(path).name for path in self.files.values() if not Path(path).exists())


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to build one (report, period): held by one owner, for one attempt."""

    build_id: int
    report: str
    period: str
    owner: str
    attempt: int


def _now() -> datetime:
    return datetime.now(UTC)


def _row_to_build(r) -> Build:  # r: a SQLAlchemy Row, private to this module
    return Build(
        id=r.id,
        report=r.report,
        period=r.period,
        status=r.status,
        attempt=r.attempt,
        owner=r.owner,
        started_at=r.started_at,
        heartbeat_at=r.heartbeat_at,
        finished_at=r.finished_at,
        error=r.error,
        files=json.loads(r.files) if r.files else {},
        paragraphs=r.paragraphs,
    )


class BuildRepo:
    """Claims, heartbeats and finishes builds; every change of state is one committed statement."""

    def __init__(self, engine: Engine):
        self._engine = engine

    # --- reading ---------------------------------------------------------------------------------

    def get(self, report: str, period: str) -> Build | None:
        """The build record of (report, period), if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(builds).where(builds.c.report == report, builds.c.period == period)
            ).first()
        return _row_to_build(row) if row else None

    def recent(self, limit: int = 50, *, status: str | None = None) -> list[Build]:
        """The latest build records (by id), newest first; only those in `status` if given."""
        query = select(builds).order_by(builds.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(builds.c.status == status)
        with self._engine.connect() as conn:
            return [_row_to_build(r) for r in conn.execute(query)]

    def of_report(self, report: str) -> list[Build]:
        """Every build record of one report, latest period first."""
        query = select(builds).where(builds.c.report == report).order_by(builds.c.period.desc())
        with self._engine.connect() as conn:
            return [_row_to_build(r) for r in conn.execute(query)]

    def latest(self, report: str) -> Build | None:
        """The build of the report's latest period, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(builds).where(builds.c.report == report).order_by(builds.c.period.desc()).limit(1)
            ).first()
        return _row_to_build(row) if row else None

    # --- claiming --------------------------------------------------------------------------------

    def claim(
        self,
        report: str,
        period: str,
        owner: str,
        *,
        force: bool = False,
        stale_after: timedelta = STALE_AFTER,
        now: datetime | None = None,
    ) -> Claim | None:
        """Claim the build of (report, period) for `owner`, or None if it is done or being built.

        A failed build is claimed again; a done one only with `force`; a running one only when its
        owner is gone or its heartbeat is older than `stale_after`.
        """
        now = now or _now()
        for _ in range(3):  # lost races re-read the row; three is plenty for two contenders
            existing = self.get(report, period)
            if existing is None:
                try:
                    with self._engine.begin() as conn:
                        result = conn.execute(
                            insert(builds).values(
                                report=report,
                                period=period,
                                status=RUNNING,
                                attempt=1,
                                owner=owner,
                                started_at=now,
                                heartbeat_at=now,
                            )
                        )
                        build_id = int(result.inserted_primary_key[0])
                except IntegrityError:
                    continue  # someone inserted it between our read and our insert
                return Claim(build_id, report, period, owner, 1)
            if not self._claimable(existing, force=force, stale_after=stale_after, now=now):
                return None
            if existing.status == RUNNING:
                log.warning(
                    "taking over the build of %s %s from %s (last heartbeat %s)",
                    report, period, existing.owner, existing.heartbeat_at,
                )  # fmt: skip
            taken = self._swap(existing, owner, now)
            if taken is not None:
                return taken
        return None

    @staticmethod
    def _claimable(b: Build, *, force: bool, stale_after: timedelta, now: datetime) -> bool:
        if b.status == FAILED:
            return True
        if b.status == DONE:
            return force
        return is_stale(b, stale_after=stale_after, now=now)

    def _swap(self, b: Build, owner: str, now: datetime) -> Claim | None:
        """Move the row from the state we read to running, if nobody changed it meanwhile."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(builds)
                .where(builds.c.id == b.id, builds.c.status == b.status, builds.c.attempt == b.attempt)
                .values(
                    status=RUNNING,
                    attempt=b.attempt + 1,
                    owner=owner,
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=None,
                    error=None,
                )
            )
        if result.rowcount != 1:
            return None
        return Claim(b.id, b.report, b.period, owner, b.attempt + 1)

    def _held(self, claim: Claim):  # a SQLAlchemy where-clause
        return and_(
            builds.c.id == claim.build_id,
            builds.c.status == RUNNING,
            builds.c.owner == claim.owner,
            builds.c.attempt == claim.attempt,
        )

    def heartbeat(self, claim: Claim, *, now: datetime | None = None) -> bool:
        """Say the claim is still being worked on; False if it was lost (failed or taken over)."""
        with self._engine.begin() as conn:
            result = conn.execute(update(builds).where(self._held(claim)).values(heartbeat_at=now or _now()))
        return result.rowcount == 1

    def finish(
        self,
        claim: Claim,
        files: Mapping[str, str],
        paragraphs: int,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Mark the build done with its files; False if the claim had been lost meanwhile."""
        now = now or _now()
        with self._engine.begin() as conn:
            result = conn.execute(
                update(builds)
                .where(self._held(claim))
                .values(
                    status=DONE,
                    finished_at=now,
                    heartbeat_at=now,
                    error=None,
                    files=json.dumps(dict(files)),
                    paragraphs=paragraphs,
                )
            )
        if result.rowcount != 1:
            log.warning("the claim on %s %s was lost before it finished", claim.report, claim.period)
        return result.rowcount == 1

    def fail(self, claim: Claim, error: str, *, now: datetime | None = None) -> bool:
        """Mark the build failed (to be retried); False if the claim had been lost meanwhile."""
        now = now or _now()
        with self._engine.begin() as conn:
            result = conn.execute(
                update(builds).where(self._held(claim)).values(status=FAILED, finished_at=now, error=error)
            )
        return result.rowcount == 1

    # --- recovery --------------------------------------------------------------------------------

    def fail_owned_by(self, owner: str, error: str, *, now: datetime | None = None) -> list[Build]:
        """Fail every running claim this owner holds (a process abandoning its work); returns them."""
        with self._engine.connect() as conn:
            held = [
                _row_to_build(r)
                for r in conn.execute(
                    select(builds).where(builds.c.status == RUNNING, builds.c.owner == owner)
                )
            ]
        return [b for b in held if self._fail_row(b, error, now or _now())]

    def recover(
        self,
        *,
        stale_after: timedelta = STALE_AFTER,
        now: datetime | None = None,
        alive: Callable[[str | None], bool | None] | None = None,
    ) -> list[Build]:
        """Fail every running claim whose owner is gone or silent too long; returns those failed."""
        now = now or _now()
        failed: list[Build] = []
        for b in self.recent(10_000, status=RUNNING):
            if is_stale(b, stale_after=stale_after, now=now, alive=alive):
                last = b.heartbeat_at or b.started_at
                gone = (alive or owner_alive)(b.owner) is False
                reason = (
                    "abandoned: its process is gone"
                    if gone
                    else f"abandoned: no heartbeat since {last:%Y-%m-%d %H:%M:%S} UTC"
                )
                if self._fail_row(b, reason, now):
                    log.warning(
                        "build %s %s by %s %s; it will be retried", b.report, b.period, b.owner, reason
                    )
                    failed.append(b)
        return failed

    def _fail_row(self, b: Build, error: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(builds)
                .where(builds.c.id == b.id, builds.c.status == RUNNING, builds.c.attempt == b.attempt)
                .values(status=FAILED, finished_at=now, error=error)
            )
        return result.rowcount == 1

    def failed(self, *, max_attempts: int | None = None) -> list[Build]:
        """Failed builds, oldest period first, optionally only those tried fewer than max_attempts."""
        query = select(builds).where(builds.c.status == FAILED).order_by(builds.c.period, builds.c.id)
        if max_attempts is not None:
            query = query.where(builds.c.attempt < max_attempts)
        with self._engine.connect() as conn:
            return [_row_to_build(r) for r in conn.execute(query)]

    @contextmanager
    def keep_alive(self, claim: Claim, *, every: float = HEARTBEAT_EVERY) -> Iterator[threading.Event]:
        """Heartbeat the claim from a background thread while the block runs.

        Yields an event that is set if the claim is lost (another process declared it stale).
        """
        stop = threading.Event()
        lost = threading.Event()

        def beat() -> None:
            while not stop.wait(every):
                try:
                    if not self.heartbeat(claim):
                        lost.set()
                        log.warning("lost the claim on %s %s", claim.report, claim.period)
                        return
                except Exception:  # a database hiccup must not kill the build; the next beat retries
                    log.exception("heartbeat for %s %s failed", claim.report, claim.period)

        thread = threading.Thread(target=beat, name=f"heartbeat-{claim.report}-{claim.period}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join(timeout=5)


def is_stale(
    b: Build,
    *,
    stale_after: timedelta = STALE_AFTER,
    now: datetime | None = None,
    alive: Callable[[str | None], bool | None] | None = None,
) -> bool:
    """Whether a running build has been abandoned: its process is gone, or its heartbeat is too old."""
    if b.status != RUNNING:
        return False
    if (alive or owner_alive)(b.owner) is False:
        return True
    last = b.heartbeat_at or b.started_at
    return (now or _now()) - last > stale_after


__all__ = [
    "DONE",
    "FAILED",
    "RUNNING",
    "STALE_AFTER",
    "Build",
    "BuildRepo",
    "Claim",
    "is_stale",
    "owner_alive",
    "process_owner",
]
