"""Fetch one feed's bytes over HTTP(S) with httpx: one deadline, a size cap, conditional GET, retries.

Nothing here parses; it hands back bytes and headers, or raises a FeedError that says what went wrong.
Every connection goes through sources/guard.py: public addresses only (unless the operator allows
private networks), and a feed's `timeout` is the total time its fetch may take, retries included.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from reporter.errors import FeedError
from reporter.models import FeedSpec
from reporter.sources.guard import BlockedAddress, DeadlineExceeded, a_kind, deadline_at, guarded_transport
from reporter.urls import web_url

log = logging.getLogger(__name__)

_PERMANENT = {301, 308}


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How hard and how politely to fetch: limits shared by every feed of a run."""

    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a timeout or a 5xx
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_retry_after: float = 30.0  # a server's Retry-After is honoured up to this
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


class FetchError(FeedError):
    """A feed that could not be fetched; `status` is the HTTP status when there was one."""

    def __init__(self, feed_name: str, reason: str, hint: str | None = None, *, status: int | None = None):
        super().__init__(feed_name, reason, hint)
        self.status = status

    @property
    def gone(self) -> bool:
        """Whether the server said the feed is gone for good (410)."""
        return self.status == 410


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
        except _Retryable as exc:
            wait = exc.retry_after if exc.retry_after is not None else policy.backoff * 2 ** (attempt - 1)
            wait = min(wait, policy.max_retry_after) * (1 + random.random() / 10)
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


class _Retryable(Exception):
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
            moved_to = _moved_to(response)
            status = response.status_code
            if status == 304:
                return Fetched(url=str(response.url), status=304, moved_to=moved_to)
            if status >= 400:
                _raise_for_status(feed, response)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchError(
                    name,
                    f"the response is {_mb(int(declared))}, over the {_mb(policy.max_bytes)} cap",
                    "this is not a feed, or an unusually large one; check the url",
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(
                        name,
                        f"the response is over the {_mb(policy.max_bytes)} cap; gave up",
                        "this is not a feed, or an unusually large one; check the url",
                    )
                if time.monotonic() > deadline:
                    raise _too_slow(feed, capped)
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
        raise FetchError(name, _blocked_reason(feed.url, exc), _BLOCKED_HINT) from None
    except DeadlineExceeded:
        raise _too_slow(feed, capped) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            name,
            f"too many redirects (more than {policy.max_redirects}): a redirect loop?",
            f"open {feed.url} in a browser and put the final address in feeds.yaml",
        ) from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(name, f"redirected to a URL that is not http(s): {exc}") from None
    except httpx.ConnectTimeout:
        raise _Retryable(
            f"could not connect to {_host(feed.url)} within {timeout.connect:g}s",
            "the host is down or unreachable from here; check the network",
        ) from None
    except httpx.TimeoutException:
        if time.monotonic() >= deadline - 0.05:  # the socket wait was cut short by the deadline
            raise _too_slow(feed, capped) from None
        raise _Retryable(
            f"no response from {_host(feed.url)} within {feed.timeout:g}s",
            f"the server is slow; raise `timeout` for '{name}' in feeds.yaml",
        ) from None
    except httpx.ConnectError as exc:
        raise FetchError(
            name,
            f"cannot connect to {_host(feed.url)}: {_connect_reason(exc)}",
            "check the url and the network (DNS, proxy, firewall)",
        ) from None
    except httpx.DecodingError as exc:
        raise FetchError(name, f"the response could not be decompressed: {exc}") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise _Retryable(f"the connection to {_host(feed.url)} broke: {exc or type(exc).__name__}") from None
    except httpx.InvalidURL as exc:
        raise FetchError(name, f"invalid url {feed.url!r}: {exc}") from None


_BLOCKED_HINT = (
    "reporter fetches only public internet addresses; if this feed really is on your own network, "
    "set `allow_private_networks: true` under `settings:` in feeds.yaml"
)


def _blocked_reason(url: str, exc: BlockedAddress) -> str:
    where = urlsplit(url).hostname or url
    via = (
        ""
        if exc.host.strip("[]").lower() == where.strip("[]").lower()
        else f" (reached by a redirect from {where})"
    )
    return f"refused to connect to {exc.host}{via}: it is {exc.address}, {a_kind(exc.kind)} address"


def _too_slow(feed: FeedSpec, capped: bool = False) -> _Retryable:
    if capped:
        return _Retryable(
            f"not finished: the ingest reached its bound (settings.ingest_timeout) while {_host(feed.url)} "
            "was still answering",
            "many slow feeds share the bound; raise `ingest_timeout` under `settings:`, or lower the "
            "slow feeds' `timeout`",
            final=True,
        )
    return _Retryable(
        f"no complete response from {_host(feed.url)} within its {feed.timeout:g}s `timeout` "
        "(headers and body, retries included); gave up",
        f"the server is slow or trickling data; raise `timeout` for '{feed.name}' if it is always this slow",
        final=True,
    )


def _raise_for_status(feed: FeedSpec, response: httpx.Response) -> None:
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
        raise _Retryable(
            phrase + (": the server failed" if status >= 500 else ": rate limited"),
            "a problem on the server's side; it is retried on the next run",
            status=status,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    raise FetchError(feed.name, phrase, status=status)


def _moved_to(response: httpx.Response) -> str | None:
    # Only a permanent redirect of the feed's own URL is worth telling the user about.
    if response.history and response.history[0].status_code in _PERMANENT:
        return str(response.url)
    return None


def _retry_after(value: str | None) -> float | None:
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


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "the host name does not resolve (DNS)"
    if "Connection refused" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not valid"
    return text or type(exc).__name__


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


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
    except _Retryable as exc:
        raise FetchError(url, exc.reason, exc.hint, status=exc.status) from None
