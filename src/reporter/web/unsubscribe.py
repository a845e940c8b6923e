"""Unsubscribing (RFC 8058): GET shows who and what, POST (one click, or the page's button) acts.

The signed token in the link is the whole authority, so this POST needs no CSRF token: a mail
client's one-click POST carries no cookie, and nobody without the email has a valid token.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reporter.deliver.tokens import SECRET_ENV, Unsubscribe, secret_from_env, verify_token
from reporter.errors import ReporterError
from reporter.web.state import message, state


def _verified(request: Request) -> Unsubscribe | Response:
    """The verified request, or the page to send instead."""
    try:
        secret = secret_from_env({SECRET_ENV: state(request).settings.secret or ""})
    except ReporterError as exc:
        # The server cannot check any link: the operator's problem, not the reader's.
        return message(
            request, "Not available", f"Unsubscribe links are not configured here: {exc}", status=503
        )
    found = verify_token(secret, request.query_params.get("token", ""))
    if found is None:
        return message(
            request,
            "Link not valid",
            "This unsubscribe link is not valid: it is incomplete or has been altered. "
            "Open the link from the email again, or reply to the email to be removed.",
            status=400,
        )
    return found


async def unsubscribe_page(request: Request) -> Response:
    """GET: a page naming the address and the report, with one button (a mail scanner unsubscribes nobody)."""
    found = _verified(request)
    if isinstance(found, Response):
        return found
    web = state(request)
    sub = await run_in_threadpool(web.ctx.store.subscribers.get, found.subscriber_id, found.report)
    name = web.report_name(found.report)
    who = sub.email if sub else "this address"
    if sub is not None and not sub.active:
        return message(request, "Unsubscribed", f"{who} is already unsubscribed from {name}.")
    return message(
        request,
        "Unsubscribe",
        f"Stop sending {name} to {who}?",
        form={
            "action": "/unsubscribe?token=" + quote(request.query_params["token"], safe=""),
            "fields": {"List-Unsubscribe": "One-Click"},
            "button": "Unsubscribe",
        },
    )


async def unsubscribe(request: Request) -> Response:
    """POST: unsubscribe the token's subscriber from its report (one-click or the form); idempotent.

    The token alone decides: RFC 8058's body (List-Unsubscribe=One-Click) and the form's carry
    nothing else, so the body is not read.
    """
    found = _verified(request)
    if isinstance(found, Response):
        return found
    web = state(request)
    repo = web.ctx.store.subscribers
    await run_in_threadpool(repo.unsubscribe, found.subscriber_id, found.report)
    sub = await run_in_threadpool(repo.get, found.subscriber_id, found.report)
    who = sub.email if sub else "This address"
    return message(
        request,
        "Unsubscribed",
        f"You are unsubscribed from {web.report_name(found.report)}. "
        f"{who} will receive no more of it by email.",
        links=[(f"/reports/{found.report}/", "Back to the archive")],
    )


def routes() -> list[Route]:
    """The unsubscribe routes."""
    return [
        Route("/unsubscribe", unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe", unsubscribe, methods=["POST"]),
    ]
