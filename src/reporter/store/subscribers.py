"""Subscribers and their per-report subscriptions: validated addresses, no duplicates."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, update

from reporter.errors import DeliveryError
from reporter.store.schema import subscribers, subscriptions

FORMATS = ("pdf", "html", "both")


class SubscriberError(DeliveryError):
    """A subscriber could not be added, found or changed."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscriber's subscription to one report."""

    subscriber_id: int
    email: str
    name: str | None
    report: str
    format: str  # pdf | html | both
    created_at: datetime
    unsubscribed_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether messages still go to this subscription."""
        return self.unsubscribed_at is None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the subscriptions added and the lines refused, with why."""

    added: tuple[Subscription, ...]
    refused: tuple[tuple[int, str, str], ...]  # (line number, address as given, reason)


def normalize_email(email: str) -> str:
    """The address in canonical form (domain lower-cased, IDNA), or a SubscriberError saying why not."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SubscriberError(
            f"{email!r} is not a valid email address: {exc}", hint="write it as name@example.org"
        ) from None


def _check_format(fmt: str) -> str:
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise SubscriberError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    return fmt


_COLUMNS = (
    subscriptions.c.subscriber_id,
    subscribers.c.email,
    subscribers.c.name,
    subscriptions.c.report,
    subscriptions.c.format,
    subscriptions.c.created_at,
    subscriptions.c.unsubscribed_at,
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
    ) -> Subscription:
        """Subscribe an address to a report; a duplicate, or someone who unsubscribed, is refused."""
        with self._engine.begin() as conn:
            return self._add(
                conn, email, report=report, name=name, fmt=format, now=now, resubscribe=resubscribe
            )

    def _add(
        self,
        conn: Connection,
        email: str,
        *,
        report: str,
        name: str | None,
        fmt: str,
        now: datetime | None,
        resubscribe: bool,
    ) -> Subscription:
        address = normalize_email(email)
        fmt = _check_format(fmt)
        now = now or datetime.now(UTC)
        name = (name or "").strip() or None
        row = conn.execute(
            select(subscribers.c.id, subscribers.c.name, subscribers.c.email).where(
                func.lower(subscribers.c.email) == address.lower()
            )
        ).first()
        if row is None:
            subscriber_id = int(
                conn.execute(
                    insert(subscribers).values(email=address, name=name, created_at=now)
                ).inserted_primary_key[0]
            )
        else:
            subscriber_id, address = row.id, row.email  # as first given: one spelling per person
            if name and name != row.name:
                conn.execute(update(subscribers).where(subscribers.c.id == row.id).values(name=name))
        existing = conn.execute(
            select(subscriptions.c.unsubscribed_at).where(
                subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report
            )
        ).first()
        if existing is not None and existing.unsubscribed_at is None:
            raise SubscriberError(
                f"{address} is already subscribed to {report!r}",
                hint="`reporter subscribers list` shows who gets what",
            )
        if existing is not None:
            if not resubscribe:
                when = existing.unsubscribed_at.date().isoformat()
                raise SubscriberError(
                    f"{address} unsubscribed from {report!r} on {when}",
                    hint="add them again only if they asked to be: pass --resubscribe",
                )
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report)
                .values(unsubscribed_at=None, format=fmt, created_at=now)
            )
        else:
            conn.execute(
                insert(subscriptions).values(
                    subscriber_id=subscriber_id, report=report, format=fmt, created_at=now
                )
            )
        return Subscription(subscriber_id, address, name or (row.name if row else None), report, fmt, now)

    def list(self, report: str | None = None, *, include_unsubscribed: bool = False) -> list[Subscription]:
        """Subscriptions, by report then address; only active ones unless asked."""
        query = _joined()
        if report is not None:
            query = query.where(subscriptions.c.report == report)
        if not include_unsubscribed:
            query = query.where(subscriptions.c.unsubscribed_at.is_(None))
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(subscriptions.c.report, subscribers.c.email)).all()
        return [Subscription(*r) for r in rows]

    def active(self, report: str) -> list[Subscription]:
        """The subscriptions a report's messages go to, in subscriber order (stable across runs)."""
        query = _joined().where(subscriptions.c.report == report, subscriptions.c.unsubscribed_at.is_(None))
        with self._engine.connect() as conn:
            return [Subscription(*r) for r in conn.execute(query.order_by(subscriptions.c.subscriber_id))]

    def get(self, subscriber_id: int, report: str) -> Subscription | None:
        """One subscription, active or not."""
        query = _joined().where(
            subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.report == report
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
        """Add every valid line of a CSV (email[,name[,format]], header optional); refuse the rest."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SubscriberError(f"cannot read {path}: {exc}", hint="give a UTF-8 CSV file") from None
        return self.import_rows(csv.reader(text.splitlines()), report=report, format=format, now=now)

    def import_rows(
        self, rows: Iterable[list[str]], *, report: str, format: str = "pdf", now: datetime | None = None
    ) -> ImportResult:
        """Add subscriptions from CSV rows, each in its own transaction; one bad line stops nothing."""
        added: list[Subscription] = []
        refused: list[tuple[int, str, str]] = []
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
                    added.append(
                        self._add(
                            conn,
                            email,
                            report=report,
                            name=name or None,
                            fmt=fmt or format,
                            now=now,
                            resubscribe=False,
                        )
                    )
            except SubscriberError as exc:
                refused.append((number, email, str(exc)))
        return ImportResult(tuple(added), tuple(refused))
