"""Full text for summary-only feeds: trafilatura in a child process, with a hard timeout and a size cap.

trafilatura parses arbitrary web pages with lxml; a pathological page can hang it or eat memory, so it
never runs in the ingest process. A page that times out kills the child (a fresh one starts for the
next page) and the entry keeps its summary.
"""

from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)


def _serve(conn: Connection) -> None:
    """The child's loop: (html bytes, url) in, extracted text (or None) out, until told to stop."""
    import trafilatura

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        page, url, max_chars = job
        try:
            text = trafilatura.extract(
                page, url=url, include_comments=False, include_tables=False, favor_precision=True
            )
        except Exception as exc:  # any failure in a third-party parser means "no full text"
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        conn.send(("ok", text[:max_chars] if text and max_chars is not None else text or None))


class Extractor:
    """A trafilatura child process, started on first use; use as a context manager."""

    # max_chars None: the whole text, so that normalize cuts it at settings.max_entry_chars, at a word,
    # and records that it did (a cut here would be silent and mid-word). The page itself is bounded.
    def __init__(
        self, *, timeout: float = 15.0, max_chars: int | None = None, max_page_bytes: int = 5_000_000
    ):
        self.timeout = timeout
        self.max_chars = max_chars
        self.max_page_bytes = max_page_bytes
        self._process: Any = None
        self._conn: Connection | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def extract(self, page: bytes, url: str | None = None) -> str | None:
        """The article text of a web page, or None when there is none, it failed, or it took too long."""
        if not page or len(page) > self.max_page_bytes:
            return None
        conn = self._ensure()
        try:
            conn.send((page, url, self.max_chars))
            if not conn.poll(self.timeout):
                log.warning("full text of %s took over %.0fs; keeping the summary", url, self.timeout)
                self._kill()
                return None
            status, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            log.warning("the full-text extractor died on %s; keeping the summary", url)
            self._kill()
            return None
        if status != "ok":
            log.info("no full text for %s: %s", url, value)
            return None
        return value

    def close(self) -> None:
        """Stop the child process, politely, then firmly."""
        if self._process is None:
            return
        try:
            if self._conn is not None:
                self._conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self._process.join(timeout=2)
        self._kill()

    def _ensure(self) -> Connection:
        if self._process is None or not self._process.is_alive():
            # spawn, not fork: the ingest process has threads and open database connections.
            ctx = multiprocessing.get_context("spawn")
            parent, child = ctx.Pipe()
            self._process = ctx.Process(target=_serve, args=(child,), daemon=True, name="reporter-fulltext")
            self._process.start()
            child.close()
            self._conn = parent
        assert self._conn is not None
        return self._conn

    def _kill(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process = None
        self._conn = None
