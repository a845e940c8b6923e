"""Subscribers and their per-report subscriptions in the store: no duplicates, recorded consent, CSV import.

What a subscription is (formats, consent, a valid address, its CSV row) is store/subscription.py.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, update

from reporter.store.schema import subscribers, subscriptions
from reporter.store.subscription import (
    CONSENT_SOURCES,
    ImportResult,
    SubscriberError,
    Subscription,
    check_format,
    normalize_email,
)

_COLUMNS = (
    subscriptions.c.subscriber_id,
    subscribers.c.email,
    subscribers.c.name,
    subscriptions.c.report,
    subscriptions.c.format,
    subscriptions.c.created_at,
    subscriptions.c.unsubscribed_at,
    subscriptions.c.consent_source,
    subscriptions.c.consent_at,
    subscriptions.c.consent_note,
)


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    i = columns.get(key)
    return cells[i] if i is not None and i < len(cells) else ""


def _joined() -> Select:
    return select(*_COLUMNS).join_from(subscriptions, subscribers)


class SubscriberRepo:
    """Adds, lists, removes and unsubscribes subscribers; addresses compare case-insensitively."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def add(
        self,
        email: str,
        *,
        report: str,
        name: str | None = None,
        format: str = "pdf",
        now: datetime | None = None,
        resubscribe: bool = False,
        consent: str = "operator",
        consent_note: str | None = None,
    ) -> Subscription:
        """Subscribe an address to a report; a duplicate, or someone who unsubscribed, is refused."""
        with self._engine.begin() as conn:
            subscriber_id, address, _ = self._subscriber(conn, email, name, now)
            existing = self._existing(conn, subscriber_id, report)
            if existing is not None and existing.active:
                raise SubscriberError(
                    f"{address} is already subscribed to {report!r}",
                    hint="`reporter subscribers list` shows who gets what",
                )
            if existing is not None and not resubscribe:
                when = existing.unsubscribed_at.date().isoformat()  # type: ignore[union-attr]
                raise SubscriberError(
                    f"{address} unsubscribed from {report!r} on {when}",
                    hint="add them again only if they asked to be: pass --resubscribe",
                )
            return self._subscribe(
                conn, subscriber_id, report, check_format(format), now, consent, consent_note, existing
            )

    def confirm(
        self, email: str, *, report: str, format: str = "pdf", now: datetime | None = None
    ) -> tuple[Subscription, bool]:
        """Subscribe a reader who confirmed by email (double opt-in); (subscription, whether it changed).

        Confirming twice changes nothing; someone who unsubscribed and confirms again is back, since
        the confirmation is their own request.
        """
        with self._engine.begin() as conn:
            subscriber_id, _, _ = self._subscriber(conn, email, None, now)
            existing = self._existing(conn, subscriber_id, report)
            if existing is not None and existing.active:
                return existing, False
            fmt = check_format(format)
            return self._subscribe(conn, subscriber_id, report, fmt, now, "confirmed", None, existing), True

    def _subscriber(
        self, conn: Connection, email: str, name: str | None, now: datetime | None
    ) -> tuple[int, str, str | None]:
        """(id, address, name) of the subscriber with this address, created if new."""
        address = normalize_email(email)
        name = (name or "").strip() or None
        row = conn.execute(
            select(subscribers.c.id, subscribers.c.name, subscribers.c.email).where(
                func.lower(subscribers.c.email) == address.lower()
            )
        ).first()
        if row is None:
            result = conn.execute(
                insert(subscribers).values(email=address, name=name, created_at=now or datetime.now(UTC))
            )
            return int(result.inserted_primary_key[0]), address, name
        if name and name != row.name:
            conn.execute(update(subscribers).where(subscribers.c.id == row.id).values(name=name))
        return row.id, row.email, name or row.name  # the address as first given: one spelling per person

    @staticmethod
    def _existing(conn: Connection, subscriber_id: int, report: str) -> Subscription | None:
        row = conn.execute(
            _joined().where(subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report)
        ).first()
        return Subscription(*row) if row else None

    @staticmethod
    def _subscribe(
        conn: Connection,
        subscriber_id: int,
        report: str,
        fmt: str,
        now: datetime | None,
        consent: str,
        note: str | None,
        existing: Subscription | None,
    ) -> Subscription:
        """Make the subscription active (new, or back after an unsubscribe) with its consent recorded."""
        if consent not in CONSENT_SOURCES:
            raise ValueError(f"unknown consent source {consent!r}")
        now = now or datetime.now(UTC)
        values = {
            "format": fmt, "created_at": now, "unsubscribed_at": None,
            "consent_source": consent, "consent_at": now, "consent_note": note,
        }  # fmt: skip
        where = (subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report)
        if existing is not None:
            conn.execute(update(subscriptions).where(*where).values(**values))
        else:
            conn.execute(insert(subscriptions).values(subscriber_id=subscriber_id, report=report, **values))
        return Subscription(*conn.execute(_joined().where(*where)).one())

    def list(self, report: str | None = None, *, include_unsubscribed: bool = False) -> list[Subscription]:
        """Subscriptions, by report then address; only active ones unless asked."""
        return self.search(report=report, include_unsubscribed=include_unsubscribed)

    def search(
        self,
        text: str = "",
        *,
        report: str | None = None,
        include_unsubscribed: bool = False,
        limit: int | None = None,
    ) -> list[Subscription]:
        """Subscriptions whose address or name contains `text` (any case), by report then address."""
        query = _joined()
        if text.strip():
            pattern = f"%{text.strip().lower()}%"
            query = query.where(
                func.lower(subscribers.c.email).like(pattern) | func.lower(subscribers.c.name).like(pattern)
            )
        if report is not None:
            query = query.where(subscriptions.c.report == report)
        if not include_unsubscribed:
            query = query.where(subscriptions.c.unsubscribed_at.is_(None))
        query = query.order_by(subscriptions.c.report, subscribers.c.email)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [Subscription(*r) for r in conn.execute(query)]

    def active(self, report: str) -> list[Subscription]:
        """The subscriptions a report's messages go to, in subscriber order (stable across runs)."""
        query = _joined().where(subscriptions.c.report == report, subscriptions.c.unsubscribed_at.is_(None))
        with self._engine.connect() as conn:
            return [Subscription(*r) for r in conn.execute(query.order_by(subscriptions.c.subscriber_id))]

    def get(self, subscriber_id: int, report: str) -> Subscription | None:
        """One subscription, active or not."""
        with self._engine.connect() as conn:
            return self._existing(conn, subscriber_id, report)

    def find(self, email: str, report: str) -> Subscription | None:
        """One address's subscription to a report, active or not (None for an address not on file)."""
        address = normalize_email(email)
        query = _joined().where(
            func.lower(subscribers.c.email) == address.lower(), subscriptions.c.report == report
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return Subscription(*row) if row else None

    def remove(self, email: str, *, report: str | None = None) -> int:
        """Delete an address's subscriptions (to one report, or all); returns how many went."""
        address = normalize_email(email)
        with self._engine.begin() as conn:
            subscriber_id = conn.scalar(
                select(subscribers.c.id).where(func.lower(subscribers.c.email) == address.lower())
            )
            if subscriber_id is None:
                raise SubscriberError(
                    f"{address} is not a subscriber", hint="`reporter subscribers list` shows who is"
                )
            query = delete(subscriptions).where(subscriptions.c.subscriber_id == subscriber_id)
            if report is not None:
                query = query.where(subscriptions.c.report == report)
            removed = conn.execute(query).rowcount
        # The subscriber row stays: its delivery history is what stops a re-added address getting a
        # report it already had.
        return removed

    def unsubscribe(self, subscriber_id: int, report: str, *, now: datetime | None = None) -> bool:
        """Mark a subscription unsubscribed (kept, so an import cannot quietly add it back)."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.subscriber_id == subscriber_id,
                    subscriptions.c.report == report,
                    subscriptions.c.unsubscribed_at.is_(None),
                )
                .values(unsubscribed_at=now or datetime.now(UTC))
            )
        return done.rowcount > 0

    def import_csv(
        self, path: Path, *, report: str, format: str = "pdf", now: datetime | None = None
    ) -> ImportResult:
        """Add or update each valid line of a CSV (email[,name[,format]], header optional)."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SubscriberError(f"cannot read {path}: {exc}", hint="give a UTF-8 CSV file") from None
        return self.import_rows(
            csv.reader(text.splitlines()), report=report, format=format, now=now, source=path.name
        )

    def import_rows(
        self,
        rows: Iterable[list[str]],
        *,
        report: str,
        format: str = "pdf",
        now: datetime | None = None,
        source: str | None = None,
    ) -> ImportResult:
        """Add subscriptions from CSV rows, each in its own transaction; one bad line stops nothing.

        An address already subscribed is updated (its name, and its format where the line gives
        one), so importing the same list again is safe; one that unsubscribed is never added back.
        """
        added: list[Subscription] = []
        updated: list[Subscription] = []
        refused: list[tuple[int, str, str]] = []
        unchanged = 0
        columns = {"email": 0, "name": 1, "format": 2}
        for number, row in enumerate(rows, start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if number == 1 and "email" in [c.lower() for c in cells]:
                lowered = [c.lower() for c in cells]
                columns = {k: lowered.index(k) for k in ("email", "name", "format") if k in lowered}
                continue
            email, name, fmt = (_cell(cells, columns, key) for key in ("email", "name", "format"))
            try:
                with self._engine.begin() as conn:
                    outcome, sub = self._import_one(conn, email, name, fmt, report, format, now, source)
            except SubscriberError as exc:
                refused.append((number, email, str(exc)))
                continue
            if outcome == "added":
                added.append(sub)
            elif outcome == "updated":
                updated.append(sub)
            else:
                unchanged += 1
        return ImportResult(tuple(added), tuple(refused), tuple(updated), unchanged)

    def _import_one(
        self,
        conn: Connection,
        email: str,
        name: str,
        fmt: str,
        report: str,
        default_format: str,
        now: datetime | None,
        source: str | None,
    ) -> tuple[str, Subscription]:
        """("added" | "updated" | "unchanged", the subscription) for one import line."""
        fmt = check_format(fmt) if fmt else ""
        subscriber_id, address, _ = self._subscriber(conn, email, None, now)
        existing = self._existing(conn, subscriber_id, report)
        if existing is None:
            sub = self._subscribe(
                conn, subscriber_id, report, fmt or check_format(default_format), now, "import", source, None
            )
            if name:
                conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(name=name))
                sub = self._existing(conn, subscriber_id, report)  # type: ignore[assignment]
            return "added", sub
        if not existing.active:
            when = existing.unsubscribed_at.date().isoformat()  # type: ignore[union-attr]
            raise SubscriberError(
                f"{address} unsubscribed from {report!r} on {when}; an import does not add them back",
                hint="add them again only if they asked to be: reporter subscribers add --resubscribe",
            )
        changes = name and name != existing.name, fmt and fmt != existing.format
        if not any(changes):
            return "unchanged", existing
        if changes[0]:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(name=name))
        if changes[1]:
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report)
                .values(format=fmt)
            )
        return "updated", self._existing(conn, subscriber_id, report)  # type: ignore[return-value]
