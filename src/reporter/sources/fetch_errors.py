"""What a failed fetch means, in words: the FetchError a user sees, or a Retryable worth another try.

fetch.py does the HTTP; this module turns statuses and httpx's exceptions into a reason and a hint.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from reporter.errors import FeedError
from reporter.models import FeedSpec
from reporter.sources.guard import BlockedAddress, a_kind

_PERMANENT = {301, 308}  # redirects worth telling the user about: the feed has moved for good


class FetchError(FeedError):
    """A feed that could not be fetched; `status` is the HTTP status when there was one."""

    def __init__(self, feed_name: str, reason: str, hint: str | None = None, *, status: int | None = None):
        super().__init__(feed_name, reason, hint)
        self.status = status

    @property
    def gone(self) -> bool:
        """Whether the server said the feed is gone for good (410)."""
        return self.status == 410


class Retryable(Exception):
    """A failure worth another attempt (a timeout, a 5xx, a 429, a broken connection), while time is left."""

    def __init__(
        self,
        reason: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        final: bool = False,
    ):
        super().__init__(reason)
        self.reason, self.hint, self.status, self.retry_after = reason, hint, status, retry_after
        self.final = final  # the deadline passed: a retry has no time left


BLOCKED_HINT = (
    "reporter fetches only public internet addresses; if this feed really is on your own network, "
    "set `allow_private_networks: true` under `settings:` in feeds.yaml"
)


def blocked_reason(url: str, exc: BlockedAddress) -> str:
    """Why guard.py refused a connection, naming the redirect that led there, if one did."""
    where = urlsplit(url).hostname or url
    via = (
        ""
        if exc.host.strip("[]").lower() == where.strip("[]").lower()
        else f" (reached by a redirect from {where})"
    )
    return f"refused to connect to {exc.host}{via}: it is {exc.address}, {a_kind(exc.kind)} address"


def too_slow(feed: FeedSpec, capped: bool = False) -> Retryable:
    """The final failure of a fetch that ran out of time: its own `timeout`, or the ingest's bound."""
    if capped:
        return Retryable(
            f"not finished: the ingest reached its bound (settings.ingest_timeout) while {host_of(feed.url)} "
            "was still answering",
            "many slow feeds share the bound; raise `ingest_timeout` under `settings:`, or lower the "
            "slow feeds' `timeout`",
            final=True,
        )
    return Retryable(
        f"no complete response from {host_of(feed.url)} within its {feed.timeout:g}s `timeout` "
        "(headers and body, retries included); gave up",
        f"the server is slow or trickling data; raise `timeout` for '{feed.name}' if it is always this slow",
        final=True,
    )


def raise_for_status(feed: FeedSpec, response: httpx.Response) -> None:
    """Raise what an HTTP error status means for a feed: gone, not found, refused, or worth a retry."""
    status = response.status_code
    phrase = f"HTTP {status} {response.reason_phrase}".rstrip()
    if status == 410:
        raise FetchError(
            feed.name,
            f"{phrase}: the feed was removed for good",
            f"remove '{feed.name}' from feeds.yaml (or set enabled: false); it is skipped "
            "until its url changes",
            status=410,
        )
    if status == 404:
        raise FetchError(
            feed.name,
            f"{phrase}: no feed at {response.url}",
            f"check the url of '{feed.name}' in feeds.yaml; the site may have moved its feed",
            status=404,
        )
    if status in {401, 403}:
        raise FetchError(
            feed.name,
            f"{phrase}: the server refused us",
            "the feed may need a login or block robots; per-feed `headers:` can add a token",
            status=status,
        )
    if status == 429 or status >= 500:
        raise Retryable(
            phrase + (": the server failed" if status >= 500 else ": rate limited"),
            "a problem on the server's side; it is retried on the next run",
            status=status,
            retry_after=retry_after_of(response.headers.get("retry-after")),
        )
    raise FetchError(feed.name, phrase, status=status)


def moved_to_of(response: httpx.Response) -> str | None:
    """Where the feed now lives, when its own URL answered a permanent redirect."""
    # Only a permanent redirect of the feed's own URL is worth telling the user about.
    if response.history and response.history[0].status_code in _PERMANENT:
        return str(response.url)
    return None


def retry_after_of(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now; None if absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def connect_reason(exc: httpx.ConnectError) -> str:
    """Why a connection failed, in words: DNS, refused, a bad certificate, or what httpx said."""
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "the host name does not resolve (DNS)"
    if "Connection refused" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not valid"
    return text or type(exc).__name__


def host_of(url: str) -> str:
    """The host (and port) of a URL, for messages."""
    return urlsplit(url).netloc or url


def size_text(n: int) -> str:
    """A byte count as KB or MB, for messages."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
