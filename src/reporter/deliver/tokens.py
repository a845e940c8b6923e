"""HMAC-signed unsubscribe tokens: who wants off which report, unforgeable without the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from reporter.errors import DeliveryError

SECRET_ENV = "REPORTER_SECRET"
_MIN_SECRET = 16
_MAC_BYTES = 16  # 128 bits of HMAC-SHA256 is plenty for a link and keeps it short


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """A verified unsubscribe request: this subscriber, off this report."""

    subscriber_id: int
    report: str


def secret_from_env(env: Mapping[str, str] | None = None) -> str:
    """The unsubscribe secret from REPORTER_SECRET, or a DeliveryError saying how to make one."""
    env = os.environ if env is None else env
    return check_secret(env.get(SECRET_ENV))


def check_secret(secret: str | None) -> str:
    """The unsubscribe secret (smtp.secret, from REPORTER_SECRET) if usable, else a DeliveryError."""
    secret = (secret or "").strip()
    if len(secret) < _MIN_SECRET:
        problem = (
            "is not set" if not secret else f"is too short ({len(secret)} characters, need {_MIN_SECRET}+)"
        )
        raise DeliveryError(
            f"{SECRET_ENV} {problem}; it signs the unsubscribe links in every message",
            hint=f'generate one with `python -c "import secrets; print(secrets.token_urlsafe(32))"` and '
            f"export {SECRET_ENV}=...; keep it stable, or old unsubscribe links stop working",
        )
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    # A purpose prefix so the same secret signing something else can never yield a valid token.
    return hmac.new(secret.encode(), b"unsubscribe\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: str, subscriber_id: int, report: str) -> str:
    """A URL-safe token that unsubscribes one subscriber from one report."""
    payload = f"{subscriber_id}:{report}".encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify_token(secret: str, token: str) -> Unsubscribe | None:
    """The request a token stands for, or None if it is malformed or not signed with `secret`."""
    try:
        payload_b64, mac_b64 = token.strip().split(".")
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except (ValueError, TypeError):
        return None
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        subscriber, report = payload.decode().split(":", 1)
        return Unsubscribe(subscriber_id=int(subscriber), report=report)
    except (UnicodeDecodeError, ValueError):
        return None
