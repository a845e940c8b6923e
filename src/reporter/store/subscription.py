"""What a subscription is: its delivery formats and consent, a valid address, and its CSV row."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from reporter.errors import DeliveryError

# How a subscriber gets each report (the subscription's `format`), as readers are told it.
DELIVERY_FORMATS = {"pdf": "PDF attached", "html": "a link to the web page", "both": "PDF and a link"}
# Where a subscription's consent came from: the reader confirmed by email (double opt-in), a CSV
# import (the operator vouches for it), or an operator adding them one by one (CLI or web).
CONSENT_SOURCES = ("confirmed", "import", "operator")
EXPORT_COLUMNS = (
    "email", "name", "report", "format", "status", "subscribed", "unsubscribed",
    "consent", "consent_at", "consent_note",
)  # fmt: skip


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
    consent_source: str | None = None  # one of CONSENT_SOURCES; None: recorded before consent was kept
    consent_at: datetime | None = None
    consent_note: str | None = None

    @property
    def active(self) -> bool:
        """Whether messages still go to this subscription."""
        return self.unsubscribed_at is None

    def export_row(self) -> list[str]:
        """The subscription as one CSV row, in EXPORT_COLUMNS order."""
        return [
            self.email, self.name or "", self.report, self.format,
            "active" if self.active else "unsubscribed",
            self.created_at.isoformat(), self.unsubscribed_at.isoformat() if self.unsubscribed_at else "",
            self.consent_source or "", self.consent_at.isoformat() if self.consent_at else "",
            self.consent_note or "",
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: subscriptions added, updated (name or format), unchanged, and lines refused."""

    added: tuple[Subscription, ...]
    refused: tuple[tuple[int, str, str], ...]  # (line number, address as given, reason)
    updated: tuple[Subscription, ...] = ()
    unchanged: int = 0


def normalize_email(email: str) -> str:
    """The address in canonical form (domain lower-cased, IDNA), or a SubscriberError saying why not."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SubscriberError(
            f"{email!r} is not a valid email address: {exc}", hint="write it as name@example.org"
        ) from None


def check_format(fmt: str) -> str:
    """A delivery format, lower-cased, or a SubscriberError naming the valid ones."""
    fmt = fmt.strip().lower()
    if fmt not in DELIVERY_FORMATS:
        raise SubscriberError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(DELIVERY_FORMATS)}")
    return fmt


def write_export(subs: Iterable[Subscription], out: TextIO) -> int:
    """Write subscriptions as CSV (a header, then one row each) that `import` reads back; returns rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for sub in subs:
        writer.writerow(sub.export_row())
        count += 1
    return count
