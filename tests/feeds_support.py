"""A real HTTP server on 127.0.0.1 for the feed tests: one handler per path, every request recorded."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data" / "feeds"
Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Request:
    """One request the server saw."""

    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    """Routes and the log of requests; `url(path)` gives the address of a path."""

    port: int = 0
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        """The requests made for one path."""
        return [r for r in self.requests if r.path == path]

    # --- handlers ---------------------------------------------------------------------------

    def file(
        self, path: str, name: str, content_type: str = "application/rss+xml", *, gz: bool = False
    ) -> None:
        """Serve a file from tests/data/feeds with ETag and Last-Modified, answering 304 when unchanged."""
        self.body(path, (DATA / name).read_bytes(), content_type, gz=gz)

    def body(
        self, path: str, data: bytes, content_type: str = "application/rss+xml", *, gz: bool = False
    ) -> None:
        """Serve fixed bytes with validators (and gzip when asked)."""
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        modified = formatdate(1_700_000_000, usegmt=True)

        def handle(h: BaseHTTPRequestHandler) -> None:
            if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == modified:
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
            payload = gzip.compress(data) if gz else data
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(payload)))
            h.send_header("ETag", etag)
            h.send_header("Last-Modified", modified)
            if gz:
                h.send_header("Content-Encoding", "gzip")
            h.end_headers()
            h.wfile.write(payload)

        self.routes[path] = handle

    def status(self, path: str, code: int, headers: dict[str, str] | None = None) -> None:
        """Answer with a bare status code."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(code)
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = handle

    def redirect(self, path: str, to: str, code: int = 301) -> None:
        """Redirect to another path or URL."""
        self.status(path, code, {"Location": to})

    def sleep(self, path: str, seconds: float) -> None:
        """Say nothing for a while, then close."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            time.sleep(seconds)
            h.close_connection = True

        self.routes[path] = handle

    def drip(self, path: str, every: float, total: int = 10_000) -> None:
        """Send headers at once, then one byte every `every` seconds."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.send_header("Content-Length", str(total))
            h.end_headers()
            try:
                for _ in range(total):
                    h.wfile.write(b" ")
                    h.wfile.flush()
                    time.sleep(every)
            except OSError:
                return

        self.routes[path] = handle

    def trickle_headers(self, path: str, every: float, lines: int = 1000) -> None:
        """Send the status line, then one header line every `every` seconds: headers that never end."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            try:
                h.wfile.write(b"HTTP/1.1 200 OK\r\n")
                h.wfile.flush()
                for n in range(lines):
                    time.sleep(every)
                    h.wfile.write(f"X-Padding-{n}: still going\r\n".encode())
                    h.wfile.flush()
            except OSError:
                return
            h.close_connection = True

        self.routes[path] = handle

    def huge(self, path: str, size: int, *, declare: bool) -> None:
        """Stream `size` bytes of a feed-looking document, with or without a Content-Length."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            if declare:
                h.send_header("Content-Length", str(size))
            h.end_headers()
            chunk = b"<!-- padding -->" * 4096
            sent = 0
            try:
                h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
                while sent < size:
                    h.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                return

        self.routes[path] = handle


@contextmanager
def serve() -> Iterator[FeedServer]:
    """Start a FeedServer on a free port of 127.0.0.1 for the length of the block."""
    server = FeedServer()

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server.requests.append(Request(self.path, {k: v for k, v in self.headers.items()}))
            handle = server.routes.get(self.path)
            if handle is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            handle(self)

        def log_message(self, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
