"""The outbox: one row per (build, subscriber), claimed before sending, so nobody gets a report twice.

A row is `pending` until a sender claims it (`sending`, committed *before* the SMTP transaction),
then `sent` (after the server's 250), `pending` again with a `next_attempt_at` after a temporary
failure, or `failed` after a permanent one. A row still `sending` when no sender is running was
left by a crash: the server may or may not have the message, so it is never resent unless the
caller asks (see reporter.deliver.outbox).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Insert, and_, func, insert, or_, select, update

from reporter.store.schema import deliveries

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row."""

    id: int
    build_id: int
    subscriber_id: int
    status: str  # pending | sending | sent | failed
    attempts: int
    message_id: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime | None
    sent_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one claimed delivery ended: sent, deferred (pending again, with a time) or failed."""

    delivery_id: int
    status: str  # sent | pending | failed
    at: datetime
    error: str | None = None
    next_attempt_at: datetime | None = None
    backoff: float | None = None


_FIELDS = (
    "id", "build_id", "subscriber_id", "status", "attempts", "message_id", "last_error",
    "created_at", "updated_at", "sent_at", "next_attempt_at",
)  # fmt: skip


def _columns() -> list:
    return [deliveries.c[f] for f in _FIELDS]


def _among(only: Collection[int] | None) -> list:
    """The where-clause that keeps a batch's rows (none when the run covers every subscriber)."""
    return [] if only is None else [deliveries.c.subscriber_id.in_(list(only))]


class DeliveryRepo:
    """Reads and advances outbox rows; every change of state is its own committed transaction."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def enqueue(self, build_id: int, subscriber_ids: Iterable[int], *, now: datetime | None = None) -> int:
        """Create a pending row for each subscriber that has none for this build; returns how many."""
        now = now or datetime.now(UTC)
        wanted = list(dict.fromkeys(subscriber_ids))
        if not wanted:
            return 0
        with self._engine.begin() as conn:
            have = set(
                conn.scalars(select(deliveries.c.subscriber_id).where(deliveries.c.build_id == build_id))
            )
            fresh = [s for s in wanted if s not in have]
            if fresh:
                conn.execute(
                    self._insert_ignoring_duplicates(conn),
                    [
                        {
                            "build_id": build_id,
                            "subscriber_id": s,
                            "status": PENDING,
                            "attempts": 0,
                            "created_at": now,
                        }
                        for s in fresh
                    ],
                )
        return len(fresh)

    @staticmethod
    def _insert_ignoring_duplicates(conn: Connection) -> Insert:
        # Two senders enqueueing the same build at once must not fail on the unique constraint.
        if conn.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        elif conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            return insert(deliveries)
        return dialect_insert(deliveries).on_conflict_do_nothing(
            index_elements=[deliveries.c.build_id, deliveries.c.subscriber_id]
        )

    def for_build(self, build_id: int, *, only: Collection[int] | None = None) -> list[Delivery]:
        """Every row of a build (of these subscribers, if `only`), in subscriber order."""
        query = (
            select(*_columns())
            .where(deliveries.c.build_id == build_id, *_among(only))
            .order_by(deliveries.c.subscriber_id)
        )
        with self._engine.connect() as conn:
            return [Delivery(*r) for r in conn.execute(query)]

    def get(self, build_id: int, subscriber_id: int) -> Delivery | None:
        """One row."""
        query = select(*_columns()).where(
            deliveries.c.build_id == build_id, deliveries.c.subscriber_id == subscriber_id
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return Delivery(*row) if row else None

    def due(
        self,
        build_id: int,
        *,
        now: datetime,
        include_unknown: bool = False,
        only: Collection[int] | None = None,
    ) -> list[Delivery]:
        """Rows to try now: pending and due, plus ones left `sending` by a crash if asked."""
        ready = and_(
            deliveries.c.status == PENDING,
            or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= now),
        )
        condition = or_(ready, deliveries.c.status == SENDING) if include_unknown else ready
        query = (
            select(*_columns())
            .where(deliveries.c.build_id == build_id, condition, *_among(only))
            .order_by(deliveries.c.subscriber_id)
        )
        with self._engine.connect() as conn:
            return [Delivery(*r) for r in conn.execute(query)]

    def next_due(self, build_id: int, *, only: Collection[int] | None = None) -> datetime | None:
        """When the earliest deferred row of a build comes due (perhaps already), if any is waiting."""
        query = select(func.min(deliveries.c.next_attempt_at)).where(
            deliveries.c.build_id == build_id, deliveries.c.status == PENDING, *_among(only)
        )
        with self._engine.connect() as conn:
            return conn.scalar(query)

    def claim(
        self,
        delivery_id: int,
        *,
        message_id: str,
        now: datetime,
        include_unknown: bool = False,
        after: Outcome | None = None,
    ) -> bool:
        """Mark a row `sending` (committed before any SMTP traffic); False if another sender has it.

        `after`, the outcome of the previous message, is committed in the same transaction: one
        commit per message instead of two, with the same guarantees.
        """
        allowed = [PENDING, SENDING] if include_unknown else [PENDING]
        with self._engine.begin() as conn:
            if after is not None:
                self._finish(conn, after)
            done = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id, deliveries.c.status.in_(allowed))
                .values(
                    status=SENDING,
                    attempts=deliveries.c.attempts + 1,
                    message_id=message_id,
                    updated_at=now,
                )
            )
        return done.rowcount == 1

    def finish(self, outcome: Outcome) -> None:
        """Record how a claimed row ended."""
        with self._engine.begin() as conn:
            self._finish(conn, outcome)

    @staticmethod
    def _finish(conn: Connection, outcome: Outcome) -> None:
        values: dict[str, object] = {
            "status": outcome.status,
            "updated_at": outcome.at,
            "last_error": outcome.error,
            "next_attempt_at": outcome.next_attempt_at,
        }
        if outcome.status == SENT:
            values["sent_at"] = outcome.at
        if outcome.backoff is not None:
            values["backoff"] = outcome.backoff
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == outcome.delivery_id, deliveries.c.status == SENDING)
            .values(**values)
        )

    def counts(self, build_id: int) -> dict[str, int]:
        """How many rows of a build are in each status."""
        query = (
            select(deliveries.c.status, func.count())
            .where(deliveries.c.build_id == build_id)
            .group_by(deliveries.c.status)
        )
        with self._engine.connect() as conn:
            return {status: n for status, n in conn.execute(query)}

    def subscribers_with(self, build_id: int, statuses: Iterable[str]) -> set[int]:
        """The subscribers whose row for this build is in one of these statuses."""
        query = select(deliveries.c.subscriber_id).where(
            deliveries.c.build_id == build_id, deliveries.c.status.in_(list(statuses))
        )
        with self._engine.connect() as conn:
            return set(conn.scalars(query))
