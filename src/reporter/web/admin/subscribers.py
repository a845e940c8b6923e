"""Subscribers for the operator: search, add, remove, export."""

from __future__ import annotations

import io

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reporter.store.subscription import DELIVERY_FORMATS, SubscriberError, write_export
from reporter.web.auth import checked_form, operator_only
from reporter.web.state import page, state

SHOWN = 500


@operator_only
async def subscribers_page(request: Request) -> Response:
    """GET /admin/subscribers?q=&report=&all=1: matching subscriptions, with add and remove."""
    return await _listing(request)


async def _listing(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    q = request.query_params
    text, report, everyone = q.get("q", ""), q.get("report") or None, q.get("all") == "1"
    repo = state(request).ctx.store.subscribers
    found = await run_in_threadpool(
        lambda: repo.search(text, report=report, include_unsubscribed=everyone, limit=SHOWN)
    )
    return page(
        request,
        "admin/subscribers.html.j2",
        status=status,
        private=True,
        title="Subscribers",
        subs=found,
        q=text,
        report=report or "",
        everyone=everyone,
        formats=tuple(DELIVERY_FORMATS),
        error=error,
        notice=q.get("done", ""),
    )


@operator_only
async def add(request: Request) -> Response:
    """POST /admin/subscribers/add: subscribe an address (consent: operator)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = state(request)
    slug = str(form.get("report") or "")
    if web.report(slug) is None:
        return await _listing(request, error="Choose one of the configured reports.", status=400)
    try:
        sub = await run_in_threadpool(
            lambda: web.ctx.store.subscribers.add(
                str(form.get("email") or ""),
                report=slug,
                name=str(form.get("name") or "") or None,
                format=str(form.get("format") or "pdf"),
                resubscribe=form.get("resubscribe") == "1",
                consent="operator",
                consent_note="web admin",
            )
        )
    except SubscriberError as exc:
        return await _listing(request, error=f"{exc} ({exc.hint})" if exc.hint else str(exc), status=400)
    return RedirectResponse(f"/admin/subscribers?done=added+{sub.email}", status_code=303)


@operator_only
async def remove(request: Request) -> Response:
    """POST /admin/subscribers/remove: delete one address's subscription to one report."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    email, slug = str(form.get("email") or ""), str(form.get("report") or "")
    try:
        await run_in_threadpool(lambda: state(request).ctx.store.subscribers.remove(email, report=slug))
    except SubscriberError as exc:
        return await _listing(request, error=str(exc), status=400)
    return RedirectResponse(f"/admin/subscribers?done=removed+{email}", status_code=303)


@operator_only
async def export(request: Request) -> Response:
    """GET /admin/subscribers.csv: everyone (with status and consent), as `reporter subscribers export`."""
    report = request.query_params.get("report") or None
    repo = state(request).ctx.store.subscribers
    subs = await run_in_threadpool(lambda: repo.list(report, include_unsubscribed=True))
    out = io.StringIO()
    write_export(subs, out)
    name = f"subscribers-{report}.csv" if report else "subscribers.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
    )


def routes() -> list[Route]:
    """The subscriber routes."""
    return [
        Route("/admin/subscribers", subscribers_page, methods=["GET"]),
        Route("/admin/subscribers/add", add, methods=["POST"]),
        Route("/admin/subscribers/remove", remove, methods=["POST"]),
        Route("/admin/subscribers.csv", export, methods=["GET"]),
    ]
