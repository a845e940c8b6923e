"""The web app's settings: `web:` from feeds.yaml (config/schema.py) and secrets from the environment."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from reporter.config import Config

log = logging.getLogger(__name__)

ADMIN_TOKEN_ENV = "REPORTER_ADMIN_TOKEN"
PASSWORD_HASH_ENV = "REPORTER_ADMIN_PASSWORD_HASH"  # read by config (web.admin_password_hash)
SESSION_SECRET_ENV = "REPORTER_SESSION_SECRET"
SECRET_ENV = "REPORTER_SECRET"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` attempts per `seconds`, per client (and, for subscribe, per address)."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web app's own settings, resolved once when the server starts."""

    session_secret: str
    admin_token: str | None = None  # Authorization: Bearer, for scripts
    password_hash: str | None = None  # argon2, for the operator's login
    secret: str | None = None  # REPORTER_SECRET: signs unsubscribe and confirmation links
    confirm_max_age: int = 2 * 24 * 3600  # seconds a confirmation link works
    session_max_age: int = 12 * 3600
    secure_cookies: bool = False  # https_only, when the public address is https
    login_limit: Limit = Limit(5, 15 * 60)  # failed logins per client
    subscribe_limit: Limit = Limit(5, 10 * 60)  # subscribe requests per client, and per address


def web_settings(config: Config, env: Mapping[str, str], **overrides: object) -> WebSettings:
    """The settings from the config and REPORTER_* variables; `overrides` replace any field (for tests)."""
    secret = (config.smtp.secret or "").strip() or None  # REPORTER_SECRET, read by the config
    session_secret = (env.get(SESSION_SECRET_ENV) or "").strip()
    if not session_secret and secret:
        # Derived, not reused: a session cookie must never verify as a link token or the reverse.
        session_secret = hmac.new(secret.encode(), b"reporter web session", hashlib.sha256).hexdigest()
    if not session_secret:
        log.warning(
            "neither %s nor %s is set: operator sessions last only until the server restarts",
            SESSION_SECRET_ENV,
            SECRET_ENV,
        )
        session_secret = secrets.token_urlsafe(32)
    web, base_url = config.web, config.smtp.base_url
    values: dict[str, object] = {
        "session_secret": session_secret,
        "admin_token": (env.get(ADMIN_TOKEN_ENV) or "").strip() or None,
        "password_hash": web.admin_password_hash,
        "secret": secret,
        "confirm_max_age": int(web.confirm_hours * 3600),
        "session_max_age": int(web.session_hours * 3600),
        "secure_cookies": bool(base_url and base_url.startswith("https://")),
        "login_limit": Limit(web.login_attempts, web.login_window_minutes * 60),
        "subscribe_limit": Limit(web.subscribe_attempts, web.subscribe_window_minutes * 60),
    }
    values.update(overrides)
    return WebSettings(**values)  # type: ignore[arg-type]
