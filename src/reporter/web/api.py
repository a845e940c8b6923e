"""For scripts: a health check and POST /build with the admin token (Authorization: Bearer)."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from reporter.errors import ReporterError
from reporter.web.auth import bearer_ok
from reporter.web.files import output_dir
from reporter.web.settings import ADMIN_TOKEN_ENV
from reporter.web.state import state


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return PlainTextResponse("ok")


def _refused(request: Request) -> Response | None:
    """None if the request carries the admin token; else the 403 or 401 to send."""
    if not state(request).settings.admin_token:
        return JSONResponse(
            {"error": f"on-demand builds are disabled; set {ADMIN_TOKEN_ENV} to enable on-demand builds"},
            status_code=403,
        )
    if not bearer_ok(request):
        return JSONResponse(
            {"error": f"send Authorization: Bearer <{ADMIN_TOKEN_ENV}>"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


async def build(request: Request) -> Response:
    """POST /build/<slug>/<YYYY-MM>[?formats=json,md&force=1]: ingest, then build through the pipeline."""
    from reporter import pipeline
    from reporter.models import FORMATS, BuildResult, parse_formats, resolve_period

    refused = _refused(request)
    if refused is not None:
        return refused
    web = state(request)
    ctx = web.ctx
    slug, key = request.path_params["slug"], request.path_params["period"]
    spec = web.report(slug)
    if spec is None:
        return JSONResponse({"error": f"no report named {slug!r}"}, status_code=404)
    try:
        period = resolve_period(spec, key, ctx.now())
        formats = parse_formats(request.query_params.get("formats", ",".join(FORMATS)))
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    force = request.query_params.get("force", "") in ("1", "true", "yes")
    try:
        # No early builds over the web; refused here at once, not after waiting for the lock
        # (`pipeline.run` checks again, as every caller's run does).
        pipeline.check_period(spec, period, ctx.now())
    except pipeline.PeriodNotOver as exc:
        return JSONResponse({"error": str(exc), "hint": exc.hint}, status_code=409)

    def run() -> BuildResult:
        # As `reporter build` does: ingest the report's sources first, so the build is current.
        with web.tasks.lock:
            return pipeline.run(ctx, spec, period, formats=formats, force=force, send=False).build

    try:
        result = await run_in_threadpool(run)
    except ReporterError as exc:
        return JSONResponse({"error": str(exc), "hint": exc.hint}, status_code=500)
    return JSONResponse(
        {
            "report": spec.slug,
            "period": period.key,
            "files": {fmt: public_path(request, path) for fmt, path in result.files.items()},
            "skipped": result.skipped,
        }
    )


def public_path(request: Request, path: str | Path) -> str:
    """The /reports/ address of a file the build wrote (its file path if it is outside the output folder)."""
    root = output_dir(request).resolve()
    try:
        return "/reports/" + Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def routes() -> list[Route]:
    """The script routes."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/build/{slug}/{period}", build, methods=["POST"]),
    ]
