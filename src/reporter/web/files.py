"""Files: the built reports, only from inside the output folder, and our own stylesheets."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from reporter.models import FORMATS, SLUG_RE
from reporter.models import PERIOD_KEY_RE as PERIOD_RE
from reporter.render.templates import stylesheet
from reporter.web.security import REPORT_CSP
from reporter.web.state import message, state

# Only the formats the archive writes are served; anything else in the output folder stays private.
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
_FILE_RE = re.compile(rf"^[a-z0-9][a-z0-9.-]*\.({'|'.join(FORMATS)})$")
# Stylesheets by public name → template name; nothing from the request ever becomes a path.
STYLESHEETS = {"report.css": "report.css", "site.css": "web/static/site.css"}


def output_dir(request: Request) -> Path:
    """The output folder the archive writes to."""
    return state(request).ctx.config.settings.output_dir


def _not_found(request: Request) -> Response:
    return message(request, "Not found", "There is no such report file.", status=404, private=False)


def built_file(request: Request, slug: str, period: str, name: str) -> Path | None:
    """The real path of a built file if it is one we serve and it lies inside the output folder."""
    if not (SLUG_RE.match(slug) and PERIOD_RE.match(period) and _FILE_RE.match(name)):
        return None
    root = output_dir(request).resolve()
    path = (root / slug / period / name).resolve()
    # The patterns already exclude "..", but a symlink could still point outside: check the real path.
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


async def report_file(request: Request) -> Response:
    """One built file, /reports/<slug>/<YYYY-MM>/<file>."""
    p = request.path_params
    path = built_file(request, p["slug"], p["period"], p["file"])
    if path is None:
        return _not_found(request)
    headers = {"content-security-policy": REPORT_CSP} if path.suffix == ".html" else None
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix.lstrip(".")], headers=headers)


async def archive_link(request: Request) -> Response:
    """A relative link from an index or an email (<slug>/<YYYY-MM>/<file>), sent to /reports/."""
    p = request.path_params
    if not (SLUG_RE.match(p["slug"]) and PERIOD_RE.match(p["period"]) and _FILE_RE.match(p["file"])):
        return _not_found(request)
    return RedirectResponse(f"/reports/{p['slug']}/{p['period']}/{p['file']}", status_code=308)


async def index_link(request: Request) -> Response:
    """/reports/index.html, where a report's 'Archive' link leads when served: the archive home."""
    return RedirectResponse("/", status_code=308)


async def static(request: Request) -> Response:
    """/static/<name>: one of our stylesheets."""
    name = STYLESHEETS.get(request.path_params["name"])
    if name is None:
        return _not_found(request)
    css = stylesheet(state(request).templates, name)
    return Response(str(css), media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})


def routes() -> list[Route]:
    """The file routes."""
    return [
        Route("/static/{name}", static, methods=["GET"]),
        Route("/reports/index.html", index_link, methods=["GET"]),
        Route("/reports/{slug}/{period}/{file}", report_file, methods=["GET"]),
        # Indexes and emails link <slug>/<YYYY-MM>/<file> (they also work opened from disk).
        Route("/{slug}/{period}/{file}", archive_link, methods=["GET"]),
    ]
