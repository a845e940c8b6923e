"""Starlette routes over the pipeline: the archive, one-click unsubscribe, on-demand builds, health.

Nothing here composes, renders or archives: builds go through `reporter.pipeline`, files come from
the output folder as `reporter.archive` wrote them, and tokens are checked by `deliver.tokens`.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import os
import re
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from reporter.errors import ReporterError

if TYPE_CHECKING:
    from reporter.pipeline import Context

ADMIN_TOKEN_ENV = "REPORTER_ADMIN_TOKEN"
# Only the formats the archive writes are served; anything else in the output folder stays private.
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PERIOD_RE = re.compile(r"^\d{4}-\d{2}$")
_FILE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.(html|pdf|json|md)$")


@dataclass
class _State:
    """What the routes share for the life of the server: the pipeline context and the environment."""

    ctx: Context
    env: Mapping[str, str]
    build_lock: threading.Lock  # one on-demand build at a time: builds are heavy and share an analyzer


def create_app(config_path: Path, env: Mapping[str, str] | None = None) -> Starlette:
    """The web app for one feeds.yaml; the store is opened when the server starts and closed when it stops."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from reporter.pipeline import open_context

        the_env = os.environ if env is None else env
        ctx = await run_in_threadpool(open_context, config_path, the_env)
        app.state.reporter = _State(ctx=ctx, env=the_env, build_lock=threading.Lock())
        try:
            yield
        finally:
            ctx.close()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/reports/{slug}/{period}/{file}", report_file, methods=["GET"]),
        # The archive index links relatively (it also works opened from disk); send those links home.
        Route("/{slug}/{period}/{file}", archive_link, methods=["GET"]),
        Route("/unsubscribe", unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe", unsubscribe, methods=["POST"]),
        Route("/build/{slug}/{period}", build, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _state(request: Request) -> _State:
    return request.app.state.reporter


def _output_dir(request: Request) -> Path:
    return _state(request).ctx.config.settings.output_dir


# --- the archive ----------------------------------------------------------------------------------


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return PlainTextResponse("ok")


async def index(request: Request) -> Response:
    """The archive index, output/index.html as `reporter build` last wrote it."""
    from reporter.archive import INDEX

    path = _output_dir(request) / INDEX
    if not path.is_file():
        return PlainTextResponse(
            "No reports have been built yet. Build one with `reporter build REPORT --period YYYY-MM`.",
            status_code=404,
        )
    return FileResponse(path, media_type=CONTENT_TYPES["html"])


async def report_file(request: Request) -> Response:
    """One built file, /reports/<slug>/<YYYY-MM>/<file>, only from inside the output folder."""
    slug, period, name = (request.path_params[k] for k in ("slug", "period", "file"))
    not_found = PlainTextResponse("No such report file.", status_code=404)
    if not (_SLUG_RE.match(slug) and _PERIOD_RE.match(period) and _FILE_RE.match(name)):
        return not_found
    root = _output_dir(request).resolve()
    path = (root / slug / period / name).resolve()
    # The patterns already exclude "..", but a symlink could still point outside: check the real path.
    if not path.is_relative_to(root) or not path.is_file():
        return not_found
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix.lstrip(".")])


async def archive_link(request: Request) -> Response:
    """A link from the index (<slug>/<YYYY-MM>/<file>), redirected to its /reports/ address."""
    p = request.path_params
    if not (_SLUG_RE.match(p["slug"]) and _PERIOD_RE.match(p["period"]) and _FILE_RE.match(p["file"])):
        return PlainTextResponse("Not found.", status_code=404)
    return RedirectResponse(f"/reports/{p['slug']}/{p['period']}/{p['file']}", status_code=308)


# --- unsubscribe (RFC 8058) -----------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em">
<h1>{title}</h1>
{body}
</body></html>
"""


def _verified(request: Request):
    """(the verified request, None) or (None, the error response to send)."""
    from reporter.deliver.tokens import secret_from_env, verify_token

    try:
        secret = secret_from_env(_state(request).env)
    except ReporterError as exc:
        # The server cannot check any link: the operator's problem, not the reader's.
        return None, PlainTextResponse(f"Unsubscribe links are not configured here: {exc}", status_code=503)
    found = verify_token(secret, request.query_params.get("token", ""))
    if found is None:
        return None, PlainTextResponse(
            "This unsubscribe link is not valid: it is incomplete or has been altered. "
            "Open the link from the email again, or reply to the email to be removed.",
            status_code=400,
        )
    return found, None


def _report_title(request: Request, slug: str) -> str:
    for spec in _state(request).ctx.config.reports:
        if spec.slug == slug:
            return f"the {spec.subject_name} report"
    return f"the {slug!r} report"


async def unsubscribe_page(request: Request) -> Response:
    """GET: a page asking to confirm, so a mail scanner following the link unsubscribes nobody."""
    found, error = _verified(request)
    if error is not None:
        return error
    title = html.escape(_report_title(request, found.report))
    action = "/unsubscribe?token=" + quote(request.query_params["token"], safe="")
    body = (
        f"<p>Stop receiving {title} by email?</p>\n"
        f'<form method="post" action="{html.escape(action)}">\n'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">\n'
        '<button type="submit">Unsubscribe</button>\n</form>'
    )
    return HTMLResponse(_PAGE.format(title="Unsubscribe", body=body))


async def unsubscribe(request: Request) -> Response:
    """POST: unsubscribe the token's subscriber from its report (one-click or the form); idempotent.

    The token alone decides: RFC 8058's body (List-Unsubscribe=One-Click) and the form's carry
    nothing else, so the body is not read.
    """
    found, error = _verified(request)
    if error is not None:
        return error
    store = _state(request).ctx.store
    await run_in_threadpool(store.subscribers.unsubscribe, found.subscriber_id, found.report)
    title = _report_title(request, found.report)
    return PlainTextResponse(f"You are unsubscribed from {title}. You will receive no more of it by email.")


# --- on-demand builds -----------------------------------------------------------------------------


def _refuse_unless_admin(request: Request) -> Response | None:
    """None if the request carries the admin token; else the 403 or 401 to send."""
    expected = (_state(request).env.get(ADMIN_TOKEN_ENV) or "").strip()
    if not expected:
        return JSONResponse(
            {"error": f"on-demand builds are disabled; set {ADMIN_TOKEN_ENV} to enable on-demand builds"},
            status_code=403,
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return JSONResponse(
            {"error": f"send Authorization: Bearer <{ADMIN_TOKEN_ENV}>"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


async def build(request: Request) -> Response:
    """POST /build/<slug>/<YYYY-MM>[?formats=json,md&force=1]: ingest, then build through the pipeline."""
    from reporter import pipeline
    from reporter.models import Period

    refused = _refuse_unless_admin(request)
    if refused is not None:
        return refused
    state = _state(request)
    ctx = state.ctx
    slug, key = request.path_params["slug"], request.path_params["period"]
    try:
        spec = ctx.config.report(slug)
    except ReporterError:
        return JSONResponse({"error": f"no report named {slug!r}"}, status_code=404)
    try:
        period = Period.parse(key, spec.period_months)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    formats = tuple(
        f.strip() for f in request.query_params.get("formats", ",".join(pipeline.FORMATS)).split(",")
    )
    formats = tuple(f for f in formats if f)
    unknown = sorted(set(formats) - set(pipeline.FORMATS))
    if unknown or not formats:
        return JSONResponse(
            {"error": f"unknown format(s) {', '.join(unknown) or '(none)'}; use html,pdf,json,md"},
            status_code=400,
        )
    force = request.query_params.get("force", "") in ("1", "true", "yes")

    def run() -> object:
        # As `reporter build` does: ingest the report's sources first, so the build is current.
        with state.build_lock:
            pipeline.ingest(ctx, spec)
            return pipeline.build(ctx, spec, period, formats=formats, force=force)

    try:
        result = await run_in_threadpool(run)
    except ReporterError as exc:
        return JSONResponse({"error": str(exc), "hint": exc.hint}, status_code=500)
    return JSONResponse(
        {
            "report": spec.slug,
            "period": period.key,
            "files": {fmt: _public_path(request, path) for fmt, path in result.files.items()},
            "skipped": result.skipped,
        }
    )


def _public_path(request: Request, path: str) -> str:
    """The /reports/ address of a file the build wrote (its file path if it is outside the output folder)."""
    root = _output_dir(request).resolve()
    try:
        return "/reports/" + Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path
