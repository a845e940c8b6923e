"""The outbox of each send: per build, who was sent, deferred, failed, or is in an unknown state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reporter.store.deliveries import FAILED, PENDING, SENDING, SENT, Delivery
from reporter.web.auth import operator_only
from reporter.web.state import message, page, state

# What the operator reads for each outbox state: "unknown" is a row claimed but never settled (a
# crash mid-send: the server may have the message), which `reporter send` never resends unasked.
STATES = ("sent", "deferred", "queued", "failed", "unknown")


def state_of(d: Delivery) -> str:
    """sent | deferred (a temporary failure, retried later) | queued | failed | unknown."""
    if d.status == SENT:
        return "sent"
    if d.status == FAILED:
        return "failed"
    if d.status == SENDING:
        return "unknown"
    if d.status == PENDING and d.attempts:
        return "deferred"
    return "queued"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message of a send, as the page shows it."""

    email: str
    state: str
    attempts: int
    last_error: str | None
    when: datetime | None  # sent at, or the next attempt for a deferred one


def _rows(request: Request, build_id: int) -> list[OutboxRow]:
    store = state(request).ctx.store
    emails = {s.subscriber_id: s.email for s in store.subscribers.list(include_unsubscribed=True)}
    return [
        OutboxRow(
            email=emails.get(d.subscriber_id, f"subscriber {d.subscriber_id} (removed)"),
            state=state_of(d),
            attempts=d.attempts,
            last_error=d.last_error,
            when=d.sent_at if d.status == SENT else d.next_attempt_at,
        )
        for d in store.deliveries.for_build(build_id)
    ]


def _sends(request: Request) -> list[tuple[object, dict[str, int]]]:
    store = state(request).ctx.store
    found = []
    for b in store.builds.recent(100):
        rows = store.deliveries.for_build(b.id)
        if rows:
            counts = {s: 0 for s in STATES}
            for d in rows:
                counts[state_of(d)] += 1
            found.append((b, counts))
    return found


@operator_only
async def sends_page(request: Request) -> Response:
    """GET /admin/outbox: every build that has an outbox, with its counts per state."""
    found = await run_in_threadpool(_sends, request)
    return page(request, "admin/sends.html.j2", private=True, title="Outbox", sends=found, states=STATES)


@operator_only
async def outbox_page(request: Request) -> Response:
    """GET /admin/outbox/<report>/<YYYY-MM>[?state=]: one send's messages."""
    store = state(request).ctx.store
    report, period = request.path_params["report"], request.path_params["period"]
    build = await run_in_threadpool(store.builds.get, report, period)
    if build is None:
        return message(request, "Not found", "No build of that report and period.", status=404)
    rows = await run_in_threadpool(_rows, request, build.id)
    wanted = request.query_params.get("state", "")
    counts = {s: sum(r.state == s for r in rows) for s in STATES}
    shown = [r for r in rows if not wanted or r.state == wanted]
    return page(
        request,
        "admin/outbox.html.j2",
        private=True,
        title=f"Outbox: {build.report} {build.period}",
        build=build,
        rows=shown,
        counts=counts,
        wanted=wanted,
        states=STATES,
    )


def routes() -> list[Route]:
    """The outbox routes."""
    return [
        Route("/admin/outbox", sends_page, methods=["GET"]),
        Route("/admin/outbox/{report}/{period}", outbox_page, methods=["GET"]),
    ]
