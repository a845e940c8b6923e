"""The operator's home: a Build button per report and period, and the progress of what was started."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reporter.web.auth import checked_form, operator_only
from reporter.web.state import message, page, state
from reporter.web.tasks import Task, reporting_to

REFRESH_SECONDS = 2  # how often a task's page reloads itself until the task is done


def _default_period(request: Request, slug: str) -> str:
    web = state(request)
    spec = web.report(slug)
    assert spec is not None
    return spec.closed_period(web.ctx.now()).key


@operator_only
async def dashboard(request: Request) -> Response:
    """GET /admin: build forms, one per report, and the recent tasks."""
    web = state(request)
    defaults = {r.slug: _default_period(request, r.slug) for r in web.ctx.config.reports}
    return page(
        request,
        "admin/home.html.j2",
        private=True,
        title="Operator",
        defaults=defaults,
        tasks=web.tasks.recent(),
    )


@operator_only
async def start_build(request: Request) -> Response:
    """POST /admin/build: ingest and build one report period in the background; show its progress."""
    from reporter import pipeline
    from reporter.models import resolve_period

    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = state(request)
    spec = web.report(str(form.get("report") or ""))
    if spec is None:
        return message(request, "No such report", "Choose one of the configured reports.", status=400)
    try:
        period = resolve_period(spec, str(form.get("period") or "").strip(), web.ctx.now())
    except ValueError as exc:
        return message(request, "Check the period", f"{exc}. Go back and correct it.", status=400)
    force = form.get("force") == "1"
    ctx = web.ctx

    def work(task: Task) -> None:
        task.stage = "fetching the report's sources"

        def building(_ingested: object) -> None:
            task.stage = "building: analysis, composition, rendering"

        with reporting_to(ctx, task):
            outcome = pipeline.run(ctx, spec, period, force=force, send=False, on_ingest=building)
        result = outcome.build
        task.summary = (
            f"not built again: {result.skip.reason} (tick Rebuild to replace it)"
            if result.skip is not None and result.skip.done
            else f"not built: {result.skip.reason}"
            if result.skip is not None
            else f"built {', '.join(sorted(result.files))}"
        )
        task.links = {"Archive": f"/reports/{spec.slug}/"}
        for fmt in ("html", "pdf"):
            if fmt in result.files:
                task.links[fmt.upper()] = f"/reports/{spec.slug}/{period.key}/{spec.slug}-{period.key}.{fmt}"

    task = web.tasks.start("build", f"Build {spec.slug} {period.key}", work)
    return RedirectResponse(f"/admin/tasks/{task.id}", status_code=303)


@operator_only
async def task_page(request: Request) -> Response:
    """GET /admin/tasks/<id>: where a task stands; reloads itself until it is done."""
    try:
        task = state(request).tasks.get(int(request.path_params["task_id"]))
    except ValueError:
        task = None
    if task is None:
        return message(request, "Not found", "No such task (only recent ones are kept).", status=404)
    refresh = None if task.finished else REFRESH_SECONDS
    return page(request, "admin/task.html.j2", private=True, title=task.label, task=task, refresh=refresh)


def routes() -> list[Route]:
    """The build routes."""
    return [
        Route("/admin", dashboard, methods=["GET"]),
        Route("/admin/build", start_build, methods=["POST"]),
        Route("/admin/tasks/{task_id}", task_page, methods=["GET"]),
        Route("/status", lambda r: RedirectResponse("/admin", status_code=308), methods=["GET"]),
    ]
