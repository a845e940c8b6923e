"""Report → the email body, as plain text and as HTML (the deliver stage inlines the CSS)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from reporter.errors import RenderError
from reporter.models import Report
from reporter.render.templates import environment, stylesheet
from reporter.render.view import build_view

TEXT_TEMPLATE = "email.txt.j2"
HTML_TEMPLATE = "email.html.j2"


def render_email(
    report: Report,
    *,
    templates_dir: Path | None = None,
    links: dict[str, str] | None = None,
    attached: bool = True,
) -> tuple[str, str]:
    """(plain text, HTML) email bodies: overview, contents with counts, and links to the report.

    `links` maps names to http(s) URLs: "html", "pdf", "archive", "unsubscribe" are used when present;
    `attached` says whether the PDF travels with the message (else the body points at the links).
    """
    view = build_view(report, links=links)
    env = environment(templates_dir, typographic=True)
    text_env = environment(templates_dir, typographic=True)
    text_env.autoescape = False  # plain text: nothing to escape, and &amp; would be wrong
    try:
        text = text_env.get_template(TEXT_TEMPLATE).render(r=view, attached=attached)
        html = env.get_template(HTML_TEMPLATE).render(
            r=view, attached=attached, css=stylesheet(env, "email.css")
        )
    except jinja2.TemplateError as exc:
        raise RenderError(
            f"email template: {exc}",
            hint="fix templates/email.*.j2, or delete it to use the packaged default",
        ) from exc
    return text, html
