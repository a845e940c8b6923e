"""Report → one standalone HTML5 page (screen and print stylesheets inline), autoescaped."""

from __future__ import annotations

from pathlib import Path

import jinja2

from reporter.errors import RenderError
from reporter.models import Report
from reporter.render.templates import environment, stylesheet
from reporter.render.view import ReportView, build_view

REPORT_TEMPLATE = "report.html.j2"


def render_html(report: Report, *, templates_dir: Path | None = None) -> str:
    """The report as a full standalone HTML5 page, ready to publish and to print with WeasyPrint."""
    env = environment(templates_dir, typographic=True)
    view = build_view(report)
    return render_template(env, REPORT_TEMPLATE, view)


def render_template(env: jinja2.Environment, name: str, view: ReportView) -> str:
    """Render one report template with the view and the two stylesheets."""
    try:
        template = env.get_template(name)
        return template.render(
            r=view,
            css=stylesheet(env, "report.css"),
            print_css=stylesheet(env, "print.css"),
        )
    except jinja2.TemplateError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise RenderError(
            f"template {name}{where}: {exc}",
            hint=f"fix templates/{name}, or delete it to use the packaged default",
        ) from exc
