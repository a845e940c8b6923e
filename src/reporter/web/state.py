"""What the routes share for the life of the server, and rendering a page with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from reporter.web.security import RateLimiter, csrf_token
from reporter.web.settings import WebSettings
from reporter.web.tasks import TaskRunner

if TYPE_CHECKING:
    from reporter.models import ReportSpec
    from reporter.pipeline import Context

TEMPLATES = "web/"  # the web app's templates, under the report templates (so projects can override them)
OPERATOR_KEY = "operator"


@dataclass
class WebState:
    """The pipeline context, the web settings, the templates, the limiters and the background tasks."""

    ctx: Context
    settings: WebSettings
    templates: jinja2.Environment
    tasks: TaskRunner
    login_limiter: RateLimiter
    subscribe_limiter: RateLimiter

    def report(self, slug: str) -> ReportSpec | None:
        """The configured report with this slug, or None."""
        return next((r for r in self.ctx.config.reports if r.slug == slug), None)

    def report_name(self, slug: str) -> str:
        """The report as readers know it: 'the Japan report'."""
        spec = self.report(slug)
        return f"the {spec.subject_name} report" if spec else f"the {slug!r} report"


def state(request: Request) -> WebState:
    """The app's shared state."""
    return request.app.state.web


def is_operator(request: Request) -> bool:
    """Whether this session logged in as the operator."""
    return bool(request.session.get(OPERATOR_KEY))


class _LazyCsrf:
    """The session's CSRF token, made only if a form on the page prints it (no cookie otherwise)."""

    def __init__(self, request: Request):
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    def __html__(self) -> str:
        return str(escape(str(self)))


def page(
    request: Request, template: str, *, status: int = 200, private: bool = False, **values: Any
) -> HTMLResponse:
    """Render one of the web templates as a page; `private` pages are never cached."""
    web = state(request)
    html = web.templates.get_template(TEMPLATES + template).render(
        request_path=request.url.path,
        csrf=_LazyCsrf(request),
        operator=is_operator(request),
        reports=web.ctx.config.reports,
        **values,
    )
    headers = {"cache-control": "no-store"} if private else None
    return HTMLResponse(html, status_code=status, headers=headers)


def message(
    request: Request, title: str, text: str, *, status: int = 200, private: bool = True, **values: Any
) -> HTMLResponse:
    """A page that says one thing (a confirmation, or what went wrong and what to do)."""
    return page(request, "message.html.j2", status=status, private=private, title=title, text=text, **values)
