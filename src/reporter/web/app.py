"""The web app: readers' archive and subscriptions, the operator's pages, and the script API.

A thin adapter over the pipeline: nothing here composes, renders or archives. Builds go through
`reporter.pipeline`, files come from the output folder as `reporter.archive` wrote them, and
unsubscribe tokens are checked by `deliver.tokens`. Each area's routes live in their own module.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from reporter.web import admin, api, archive, auth, files, subscribe, unsubscribe
from reporter.web.security import RateLimiter, SecurityHeaders, add_headers
from reporter.web.settings import WebSettings, web_settings
from reporter.web.state import WebState, message
from reporter.web.tasks import TaskRunner

log = logging.getLogger(__name__)
SESSION_COOKIE = "reporter_session"


def create_app(config_path: Path, env: Mapping[str, str] | None = None, **overrides: object) -> Starlette:
    """The web app for one feeds.yaml; the store opens when the server starts and closes when it stops.

    `overrides` replace WebSettings fields (tests use them for rate limits and link lifetimes).
    """
    from reporter.config import load_config

    the_env = os.environ if env is None else env
    # The session middleware needs its secret before the first request, so read the config now.
    config = load_config(config_path, the_env)
    settings = web_settings(config, the_env, **overrides)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from reporter.pipeline import Context
        from reporter.render.templates import environment
        from reporter.store import Store

        store = await run_in_threadpool(Store.open, config.settings.database_url)
        ctx = Context(config=config, store=store)
        tasks = TaskRunner()
        app.state.web = WebState(
            ctx=ctx,
            settings=settings,
            templates=environment(ctx.config.settings.templates_dir),
            tasks=tasks,
            login_limiter=RateLimiter(settings.login_limit.count, settings.login_limit.seconds),
            subscribe_limiter=RateLimiter(settings.subscribe_limit.count, settings.subscribe_limit.seconds),
        )
        try:
            yield
        finally:
            await run_in_threadpool(tasks.close)
            ctx.close()

    routes = [
        *api.routes(),
        *archive.routes(),
        *subscribe.routes(),
        *unsubscribe.routes(),
        *auth.routes(),
        *admin.routes(),
        *files.routes(),  # last: its /{slug}/{period}/{file} would catch three-part admin paths
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=_middleware(settings),
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )


def _middleware(settings: WebSettings) -> list[Middleware]:
    return [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=settings.session_secret,
            session_cookie=SESSION_COOKIE,
            max_age=settings.session_max_age,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """404, 405 and the like as pages like the rest."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return message(request, "Not found", "There is nothing at this address.", status=404, private=False)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug: logged; the reader gets a short page (with the security headers: this runs outside them)."""
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    response = PlainTextResponse("Something went wrong on our side; it has been logged.", status_code=500)
    start = {"type": "http.response.start", "headers": list(response.raw_headers)}
    add_headers(start)
    response.raw_headers[:] = start["headers"]
    return response
