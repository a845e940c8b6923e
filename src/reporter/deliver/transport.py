"""Where messages go: an SMTP server over one reused connection, or a folder of .eml files.

Transports classify every failure for the outbox: `TemporaryFailure` (4xx, dropped connection:
try again later), `PermanentFailure` (5xx for this recipient: do not retry), and
`TransportError` (the server cannot be used at all: unreachable, TLS or login refused, sender
refused; nobody can be sent to, so the batch stops and every row stays pending).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from reporter.config import SmtpSettings
from reporter.errors import DeliveryError

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The server said try later (4xx), or the connection dropped: retry with backoff."""


class PermanentFailure(Exception):
    """The server refused this recipient or message for good (5xx)."""


class TransportError(DeliveryError):
    """The server cannot be used at all (unreachable, TLS, login, sender refused)."""

    def __init__(self, message: str, hint: str | None = None, *, retryable: bool = False):
        super().__init__(message, hint)
        self.retryable = retryable  # unreachable or timed out: may work in a moment


class Transport(Protocol):
    """Sends serialised messages."""

    def connect(self) -> None:
        """Make sure the transport is ready (a no-op when it already is)."""

    def send(self, sender: str, recipient: str, data: bytes, *, label: str) -> None:
        """Send one message; raise TemporaryFailure, PermanentFailure or TransportError."""

    def close(self) -> None:
        """Release the connection."""


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


def _classify(code: int, message: bytes | str) -> Exception:
    reply = _reply(code, message)
    if 500 <= code < 600:
        return PermanentFailure(reply)
    return TemporaryFailure(reply)


class SmtpTransport:
    """One SMTP connection for the whole batch, opened on first use and reopened if it drops."""

    def __init__(self, settings: SmtpSettings, *, factory: Callable[..., smtplib.SMTP] | None = None):
        self.settings = settings
        self._factory = factory
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        """host:port, for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    def _unreachable(self, reason: str) -> TransportError:
        s = self.settings
        return TransportError(
            f"cannot connect to SMTP server {self.where}: {reason}",
            retryable=True,
            hint=f"is a mail server listening on {self.where}? Set smtp.host/smtp.port in feeds.yaml or "
            "REPORTER_SMTP_HOST/REPORTER_SMTP_PORT"
            + ("; port 465 usually wants smtp.ssl: true" if s.port == 465 and not s.ssl else "")
            + "; `reporter send REPORT --period P --dry-run DIR` writes the messages to files instead",
        )

    def connect(self) -> None:
        """Open, secure and authenticate the connection unless it is already open."""
        if self._smtp is not None:
            return
        s = self.settings
        context = ssl.create_default_context()
        try:
            if self._factory is not None:
                smtp = self._factory(s.host, s.port, timeout=s.timeout)
            elif s.ssl:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(
                getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            ) from None
        try:
            smtp.ehlo()
            if s.starttls and not s.ssl:
                if not smtp.has_extn("starttls"):
                    raise TransportError(
                        f"SMTP server {self.where} does not offer STARTTLS",
                        hint="use the submission port (587) of a server that does; only for a local "
                        "relay, set smtp.starttls: false (REPORTER_SMTP_STARTTLS=0)",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                if s.password is None:
                    raise TransportError(
                        f"smtp.user is {s.user!r} but no password is set",
                        hint="export REPORTER_SMTP_PASSWORD (the password is never read from feeds.yaml)",
                    )
                smtp.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise TransportError(
                f"SMTP server {self.where} refused the login of {s.user!r}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}",
                hint="check smtp.user and REPORTER_SMTP_PASSWORD",
            ) from None
        except TransportError:
            smtp.close()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise self._unreachable(str(exc) or type(exc).__name__) from None
        self._smtp = smtp
        log.info("connected to %s", self.where)

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def send(self, sender: str, recipient: str, data: bytes, *, label: str = "") -> None:
        """One SMTP transaction (MAIL, RCPT, DATA) on the open connection."""
        self.connect()
        assert self._smtp is not None
        try:
            self._smtp.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, message = exc.recipients.get(recipient, (450, b"recipient refused"))
            if code == 421:  # the server is closing the connection
                self._drop()
            raise _classify(code, message) from None
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == 421:
                self._drop()
            if 500 <= exc.smtp_code < 600:
                raise TransportError(
                    f"SMTP server {self.where} refused the sender {sender}: "
                    f"{_reply(exc.smtp_code, exc.smtp_error)}",
                    hint="check smtp.from (REPORTER_SMTP_FROM): the server must accept it for this login",
                ) from None
            raise TemporaryFailure(_reply(exc.smtp_code, exc.smtp_error)) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self._drop()
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"connection to {self.where} lost: {exc or type(exc).__name__}") from None

    def close(self) -> None:
        """Say QUIT and close."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._smtp = None


_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]+")


class DirectoryTransport:
    """Writes each message as an .eml file in a folder (dry runs, tests, inspection)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.written: list[Path] = []

    def connect(self) -> None:
        """Create the folder."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(
                f"cannot create {self.folder}: {exc.strerror}", hint="give --dry-run a writable folder"
            ) from None

    def send(self, sender: str, recipient: str, data: bytes, *, label: str = "") -> None:
        """Write the message to <label>-<recipient>.eml (atomically: a temp file, then a rename)."""
        self.connect()
        name = _UNSAFE.sub("_", f"{label}-{recipient}" if label else recipient)[:150] + ".eml"
        path = self.folder / name
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        self.written.append(path)

    def close(self) -> None:
        """Nothing to release."""


class Pacer:
    """Spaces sends at most `per_second` apart (0: no limit), without drifting."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def wait_time(self) -> float:
        """Seconds until the next send is allowed."""
        return max(0.0, self._next - self._clock()) if self.interval else 0.0

    def wait(self) -> None:
        """Sleep until the next send is allowed, and book the slot after it."""
        if not self.interval:
            return
        delay = self.wait_time()
        if delay > 0:
            self._sleep(delay)
        self._next = max(self._next, self._clock()) + self.interval
