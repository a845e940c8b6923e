"""What the benchmarks share: a loopback feed server, peak memory, and writing a result page.

Import it as `support` (a benchmark runs with bench/ first on sys.path); it is no benchmark itself,
so bench/run.py, which runs bench_*.py, leaves it alone.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
from collections.abc import Callable, Collection, Mapping
from pathlib import Path


def serve_feeds(
    make_docs: Callable[[], Mapping[str, bytes]],
    port_out: multiprocessing.Queue,  # type: ignore[type-arg]
    *,
    failing: Collection[str] = (),
    backlog: int = 256,
) -> None:
    """Serve feeds on 127.0.0.1 with ETags and 304s (a process's target: the feeds do not share our GIL).

    `make_docs` (picklable) makes path → bytes in the server's process, so the feeds' bytes are not
    counted in the benchmark's memory; the paths in `failing` answer 500, unknown paths 404. The port
    is put on `port_out`; the server runs until its process is stopped.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    docs = make_docs()
    etags = {path: '"' + hashlib.sha1(data).hexdigest()[:16] + '"' for path, data in docs.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            data = docs.get(self.path)
            if data is None or self.path in failing:
                self.send_response(500 if data is not None else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etags[self.path])
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.request_queue_size = backlog
    port_out.put(httpd.server_address[1])
    httpd.serve_forever()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB of this process (RUSAGE_SELF) or its largest waited-for child."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def rss_mb() -> float:
    """Resident memory of this process now, in MiB (not the peak: for memory that must not creep)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as '1.2 / 0.9 / 0.7' (the machine may be shared)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def write_result(out: Path, text: str) -> None:
    """Print a benchmark's markdown and write it to its page under docs/bench/."""
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
