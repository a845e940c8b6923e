"""HTML → PDF with WeasyPrint, in a child process with a time and a memory limit."""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from reporter.errors import RenderError
from reporter.render.templates import template_dirs

log = logging.getLogger(__name__)

STATS_PREFIX = "reporter-pdf-stats: "  # the worker's last stderr line: its time and peak memory
PEAK_PREFIX = "reporter-pdf-peak-kb: "  # on failure: the child's peak address space
MEMORY_HINT = (
    "raise `pdf_memory_mb` under `settings:` in feeds.yaml (or REPORTER_PDF_MEMORY_MB), e.g. to {double}; "
    "a month of many items needs more"
)
EXIT_MEMORY = 3
EXIT_FAILED = 4
FORKSERVER_PRELOAD = ("weasyprint", "reporter.render.fetcher", "reporter.render.pdf_worker")
PDF_VARIANTS = frozenset({"pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1"})


@dataclass(frozen=True, slots=True)
class PdfResult:
    """The PDF and what producing it cost the child process."""

    pdf: bytes
    seconds: float
    peak_rss_kb: int


def render_pdf(
    html: str,
    *,
    templates_dir: Path | None = None,
    timeout: float = 120,
    memory_mb: int = 2048,
    pdf_variant: str | None = None,
) -> bytes:
    """Render standalone HTML to PDF in a separate, time- and memory-limited WeasyPrint process."""
    return render_pdf_measured(
        html, templates_dir=templates_dir, timeout=timeout, memory_mb=memory_mb, pdf_variant=pdf_variant
    ).pdf


def render_pdf_measured(
    html: str,
    *,
    templates_dir: Path | None = None,
    timeout: float = 120,
    memory_mb: int = 2048,
    pdf_variant: str | None = None,
) -> PdfResult:
    """render_pdf(), also returning the child's render time and peak memory (for benchmarks)."""
    if pdf_variant is not None and pdf_variant.lower() not in PDF_VARIANTS:
        raise RenderError(
            f"unknown PDF variant {pdf_variant!r}", hint=f"use one of: {', '.join(sorted(PDF_VARIANTS))}"
        )
    options = {
        "asset_dirs": [str(d) for d in template_dirs(templates_dir)],
        "memory_mb": memory_mb,
        "timeout": timeout,
        "pdf_variant": pdf_variant.lower() if pdf_variant else None,
    }
    returncode, pdf, stderr = _run_child(options, html, timeout)
    stats = _forward_log(stderr)
    if returncode != 0:
        raise _failure(returncode, stderr, memory_mb)
    return PdfResult(pdf, float(stats.get("seconds", 0.0)), int(stats.get("peak_rss_kb", 0)))


def _run_child(options: dict[str, Any], html: str, timeout: float) -> tuple[int, bytes, str]:
    """Render in a fresh child process; return its exit code, the PDF and everything it printed."""
    from multiprocessing.connection import wait

    from reporter.render import pdf_worker

    ctx = _context()
    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=pdf_worker.child, args=(writer, options, html), name="reporter-pdf")
    try:
        proc.start()
        writer.close()  # so a child that dies before answering reads as EOF, not as a hang
        if not wait([reader], timeout):
            raise RenderError(
                f"PDF rendering took longer than {timeout:g} s and was stopped (its time limit)",
                hint="raise `pdf_timeout` under `settings:` in feeds.yaml (or REPORTER_PDF_TIMEOUT), "
                "or look for a runaway item (an enormous table or image)",
            )
        try:
            returncode, pdf, stderr = reader.recv()
        except EOFError:  # crashed or killed (a signal, the CPU limit): the exit code says which
            proc.join()
            returncode, pdf, stderr = proc.exitcode if proc.exitcode is not None else EXIT_FAILED, b"", ""
            if returncode == 1:  # multiprocessing's own failure: the child never reached the worker
                raise RenderError(
                    "the PDF renderer's process failed to start (its traceback is on stderr)",
                    hint="a script that renders PDFs must keep its top-level code under "
                    "`if __name__ == '__main__':`, as multiprocessing re-imports it in the child",
                ) from None
        return returncode, pdf, stderr
    finally:
        if proc.is_alive():
            proc.kill()
        if proc.pid is not None:
            proc.join()
            proc.close()
        writer.close()
        reader.close()


def _context() -> BaseContext:
    # A forkserver that has imported WeasyPrint once forks each render's child from that warm state:
    # every PDF still gets its own process, limits and timeout, minus a new interpreter and the import.
    # The server is started on first use and shared by the whole process (multiprocessing keeps one).
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return ctx


def _forward_log(stderr: str) -> dict[str, float]:
    stats: dict[str, float] = {}
    for line in stderr.splitlines():
        if line.startswith(STATS_PREFIX):
            stats = json.loads(line[len(STATS_PREFIX) :])
        elif line.startswith("reporter.render.fetcher:"):
            log.warning("%s", line.split(": ", 1)[1])  # a refused URL is worth knowing about
        elif line.strip():
            log.debug("pdf worker: %s", line)
    return stats


def _failure(returncode: int, stderr: str, memory_mb: int) -> RenderError:
    lines = [
        line
        for line in stderr.splitlines()
        if line.strip() and not line.startswith((STATS_PREFIX, PEAK_PREFIX))
    ]
    last = lines[-1] if lines else "no message"
    peak_mb = _peak_kb(stderr) / 1024
    double = f"{memory_mb * 2}"
    near_limit = peak_mb >= memory_mb * 0.9
    if returncode == EXIT_MEMORY or "MemoryError" in stderr or "out of memory" in last or near_limit:
        peak = f"; it peaked at {peak_mb:.0f} MB" if peak_mb else ""
        return RenderError(
            f"PDF rendering hit its memory limit of {memory_mb} MB of address space{peak} ({last})",
            hint=MEMORY_HINT.format(double=double),
        )
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = ""
        if name == "SIGXCPU":
            return RenderError(
                "PDF rendering hit its CPU-time limit and was stopped",
                hint="raise `pdf_timeout` under `settings:` in feeds.yaml (or REPORTER_PDF_TIMEOUT)",
            )
        # A C library that cannot allocate aborts (SIGABRT, SIGTRAP) or crashes: at a memory limit.
        return RenderError(
            f"the PDF renderer crashed ({name or 'signal ' + str(-returncode)}), which it does when it "
            f"hits its memory limit of {memory_mb} MB of address space",
            hint=MEMORY_HINT.format(double=double),
        )
    return RenderError(f"PDF rendering failed: {last}", hint="run with -v to see WeasyPrint's messages")


def _peak_kb(stderr: str) -> int:
    for line in stderr.splitlines():
        if line.startswith(PEAK_PREFIX):
            try:
                return int(line[len(PEAK_PREFIX) :])
            except ValueError:
                return 0
    return 0
