"""Stage 4, render: a Report in each format (HTML, PDF, JSON, Markdown), as bytes, nothing written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reporter.models import Report
from reporter.pipeline.context import Context
from reporter.progress import NO_PROGRESS, Progress

# Tagged for screen readers (structure, reading order, language and title: PDF/UA-1, WeasyPrint's own).
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True, slots=True)
class Rendered:
    """The formats that rendered, and for each one that did not, why (message and hint)."""

    files: dict[str, bytes]
    missing: dict[str, str] = field(default_factory=dict)


def render_report(
    report: Report,
    *,
    formats: Sequence[str],
    templates_dir: Path | None,
    pdf_limits: tuple[float, int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Rendered:
    """Render the report in each requested format; a PDF that fails leaves the other formats written.

    `pdf_limits` is the renderer's (seconds, MB of address space), from the settings.
    """
    from reporter.errors import RenderError
    from reporter.render import render_html, render_json, render_markdown, render_pdf

    files: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    html: str | None = None
    progress.begin("rendering", len(formats), "formats")
    if "html" in formats or "pdf" in formats:
        html = render_html(report, templates_dir=templates_dir)
    if "html" in formats and html is not None:
        files["html"] = html.encode("utf-8")
        progress.step("rendering", detail="html")
    if "pdf" in formats and html is not None:
        timeout, memory_mb = pdf_limits or (300.0, 2048)
        try:
            files["pdf"] = render_pdf(
                html,
                templates_dir=templates_dir,
                timeout=timeout,
                memory_mb=memory_mb,
                pdf_variant=PDF_VARIANT,
            )
        except RenderError as exc:  # the PDF is the heaviest format; its failure must not cost the rest
            missing["pdf"] = f"{exc} (hint: {exc.hint})" if exc.hint else str(exc)
        progress.step("rendering", "failed" if "pdf" in missing else "done", "pdf")
    if "json" in formats:
        files["json"] = render_json(report).encode("utf-8")
        progress.step("rendering", detail="json")
    if "md" in formats:
        files["md"] = render_markdown(report).encode("utf-8")
        progress.step("rendering", detail="md")
    progress.end("rendering")
    return Rendered(files, missing)


def render_with_settings(ctx: Context, report: Report, formats: Sequence[str]) -> Rendered:
    """Render a report in the given formats with the configured templates and PDF limits."""
    settings = ctx.config.settings
    return render_report(
        report,
        formats=formats,
        templates_dir=settings.templates_dir,
        pdf_limits=(settings.pdf_timeout, settings.pdf_memory_mb),
        progress=ctx.progress,
    )
