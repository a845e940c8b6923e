"""Run history, filtered by kind, report and status, newest first."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reporter.store.runs import Run
from reporter.web.auth import operator_only
from reporter.web.state import page, state

KINDS = ("ingest", "build", "send")
STATUSES = ("running", "ok", "partial", "failed", "skipped")
SCANNED = 1000  # the history looked through for a filter; older runs are for `reporter runs`
SHOWN = 200


def detail(run: Run) -> str:
    """A run's counts in a line ("new items 3 · sources 12"); lists and paths are left to `reporter runs`."""
    shown = [
        f"{key.replace('_', ' ')} {value}"
        for key, value in run.detail.items()
        if isinstance(value, int | float | str) and not isinstance(value, bool) and value != ""
    ]
    return " · ".join(shown)


@operator_only
async def runs_page(request: Request) -> Response:
    """GET /admin/runs?kind=&report=&status=: the runs that match, newest first."""
    q = request.query_params
    wanted = {k: q.get(k) or "" for k in ("kind", "report", "status")}
    found = await run_in_threadpool(state(request).ctx.store.runs.recent, SCANNED)
    shown = [
        r for r in found
        if (not wanted["kind"] or r.kind == wanted["kind"])
        and (not wanted["report"] or r.report == wanted["report"])
        and (not wanted["status"] or r.status == wanted["status"])
    ][:SHOWN]  # fmt: skip
    return page(
        request,
        "admin/runs.html.j2",
        private=True,
        title="Runs",
        runs=shown,
        wanted=wanted,
        kinds=KINDS,
        statuses=STATUSES,
        detail=detail,
    )


def routes() -> list[Route]:
    """The run-history routes."""
    return [Route("/admin/runs", runs_page, methods=["GET"])]
