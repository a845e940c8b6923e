"""Subscribing: the form's POST, the confirmation email, and the confirmation page (double opt-in).

Nothing is stored before the reader confirms: the signed link itself carries the address, the
report and the format, so an unconfirmed address leaves no trace but the email sent to it.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reporter.errors import ReporterError
from reporter.store.subscription import DELIVERY_FORMATS, SubscriberError, normalize_email
from reporter.web import optin
from reporter.web.auth import checked_form
from reporter.web.security import client_key
from reporter.web.settings import SECRET_ENV
from reporter.web.state import message, state

log = logging.getLogger(__name__)


def _not_set_up(request: Request) -> Response:
    log.warning("a reader tried to subscribe, but %s is not set", SECRET_ENV)
    return message(
        request,
        "Subscriptions are not open",
        f"This archive cannot take subscriptions yet: its operator has not set {SECRET_ENV}.",
        status=503,
    )


def _too_many(request: Request, wait: float) -> Response:
    response = message(
        request,
        "Too many requests",
        f"Too many subscribe requests from here. Try again in {int(wait // 60) + 1} minutes.",
        status=429,
    )
    response.headers["retry-after"] = str(int(wait))
    return response


async def subscribe(request: Request) -> Response:
    """POST /reports/<slug>/subscribe: send a confirmation link to the address (at most once a while)."""
    web = state(request)
    spec = web.report(request.path_params["slug"])
    if spec is None:
        return message(request, "Not found", "There is no report of that name.", status=404)
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    secret = web.settings.secret
    if not secret:
        return _not_set_up(request)
    fmt = str(form.get("format") or "pdf")
    try:
        email = normalize_email(str(form.get("email") or ""))
    except SubscriberError:
        return message(
            request,
            "Check the address",
            "That does not look like an email address. Go back and write it as name@example.org.",
            status=400,
        )
    if fmt not in DELIVERY_FORMATS:
        fmt = "pdf"
    limiter = web.subscribe_limiter
    # Per client and per address: nobody can flood one inbox with confirmations from many places.
    keys = (f"ip:{client_key(request)}", f"to:{email.lower()}")
    wait = max(limiter.blocked_for(k) for k in keys)
    if wait:
        return _too_many(request, wait)
    for key in keys:
        limiter.hit(key)
    name = web.report_name(spec.slug)
    already = await run_in_threadpool(web.ctx.store.subscribers.find, email, spec.slug)
    if already is None or not already.active:
        token = optin.make_token(secret, optin.Request(email, spec.slug, fmt))
        base = web.ctx.config.smtp.base_url or str(request.base_url)
        msg = optin.confirmation_message(
            web.templates,
            web.ctx.config.smtp,
            optin.Request(email, spec.slug, fmt),
            report_name=name,
            link=optin.confirm_url(base, token),
            hours=web.settings.confirm_max_age // 3600,
        )
        try:
            await run_in_threadpool(optin.send, web.ctx.config.smtp, msg)
        except ReporterError as exc:
            log.error("confirmation email to %s not sent: %s", email, exc)
            return message(
                request,
                "Not sent",
                "The confirmation email could not be sent just now. Please try again later.",
                status=503,
            )
    # The same answer whether or not the address is already subscribed: the page tells no one who is.
    return message(
        request,
        "Check your inbox",
        f"We sent a confirmation link to {email}. Open it to start receiving {name}; "
        f"nothing is sent before you do. The link works for {web.settings.confirm_max_age // 3600} hours. "
        "If you are already subscribed, nothing changes.",
    )


def _verified(request: Request, token: str) -> optin.Request | Response:
    web = state(request)
    if not web.settings.secret:
        return _not_set_up(request)
    try:
        found = optin.verify_token(web.settings.secret, token, max_age=web.settings.confirm_max_age)
    except optin.LinkExpired:
        return message(
            request,
            "Link expired",
            "This confirmation link has expired. Subscribe again from the report's page to get a new one.",
            status=400,
        )
    if found is None or web.report(found.report) is None:
        return message(
            request,
            "Link not valid",
            "This confirmation link is not valid: it is incomplete or has been altered. "
            "Open the link from the email again, or subscribe again.",
            status=400,
        )
    return found


async def confirm_page(request: Request) -> Response:
    """GET /confirm?token=…: what is being confirmed, and a button (a mail scanner confirms nothing)."""
    token = request.query_params.get("token", "")
    found = _verified(request, token)
    if isinstance(found, Response):
        return found
    web = state(request)
    return message(
        request,
        "Confirm your subscription",
        f"Send {web.report_name(found.report)} to {found.email} ({_format_label(found.format)})?",
        form={"action": "/confirm", "token": token, "button": "Confirm subscription"},
    )


async def confirm(request: Request) -> Response:
    """POST /confirm: subscribe the link's address (idempotent; the signed token is the proof)."""
    form = await request.form()
    found = _verified(request, str(form.get("token") or ""))
    if isinstance(found, Response):
        return found
    web = state(request)
    sub, _ = await run_in_threadpool(
        lambda: web.ctx.store.subscribers.confirm(found.email, report=found.report, format=found.format)
    )
    return message(
        request,
        "Subscribed",
        f"You are subscribed: {web.report_name(found.report)} goes to {sub.email} "
        f"({_format_label(sub.format)}). Every email has a link to unsubscribe.",
        links=[(f"/reports/{found.report}/", "Back to the archive")],
    )


def _format_label(fmt: str) -> str:
    return DELIVERY_FORMATS.get(fmt, fmt)


def routes() -> list[Route]:
    """The subscribe routes."""
    return [
        Route("/reports/{slug}/subscribe", subscribe, methods=["POST"]),
        Route("/confirm", confirm_page, methods=["GET"]),
        Route("/confirm", confirm, methods=["POST"]),
    ]
