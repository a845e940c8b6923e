"""Test helpers for delivery: a real aiosmtpd server on 127.0.0.1 with scripted replies, a store."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert

from reporter.config import SmtpSettings
from reporter.deliver import RetryPolicy
from reporter.store import Store
from reporter.store.deliveries import DeliveryRepo
from reporter.store.schema import builds
from reporter.store.subscribers import SubscriberRepo

DATA = Path(__file__).parent / "data"
TINY_PDF = DATA / "tiny-report.pdf"  # a one-page PDF made by WeasyPrint
SECRET = "test-secret-0123456789-abcdefghij"
NOW = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=3, first_backoff=0.05, patience=5.0, per_second=0)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """Parsed back with the email package."""
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    """aiosmtpd handler: records messages; replies per recipient from a script; can be slow."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)  # address → replies to give first
    rcpt_seen: list[str] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)  # replies to DATA before accepting
    delay: float = 0.0
    on_message: Callable[[int], None] | None = None  # called with the count after each message
    hold: threading.Event | None = None  # when set by on_message's caller: wait for it before replying

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.append(address)
        script = self.rcpt_replies.get(address)
        if script:
            return script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.on_message is not None:
            self.on_message(len(self.received))
        while self.hold is not None and not self.hold.is_set():
            await asyncio.sleep(0.01)
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[Received]:
        """The messages delivered to one address."""
        return [r for r in self.received if address in r.rcpt_to]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port, started and stopped by the tests."""

    def __init__(self, handler: Handler | None = None, port: int | None = None):
        self.handler = handler or Handler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def settings(self, **overrides: object) -> SmtpSettings:
        """SMTP settings pointing at this server (no TLS: it is a local test server)."""
        base: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "starttls": False,
            "from_addr": "Country Reports <reports@example.org>",
            "reply_to": "editor@example.org",
            "timeout": 10.0,
            "per_second": 0.0,
            "base_url": "https://reports.example.org",
        }
        return SmtpSettings(**{**base, **overrides})  # type: ignore[arg-type]


@dataclass
class Db:
    """A migrated store (SQLite in tmp_path, or PostgreSQL) with a finished build of japan 2025-11."""

    url: str
    engine: Engine
    build_id: int
    subscribers: SubscriberRepo
    outbox: DeliveryRepo


def make_db(tmp_path: Path, *, files: str | None = None, url: str | None = None) -> Db:
    """A fresh store with one `builds` row (done), its id, and the two delivery repositories.

    The store is a SQLite file in tmp_path unless `url` names another (the `database_url` fixture).
    """
    url = url or f"sqlite:///{tmp_path / 'reporter.db'}"
    engine = Store.open(url).engine
    with engine.begin() as conn:
        build_id = conn.execute(
            insert(builds).values(
                report="japan", period="2025-11", status="done", attempt=1, started_at=NOW, finished_at=NOW,
                files=files,
            )
        ).inserted_primary_key[0]  # fmt: skip
    return Db(url, engine, int(build_id), SubscriberRepo(engine), DeliveryRepo(engine))


def add_subscribers(db: Db, count: int, *, fmt: str = "pdf", report: str = "japan") -> list[str]:
    """Subscribe reader000@example.org... to a report; returns the addresses."""
    emails = [f"reader{i:03d}@example.org" for i in range(count)]
    for email in emails:
        db.subscribers.add(email, report=report, format=fmt, now=NOW)
    return emails


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll until the condition holds, or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)
