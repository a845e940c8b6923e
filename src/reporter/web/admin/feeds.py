"""Feed health, as Miniflux shows it: last success, failures, last error, entries; and Refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reporter.store.feeds import FeedState
from reporter.web.auth import checked_form, operator_only
from reporter.web.state import page, state
from reporter.web.tasks import Task, reporting_to


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One configured feed with what the store remembers of it."""

    name: str
    url: str
    reports: tuple[str, ...]
    enabled: bool
    last_success: datetime | None
    last_fetch: datetime | None
    failures: int
    last_error: str | None
    entries: int
    gone: bool

    @property
    def status(self) -> str:
        """ok | failing | gone | disabled | never fetched."""
        if not self.enabled:
            return "disabled"
        if self.gone:
            return "gone"
        if self.last_fetch is None:
            return "never fetched"
        return "failing" if self.failures else "ok"


def health(request: Request) -> list[FeedHealth]:
    """Every configured feed's health, failing ones first."""
    config = state(request).ctx.config
    states = {s.name: s for s in state(request).ctx.store.feeds.all()}
    rows = []
    for feed in config.feeds:
        s = states.get(feed.name) or FeedState(name=feed.name, url=feed.url)
        rows.append(
            FeedHealth(
                name=feed.name,
                url=feed.url,
                reports=tuple(r.slug for r in config.reports if feed.name in r.feeds),
                enabled=feed.enabled,
                last_success=s.last_success,
                last_fetch=s.last_fetch,
                failures=s.consecutive_failures,
                last_error=s.last_error,
                entries=s.entries_seen,
                gone=s.gone,
            )
        )
    order = {"failing": 0, "gone": 1, "never fetched": 2, "ok": 3, "disabled": 4}
    return sorted(rows, key=lambda f: (order[f.status], f.name))


@operator_only
async def feeds_page(request: Request) -> Response:
    """GET /admin/feeds: the feeds' health and the Refresh button."""
    rows = await run_in_threadpool(health, request)
    refreshing = [t for t in state(request).tasks.recent() if t.kind == "refresh" and not t.finished]
    return page(
        request, "admin/feeds.html.j2", private=True, title="Feeds", feeds=rows, refreshing=refreshing
    )


@operator_only
async def refresh(request: Request) -> Response:
    """POST /admin/feeds/refresh: fetch every report's sources now, in the background."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    from reporter import pipeline

    ctx = state(request).ctx

    def work(task: Task) -> None:
        task.stage = "fetching the feeds"
        with reporting_to(ctx, task):
            outcome = pipeline.ingest(ctx)
        failed = len(outcome.failures)
        task.summary = f"{outcome.new_items} new item(s); {failed} source(s) failed"
        task.links = {"Feed health": "/admin/feeds"}

    task = state(request).tasks.start("refresh", "Refresh all feeds", work)
    return RedirectResponse(f"/admin/tasks/{task.id}", status_code=303)


def routes() -> list[Route]:
    """The feed routes."""
    return [
        Route("/admin/feeds", feeds_page, methods=["GET"]),
        Route("/admin/feeds/refresh", refresh, methods=["POST"]),
        Route("/feeds", lambda r: RedirectResponse("/admin/feeds", status_code=308), methods=["GET"]),
    ]
