"""The delivery loop: every subscriber of a build once, through the outbox, whatever crashes.

For each due row: build the message, wait for the rate limit, make sure the connection is up,
commit the row as `sending`, run the SMTP transaction, then record `sent`, `failed` (5xx) or
`pending` with a backoff (4xx, dropped connection). The `sent` of one message is committed in the
same transaction as the claim of the next, one commit per message; when the pacer has time to
spare it is committed at once.

A row found `sending` when a run starts was left by a sender that died between claiming it and
recording the server's answer. The server may or may not have accepted that message, and only
the recipient's mailbox could tell (a Message-ID lookup needs access we do not have). Resending
would risk a duplicate; not resending risks one subscriber missing one issue. We choose the
second, since "nobody gets it twice" is the promise: such rows are reported as `unknown` and
resent only with `retry_unknown=True` (`reporter send --retry-unknown`), after an operator has
looked. The window is one message per crash, and a resend carries the same Message-ID, which
many mail systems use to drop the duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from reporter.deliver.message import EmailBuilder, Recipient
from reporter.deliver.transport import Pacer, PermanentFailure, TemporaryFailure, Transport, TransportError
from reporter.store.deliveries import FAILED, PENDING, SENDING, SENT, Delivery, DeliveryRepo, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: attempts per subscriber (across runs), backoff, and how long one run waits."""

    max_attempts: int = 5
    first_backoff: float = 2.0  # seconds; doubled after each attempt
    patience: float = 120.0  # seconds one run waits for deferred rows before leaving them to the next
    per_second: float = 5.0  # messages per second; 0 for no limit

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the given number of attempts."""
        return self.first_backoff * 2 ** max(0, attempts - 1)


@dataclass(frozen=True, slots=True)
class Failure:
    """One subscriber not (yet) delivered to, and why."""

    email: str
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one delivery run did."""

    build_id: int
    sent: int = 0  # in this run
    already_sent: int = 0  # by earlier runs
    failed: tuple[Failure, ...] = ()  # permanently, in this run
    deferred: tuple[Failure, ...] = ()  # temporary failures still pending after this run
    unknown: tuple[str, ...] = ()  # rows left `sending` by a crashed run, not resent
    pending: int = 0  # rows still waiting after this run (deferred, or the server was unreachable)
    written: tuple[str, ...] = ()  # .eml files of a dry run
    error: str | None = None  # a transport failure that stopped the run
    hint: str | None = None

    @property
    def ok(self) -> bool:
        """Whether everything due went out."""
        return not (self.failed or self.deferred or self.unknown or self.error)

    def detail(self) -> dict[str, int]:
        """The counts kept in the run history (`reporter runs`)."""
        return {
            "sent": self.sent, "already_sent": self.already_sent, "failed": len(self.failed),
            "pending": self.pending, "unknown": len(self.unknown),
        }  # fmt: skip

    def summary(self) -> str:
        """One line for a person: what was sent, skipped, failed or left pending."""
        parts = [f"sent {self.sent}", f"already sent {self.already_sent}"]
        parts += [
            f"{label} {n}"
            for label, n in (
                ("failed", len(self.failed)),
                ("deferred", len(self.deferred)),
                ("unknown", len(self.unknown)),
                ("pending", self.pending),
            )
            if n
        ]
        return ", ".join(parts) + (f"; stopped: {self.error}" if self.error else "")


@dataclass
class _Tally:
    sent: int = 0
    failed: dict[int, Failure] = field(default_factory=dict)
    deferred: dict[int, Failure] = field(default_factory=dict)


def run_outbox(
    *,
    build_id: int,
    recipients: Sequence[Recipient],
    builder: EmailBuilder,
    transport: Transport,
    outbox: DeliveryRepo,
    policy: RetryPolicy,
    retry_unknown: bool = False,
    only: Collection[int] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """Deliver a build to every recipient that has not had it, recording each step in the outbox.

    With `only`, the run looks at those subscribers' rows alone: one batch among several senders.
    """
    by_id: Mapping[int, Recipient] = {r.subscriber_id: r for r in recipients}
    outbox.enqueue(build_id, by_id, now=clock())
    before = {d.subscriber_id: d for d in outbox.for_build(build_id, only=only)}
    already = sum(1 for d in before.values() if d.status == SENT)
    stale = {sid for sid, d in before.items() if d.status == SENDING}
    if stale and not retry_unknown:
        log.warning(
            "%d message(s) of build %d may or may not have been sent by a run that stopped; not resending "
            "(--retry-unknown resends them)", len(stale), build_id,
        )  # fmt: skip
    pacer = Pacer(policy.per_second, clock=monotonic, sleep=sleep)
    tally = _Tally()
    deadline = monotonic() + policy.patience
    first_pass = True
    connect_failures = 0
    try:
        while True:
            rows = outbox.due(build_id, now=clock(), include_unknown=retry_unknown and first_pass, only=only)
            stop = _pass(rows, by_id, builder, transport, outbox, policy, pacer, tally, clock, retry_unknown)
            if stop is not None:
                connect_failures += 1
                wait = policy.backoff(connect_failures)
                if (
                    not stop.retryable
                    or connect_failures >= policy.max_attempts
                    or monotonic() + wait > deadline
                ):
                    return _result(build_id, already, tally, outbox, stale, retry_unknown, by_id, stop, only)
                log.warning("%s; trying again in %.1fs", stop, wait)
                sleep(wait)
                continue
            first_pass = False
            due = outbox.next_due(build_id, only=only)
            if due is None or (not rows and due <= clock()):
                break  # nothing deferred; or nothing this pass could take (guards against spinning)
            wait = (due - clock()).total_seconds()
            if monotonic() + wait > deadline:
                break
            sleep(max(0.0, wait))
    finally:
        transport.close()
    return _result(build_id, already, tally, outbox, stale, retry_unknown, by_id, None, only)


def _pass(
    rows: Sequence[Delivery],
    by_id: Mapping[int, Recipient],
    builder: EmailBuilder,
    transport: Transport,
    outbox: DeliveryRepo,
    policy: RetryPolicy,
    pacer: Pacer,
    tally: _Tally,
    clock: Callable[[], datetime],
    retry_unknown: bool,
) -> TransportError | None:
    """Try each due row once; return the TransportError that stopped the pass, if one did."""
    previous: Outcome | None = None
    try:
        for row in rows:
            recipient = by_id.get(row.subscriber_id)
            if recipient is None:  # unsubscribed or removed since the row was queued
                if outbox.claim(row.id, message_id="", now=clock(), after=previous):
                    outbox.finish(Outcome(row.id, FAILED, clock(), error="no longer subscribed"))
                previous = None
                continue
            message_id = builder.message_id(recipient)
            try:
                data = builder.render(recipient)
            except Exception as exc:  # one bad message must not stop the others
                log.exception("cannot build the message for %s", recipient.email)
                if outbox.claim(row.id, message_id=message_id, now=clock(), after=previous):
                    outbox.finish(Outcome(row.id, FAILED, clock(), error=f"cannot build the message: {exc}"))
                previous = None
                tally.failed[row.subscriber_id] = Failure(recipient.email, f"cannot build the message: {exc}")
                continue
            pacer.wait()
            try:
                transport.connect()  # before the claim: an unreachable server leaves rows pending
            except TransportError as exc:
                return exc
            if not outbox.claim(
                row.id, message_id=message_id, now=clock(), include_unknown=retry_unknown, after=previous
            ):
                previous = None
                continue  # another sender has it
            previous = None
            label = f"{recipient.subscriber_id:06d}"
            try:
                transport.send(builder.envelope_from, recipient.email, data, label=label)
            except TemporaryFailure as exc:
                previous = _deferred(row, recipient, str(exc), policy, tally, clock)
            except PermanentFailure as exc:
                log.warning("%s refused: %s", recipient.email, exc)
                tally.failed[row.subscriber_id] = Failure(recipient.email, str(exc))
                tally.deferred.pop(row.subscriber_id, None)
                previous = Outcome(row.id, FAILED, clock(), error=str(exc))
            except TransportError as exc:
                # Unusable for everyone (e.g. sender refused): this row goes back, untried.
                outbox.finish(Outcome(row.id, PENDING, clock(), error=str(exc)))
                return exc
            else:
                tally.sent += 1
                tally.deferred.pop(row.subscriber_id, None)
                previous = Outcome(row.id, SENT, clock())
            if pacer.wait_time() > 0:
                outbox.finish(previous)  # time to spare: keep the unrecorded window minimal
                previous = None
    finally:
        if previous is not None:
            outbox.finish(previous)
    return None


def _deferred(
    row: Delivery,
    recipient: Recipient,
    error: str,
    policy: RetryPolicy,
    tally: _Tally,
    clock: Callable[[], datetime],
) -> Outcome:
    attempts = row.attempts + 1
    now = clock()
    if attempts >= policy.max_attempts:
        message = f"gave up after {attempts} attempts: {error}"
        log.warning("%s: %s", recipient.email, message)
        tally.deferred.pop(row.subscriber_id, None)
        tally.failed[row.subscriber_id] = Failure(recipient.email, message)
        return Outcome(row.id, FAILED, now, error=message)
    backoff = policy.backoff(attempts)
    log.info("%s: %s; retrying in %.1fs", recipient.email, error, backoff)
    tally.deferred[row.subscriber_id] = Failure(recipient.email, error)
    return Outcome(
        row.id, PENDING, now, error=error, next_attempt_at=now + timedelta(seconds=backoff), backoff=backoff
    )


def _result(
    build_id: int,
    already: int,
    tally: _Tally,
    outbox: DeliveryRepo,
    stale: set[int],
    retry_unknown: bool,
    by_id: Mapping[int, Recipient],
    stop: TransportError | None,
    only: Collection[int] | None,
) -> DeliveryResult:
    rows = {d.subscriber_id: d for d in outbox.for_build(build_id, only=only)}
    unknown = (
        ()
        if retry_unknown
        else tuple(
            by_id[s].email if s in by_id else f"subscriber {s}"
            for s in sorted(stale)
            if rows[s].status == SENDING
        )
    )
    return DeliveryResult(
        build_id=build_id,
        sent=tally.sent,
        already_sent=already,
        failed=tuple(tally.failed.values()),
        deferred=tuple(tally.deferred.values()),
        unknown=unknown,
        pending=sum(1 for d in rows.values() if d.status == PENDING),
        error=str(stop) if stop else None,
        hint=stop.hint if stop else None,
    )
