"""HTML → PDF with WeasyPrint, in a child process with a time and a memory limit."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from reporter.errors import RenderError
from reporter.render.templates import template_dirs

log = logging.getLogger(__name__)

STATS_PREFIX = "reporter-pdf-stats: "  # the worker's last stderr line: its time and peak memory
EXIT_MEMORY = 3
EXIT_FAILED = 4
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
    command = [sys.executable, "-m", "reporter.render.pdf_worker", json.dumps(options)]
    try:
        proc = subprocess.run(
            command,
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=_child_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"PDF rendering took longer than {timeout:g} s and was stopped",
            hint="raise the render timeout, or look for a runaway item (an enormous table or image)",
        ) from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    stats = _forward_log(stderr)
    if proc.returncode != 0:
        raise _failure(proc.returncode, stderr, memory_mb)
    return PdfResult(proc.stdout, float(stats.get("seconds", 0.0)), int(stats.get("peak_rss_kb", 0)))


def _child_env() -> dict[str, str]:
    # The child must import this very package, installed or not.
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


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
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(STATS_PREFIX)]
    last = lines[-1] if lines else "no message"
    if returncode == EXIT_MEMORY or "MemoryError" in stderr or "out of memory" in last:
        return RenderError(
            f"PDF rendering ran out of memory (limit {memory_mb} MB)",
            hint="raise the memory limit for rendering, or split the report into shorter periods",
        )
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = ""
        return RenderError(
            f"the PDF renderer crashed ({name or 'signal ' + str(-returncode)}), most likely at its "
            f"memory limit of {memory_mb} MB or its CPU-time limit",
            hint="raise the memory limit for rendering, or split the report into shorter periods",
        )
    return RenderError(f"PDF rendering failed: {last}", hint="run with -v to see WeasyPrint's messages")
