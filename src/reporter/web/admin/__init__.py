"""The operator's pages, behind the login: feeds, runs, builds, subscribers, the outbox."""

from __future__ import annotations

from starlette.routing import Route

from reporter.web.admin import builds, feeds, outbox, runs, subscribers


def routes() -> list[Route]:
    """Every operator route."""
    return [
        *builds.routes(),
        *feeds.routes(),
        *runs.routes(),
        *subscribers.routes(),
        *outbox.routes(),
    ]
