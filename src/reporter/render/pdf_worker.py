"""The PDF renderer's child process: limits itself, renders HTML from stdin, writes the PDF to stdout.

Run as `python -m reporter.render.pdf_worker OPTIONS_JSON`; the parent (render/pdf.py) owns the timeout.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

from reporter.render.pdf import EXIT_FAILED, EXIT_MEMORY, STATS_PREFIX


def limit_resources(memory_mb: int, cpu_seconds: float) -> None:
    """Cap the address space and CPU time of this process before WeasyPrint is loaded."""
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


def main(argv: list[str]) -> int:
    """Entry point: read options and HTML, write the PDF, print stats to stderr."""
    options = json.loads(argv[1])
    limit_resources(int(options.get("memory_mb", 0)), float(options.get("timeout", 0)))
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        import weasyprint  # noqa: F401 - loaded before the clock starts, so stats time the render alone

        html = sys.stdin.buffer.read().decode("utf-8")
        started = time.perf_counter()
        pdf = render(html, [Path(d) for d in options.get("asset_dirs", [])], options.get("pdf_variant"))
    except MemoryError:
        sys.stderr.write("out of memory\n")
        return EXIT_MEMORY
    except Exception as exc:  # reported to the parent, which raises RenderError
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return EXIT_FAILED
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = {"seconds": time.perf_counter() - started, "peak_rss_kb": peak_kb, "bytes": len(pdf)}
    sys.stderr.write(STATS_PREFIX + json.dumps(stats) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
