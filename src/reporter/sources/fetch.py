"""Fetch one feed's bytes over HTTP(S) with httpx: one deadline, a size cap, conditional GET, retries.

Nothing here parses; it hands back bytes and headers, or raises a FeedError that says what went wrong.
Every connection goes through sources/guard.py: public addresses only (unless the operator allows
private networks), and a feed's `timeout` is the total time its fetch may take, retries included.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from reporter.models import FeedSpec
from reporter.sources.fetch_errors import (
    BLOCKED_HINT,
    FetchError,
    Retryable,
    blocked_reason,
    connect_reason,
    host_of,
    moved_to_of,
    raise_for_status,
    size_text,
    too_slow,
)
from reporter.sources.guard import BlockedAddress, DeadlineExceeded, deadline_at, guarded_transport
from reporter.urls import web_url

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How hard and how politely to fetch: limits shared by every feed of a run."""

    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a timeout or a 5xx
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    maxretry_after_of: float = 30.0  # a server's Retry-After is honoured up to this
    connect_timeout: float = 10.0
    concurrency: int = 16
    per_host: int = 2  # requests in flight to one host at a time
    parse_workers: int | None = None  # processes that parse; None: none for a few feeds, else one per CPU
    allow_private_networks: bool = False  # loopback, private and link-local hosts are refused unless True
    public_stand_ins: frozenset[tuple[str, int]] = frozenset()  # (ip, port) taken as public: tests only
    max_entry_chars: int = 200_000  # an entry's text is cut to this (settings.max_entry_chars)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET sends: the ETag and Last-Modified of the last good fetch."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One response: 200 with its bytes, or 304 with none."""

    url: str  # where the bytes finally came from
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when the feed answered 301/308
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        """Whether the server said nothing changed since the last fetch."""
        return self.status == 304


class HostLimiter:
    """At most `per_host` requests in flight to any one host: politeness when many feeds share a site."""

    def __init__(self, per_host: int):
        self._per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one of the host's slots for the length of the block."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            sem = self._slots.setdefault(host, threading.Semaphore(self._per_host))
        with sem:
            yield


def check_url(feed: FeedSpec) -> None:
    """Refuse anything but an http(s) URL with a host, before any network work."""
    if web_url(feed.url) is None:
        raise FetchError(
            feed.name,
            f"only http and https URLs are fetched, not {feed.url!r}",
            f"give '{feed.name}' an http:// or https:// url in feeds.yaml",
        )


def make_client(user_agent: str, policy: FetchPolicy) -> httpx.Client:
    """One HTTP client for a run: pooling, gzip, a redirect limit, a real User-Agent, the network guard."""
    limits = httpx.Limits(
        max_connections=policy.concurrency * 2, max_keepalive_connections=policy.concurrency
    )
    return httpx.Client(
        headers={
            "User-Agent": user_agent,
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
            "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        },
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        transport=guarded_transport(
            allow_private=policy.allow_private_networks, limits=limits, public=policy.public_stand_ins
        ),
        trust_env=False,  # no proxies or netrc picked up behind the user's back
    )


def fetch(
    client: httpx.Client,
    feed: FeedSpec,
    validators: Validators,
    *,
    policy: FetchPolicy,
    hosts: HostLimiter,
    sleep: Callable[[float], None] = time.sleep,
    until: float | None = None,
) -> Fetched:
    """GET the feed (conditionally), retrying timeouts and 5xx with backoff; raises FetchError.

    The whole fetch, retries included, ends by the feed's `timeout`, or by `until` (a monotonic time:
    the ingest's own bound) if that comes first.
    """
    check_url(feed)
    headers = dict(feed.headers)
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    attempt = 0
    started: float | None = None  # the deadline runs from the first attempt, not from the queue
    while True:
        attempt += 1
        try:
            with hosts.slot(feed.url):
                started = time.monotonic() if started is None else started
                at = started + feed.timeout
                capped = until is not None and until < at
                result = _get_once(
                    client, feed, headers, policy, at=min(at, until) if capped else at, capped=capped
                )
            return _replace_attempts(result, attempt)
        except Retryable as exc:
            wait = exc.retry_after if exc.retry_after is not None else policy.backoff * 2 ** (attempt - 1)
            wait = min(wait, policy.maxretry_after_of) * (1 + random.random() / 10)
            end = started + feed.timeout if started is not None else 0.0
            left = (min(end, until) if until is not None else end) - time.monotonic()
            if attempt > policy.retries or exc.final or wait >= left:
                reason = exc.reason
                if attempt <= policy.retries and not exc.final:
                    reason += f" (no time left to retry within the {feed.timeout:g}s `timeout`)"
                raise FetchError(feed.name, reason, exc.hint, status=exc.status) from None
            log.info("%s: %s; retrying in %.1fs", feed.name, exc.reason, wait)
            sleep(wait)


def _replace_attempts(result: Fetched, attempts: int) -> Fetched:
    if attempts == 1:
        return result
    from dataclasses import replace

    return replace(result, attempts=attempts)


def _get_once(
    client: httpx.Client,
    feed: FeedSpec,
    headers: dict[str, str],
    policy: FetchPolicy,
    *,
    at: float,
    capped: bool = False,
) -> Fetched:
    """One GET that must be complete (headers and body) by the monotonic time `at`."""
    timeout = httpx.Timeout(feed.timeout, connect=min(policy.connect_timeout, feed.timeout))
    deadline = at
    name = feed.name
    try:
        with deadline_at(at), client.stream("GET", feed.url, headers=headers, timeout=timeout) as response:
            moved_to = moved_to_of(response)
            status = response.status_code
            if status == 304:
                return Fetched(url=str(response.url), status=304, moved_to=moved_to)
            if status >= 400:
                raise_for_status(feed, response)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchError(
                    name,
                    f"the response is {size_text(int(declared))}, over the {size_text(policy.max_bytes)} cap",
                    "this is not a feed, or an unusually large one; check the url",
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(
                        name,
                        f"the response is over the {size_text(policy.max_bytes)} cap; gave up",
                        "this is not a feed, or an unusually large one; check the url",
                    )
                if time.monotonic() > deadline:
                    raise too_slow(feed, capped)
                chunks.append(chunk)
            return Fetched(
                url=str(response.url),
                status=status,
                content=b"".join(chunks),
                headers={k.lower(): v for k, v in response.headers.items()},
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                moved_to=moved_to,
            )
    except BlockedAddress as exc:
        raise FetchError(name, blocked_reason(feed.url, exc), BLOCKED_HINT) from None
    except DeadlineExceeded:
        raise too_slow(feed, capped) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            name,
            f"too many redirects (more than {policy.max_redirects}): a redirect loop?",
            f"open {feed.url} in a browser and put the final address in feeds.yaml",
        ) from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(name, f"redirected to a URL that is not http(s): {exc}") from None
    except httpx.ConnectTimeout:
        raise Retryable(
            f"could not connect to {host_of(feed.url)} within {timeout.connect:g}s",
            "the host is down or unreachable from here; check the network",
        ) from None
    except httpx.TimeoutException:
        if time.monotonic() >= deadline - 0.05:  # the socket wait was cut short by the deadline
            raise too_slow(feed, capped) from None
        raise Retryable(
            f"no response from {host_of(feed.url)} within {feed.timeout:g}s",
            f"the server is slow; raise `timeout` for '{name}' in feeds.yaml",
        ) from None
    except httpx.ConnectError as exc:
        raise FetchError(
            name,
            f"cannot connect to {host_of(feed.url)}: {connect_reason(exc)}",
            "check the url and the network (DNS, proxy, firewall)",
        ) from None
    except httpx.DecodingError as exc:
        raise FetchError(name, f"the response could not be decompressed: {exc}") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise Retryable(f"the connection to {host_of(feed.url)} broke: {exc or type(exc).__name__}") from None
    except httpx.InvalidURL as exc:
        raise FetchError(name, f"invalid url {feed.url!r}: {exc}") from None


def fetch_page(
    client: httpx.Client, url: str, *, timeout: float, policy: FetchPolicy, hosts: HostLimiter
) -> bytes:
    """One web page (an article behind a summary-only feed), once, capped; raises FetchError."""
    page = FeedSpec(name=url, url=url, timeout=timeout)
    check_url(page)
    try:
        with hosts.slot(url):
            return _get_once(
                client,
                page,
                {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
                policy,
                at=time.monotonic() + timeout,
            ).content
    except Retryable as exc:
        raise FetchError(url, exc.reason, exc.hint, status=exc.status) from None
