"""Where a fetch may connect, and by when: the network guard under every feed and full-text request.

httpx connects through httpcore's network backend; this module supplies one that resolves the host
itself, refuses loopback, private, link-local, multicast and reserved addresses (unless the operator
allows private networks), connects to the very address it checked and checks the connected peer again.
Checking at connect time covers every redirect hop, every host spelling (decimal, hex, octal,
IPv4-mapped IPv6) and DNS rebinding, which a look at the URL beforehand cannot.

The same streams enforce a fetch's total deadline: each read, write and connect waits at most until the
deadline set with `deadline()`, so a server trickling header lines cannot stretch a fetch past it.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import ssl
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The monotonic time by which the current fetch must be done; one per thread (each fetch runs on one).
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "reporter_fetch_deadline", default=None
)
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not the internet


class BlockedAddress(Exception):
    """A connection refused because the host resolves to a non-public address."""

    def __init__(self, host: str, address: str, kind: str):
        super().__init__(f"{host} resolves to {address}, {a_kind(kind)} address")
        self.host, self.address, self.kind = host, address, kind


def a_kind(kind: str) -> str:
    """'a private', 'an unspecified': the kind of address with its article."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


class DeadlineExceeded(Exception):
    """The fetch's total deadline passed before the response was complete."""


def refusal(address: str | IPAddress) -> str | None:
    """Why an address is not on the public internet ("loopback", "private", …), or None if it is."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address dressed as IPv6 reaches the IPv4 host: judge the address inside.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            inner = refusal(embedded)
            if inner:
                return inner
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64: the last 32 bits are the IPv4 host
            inner = refusal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            if inner:
                return inner
    for kind, hit in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("shared (carrier-grade NAT)", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE),
        ("non-public", not ip.is_global),
    ):
        if hit:
            return kind
    return None


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Every network wait inside the block ends by `seconds` from now; yields the monotonic deadline."""
    at = time.monotonic() + seconds
    token = _DEADLINE.set(at)
    try:
        yield at
    finally:
        _DEADLINE.reset(token)


@contextmanager
def deadline_at(at: float) -> Iterator[float]:
    """The same, for a deadline already fixed (one fetch, several attempts)."""
    token = _DEADLINE.set(at)
    try:
        yield at
    finally:
        _DEADLINE.reset(token)


def _clamp(timeout: float | None) -> float | None:
    """The timeout to wait for one socket operation: the caller's, cut short by the deadline."""
    at = _DEADLINE.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the fetch's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every wait is bounded by the current fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to max_bytes, waiting no later than the deadline."""
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write the buffer, waiting no later than the deadline."""
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        """Close the socket."""
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS (the handshake bounded too); the certificate is checked against the host name."""
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        """Pass-through: the socket, its addresses, the TLS object."""
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, refuse non-public addresses (unless allowed), connect to the checked address only."""

    def __init__(self, *, allow_private: bool, public: frozenset[tuple[str, int]] = frozenset()):
        self.allow_private = allow_private
        # (address, port) pairs judged public anyway: how a test lets a server on 127.0.0.1 stand in
        # for a site on the internet while every other local address stays refused.
        self.public = public
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[tuple[int, int, typing.Any]] | None = None,
    ) -> httpcore.NetworkStream:
        """Open a TCP connection to a public address of `host` (any address when private ones are allowed)."""
        timeout = _clamp(timeout)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"getaddrinfo failed: {exc}") from exc
        if not self.allow_private:
            # One non-public answer refuses the host: a name that resolves to both is not trusted.
            for *_, sockaddr in infos:
                kind = self._refusal(sockaddr[0], port)
                if kind:
                    raise BlockedAddress(host, sockaddr[0], kind)
        last: Exception | None = None
        for *_, sockaddr in infos:
            # Connect to the very address that was checked: no second lookup for a rebinding DNS to answer.
            try:
                stream = self._backend.connect_tcp(
                    _strip_zone(sockaddr[0]) if len(sockaddr) == 2 else sockaddr[0],
                    port,
                    timeout=_clamp(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                last = exc
                continue
            peer = stream.get_extra_info("server_addr")[0]
            kind_of_peer = None if self.allow_private else self._refusal(peer, port)
            if kind_of_peer:  # never expected: we connected to an address we had checked
                stream.close()
                raise BlockedAddress(host, peer, kind_of_peer)
            return _Stream(stream)
        raise httpcore.ConnectError(str(last) if last else f"no address for {host}")

    def _refusal(self, address: str, port: int) -> str | None:
        address = _strip_zone(address)
        return None if (address, port) in self.public else refusal(address)


def _strip_zone(address: str) -> str:
    return address.split("%", 1)[0]  # fe80::1%eth0: the zone index is not part of the address


def guarded_transport(
    *, allow_private: bool, limits: httpx.Limits, public: frozenset[tuple[str, int]] = frozenset()
) -> httpx.HTTPTransport:
    """An httpx transport whose connections all go through the GuardedBackend."""
    transport = httpx.HTTPTransport(limits=limits, trust_env=False)
    # httpx builds its pool without a way to pass a network backend; build the same pool with ours.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow_private=allow_private, public=public),
    )
    return transport
