"""The PDF renderer's child process: limits itself, renders the HTML, hands the PDF back to the parent.

The parent (render/pdf.py) forks it from a forkserver that has WeasyPrint imported already, and calls
`child()`; `python -m reporter.render.pdf_worker OPTIONS_JSON` (HTML on stdin, PDF on stdout) does the
same in a fresh interpreter. Either way the parent owns the timeout.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from reporter.render.pdf import EXIT_FAILED, EXIT_MEMORY, PEAK_PREFIX, STATS_PREFIX


def vm_peak_kb() -> int:
    """This process's peak address space in kB (what RLIMIT_AS limits), 0 where /proc has no answer."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmPeak:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def limit_resources(memory_mb: int, cpu_seconds: float) -> None:
    """Cap the address space and CPU time of this process before it renders anything."""
    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(
            resource.RLIMIT_AS, (cap, hard if hard != resource.RLIM_INFINITY and hard < cap else cap)
        )
    if cpu_seconds > 0:
        seconds = int(cpu_seconds) + 5  # the parent's wall-clock timeout fires first; this is the backstop
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def render(html: str, asset_dirs: list[Path], pdf_variant: str | None) -> bytes:
    """Render the HTML to PDF bytes with the locked-down fetcher and no base URL."""
    from weasyprint import HTML

    from reporter.render.fetcher import ASSET_SCHEME, make_url_fetcher

    fetcher = make_url_fetcher(asset_dirs)
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    # The base URL is our asset scheme, never a file: path, so nothing from the disk is reachable
    # and no local path ends up in the PDF.
    document = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher)
    return document.write_pdf(**options)


def run(options: dict[str, Any], html: str) -> tuple[int, bytes]:
    """Limit this process, render, and return (exit code, PDF); messages and stats go to stderr."""
    limit_resources(int(options.get("memory_mb", 0)), float(options.get("timeout", 0)))
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr, force=True)
    try:
        import weasyprint  # noqa: F401 - loaded before the clock starts, so stats time the render alone

        started = time.perf_counter()
        pdf = render(html, [Path(d) for d in options.get("asset_dirs", [])], options.get("pdf_variant"))
    except MemoryError:
        sys.stderr.write(f"out of memory\n{PEAK_PREFIX}{vm_peak_kb()}\n")
        return EXIT_MEMORY, b""
    except Exception as exc:  # reported to the parent, which raises RenderError
        # A C library that fails to allocate often surfaces as SystemError or an odd exception: the
        # peak address space tells the parent whether the memory limit was the cause.
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n{PEAK_PREFIX}{vm_peak_kb()}\n")
        return EXIT_FAILED, b""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = {"seconds": time.perf_counter() - started, "peak_rss_kb": peak_kb, "bytes": len(pdf)}
    sys.stderr.write(STATS_PREFIX + json.dumps(stats) + "\n")
    return 0, pdf


def child(conn: Connection, options: dict[str, Any], html: str) -> None:
    """Forked-child entry point: render, send (exit code, PDF, captured stderr) to the parent, exit."""
    code = EXIT_FAILED
    try:
        # The forkserver's stdout and stderr are the caller's own; capture everything at the fd level
        # (C libraries included) so the parent can forward it to logging as it always has.
        with tempfile.TemporaryFile() as capture:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(capture.fileno(), 1)
            os.dup2(capture.fileno(), 2)
            code, pdf = run(options, html)
            sys.stderr.flush()
            capture.seek(0)
            conn.send((code, pdf, capture.read().decode("utf-8", "replace")))
            conn.close()
    except MemoryError:  # even the hand-over can hit the limit; the exit code still says why
        code = EXIT_MEMORY
    finally:
        os._exit(code)  # skip interpreter teardown: nothing in this child needs it


def main(argv: list[str]) -> int:
    """Command-line entry point: options as argv[1], HTML on stdin, PDF on stdout, stats on stderr."""
    options = json.loads(argv[1])
    html = sys.stdin.buffer.read().decode("utf-8")
    code, pdf = run(options, html)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
