"""Security on every response (headers), CSRF tokens for forms, and rate limits."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No script at all, styles only from our own files; report pages widen style-src (see files.py).
APP_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# A built report carries its stylesheet inline (it is also a standalone file): allow that, no more.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    # Links carry tokens (unsubscribe, confirm): never pass the address on to another site.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, a CSP unless the route set one."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(message: Message) -> None:
    """Add the security headers to an http.response.start message (keeping a CSP already there)."""
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    for name, value in HEADERS.items():
        if name.encode() not in present:
            headers.append((name.encode(), value.encode()))
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", APP_CSP.encode()))
    message["headers"] = headers


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use); every form carries it in a hidden field."""
    token = request.session.get(_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return token


def csrf_ok(request: Request, form: object) -> bool:
    """Whether a posted form carries this session's CSRF token."""
    expected = request.session.get(_CSRF_KEY) or ""
    given = form.get(CSRF_FIELD) if hasattr(form, "get") else None  # type: ignore[union-attr]
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(given, expected)


class RateLimiter:
    """A sliding window per key: `allow` says whether one more attempt fits, and records it."""

    def __init__(self, count: int, seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.count, self.seconds, self._clock = count, seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, key: str) -> deque[float]:
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` may try again (0: it may now); records nothing."""
        with self._lock:
            hits = self._window(key)
            if len(hits) < self.count:
                return 0.0
            return max(1.0, hits[0] + self.seconds - self._clock())

    def hit(self, key: str) -> None:
        """Record one attempt by `key`."""
        with self._lock:
            self._window(key).append(self._clock())
            if len(self._hits) > 10_000:  # forget idle keys, so a flood of addresses cannot grow this
                for stale in [k for k, v in self._hits.items() if not v]:
                    del self._hits[stale]

    def reset(self, key: str) -> None:
        """Forget `key`'s attempts (after a successful login)."""
        with self._lock:
            self._hits.pop(key, None)


def client_key(request: Request) -> str:
    """Who is asking, for rate limits: the client address (uvicorn resolves trusted proxies)."""
    return request.client.host if request.client else "unknown"
