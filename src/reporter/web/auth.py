"""The operator's login: an argon2 password hash, a signed session cookie, CSRF-checked forms."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reporter.web.security import client_key, csrf_ok
from reporter.web.settings import PASSWORD_HASH_ENV
from reporter.web.state import OPERATOR_KEY, is_operator, message, page, state

Handler = Callable[[Request], Awaitable[Response]]


def hash_password(password: str) -> str:
    """An argon2id hash of the password, for REPORTER_ADMIN_PASSWORD_HASH."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored argon2 hash (a malformed hash matches nothing)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return PasswordHasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def bearer_ok(request: Request) -> bool:
    """Whether the request carries the admin token (Authorization: Bearer), for scripts."""
    expected = state(request).settings.admin_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), (expected or "").encode())
    )


async def checked_form(request: Request) -> FormData | Response:
    """The posted form if it carries this session's CSRF token, else the 403 page to send."""
    form = await request.form()
    if csrf_ok(request, form):
        return form
    return message(
        request,
        "Form expired",
        "This form was not sent from this site, or your session ended. Go back, reload the page "
        "and send it again.",
        status=403,
    )


def operator_only(handler: Handler) -> Handler:
    """Let the operator through; send anyone else to the login page (GET) or refuse (other methods)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        if is_operator(request):
            return await handler(request)
        if request.method == "GET":
            return RedirectResponse(f"/admin/login?next={request.url.path}", status_code=303)
        return message(request, "Log in first", "Only the operator can do this.", status=403)

    return guarded


def _safe_next(target: str | None) -> str:
    # Only our own operator pages: a login must never redirect to another site.
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"


async def login_page(request: Request) -> Response:
    """GET /admin/login: the password form (or the operator's pages, if already logged in)."""
    if is_operator(request):
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_form(request)


def _login_form(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    configured = state(request).settings.password_hash is not None
    return page(
        request,
        "login.html.j2",
        status=status,
        private=True,
        title="Operator login",
        error=error,
        configured=configured,
        password_env=PASSWORD_HASH_ENV,
        next=_safe_next(request.query_params.get("next")),
    )


async def login(request: Request) -> Response:
    """POST /admin/login: check the password; failures count toward the client's rate limit."""
    web = state(request)
    who = client_key(request)
    wait = web.login_limiter.blocked_for(who)
    if wait:
        response = _login_form(
            request,
            error=f"Too many failed attempts. Try again in {int(wait // 60) + 1} minutes.",
            status=429,
        )
        response.headers["retry-after"] = str(int(wait))
        return response
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    password = str(form.get("password") or "")
    stored = web.settings.password_hash
    if stored is None or not await run_in_threadpool(password_matches, stored, password):
        web.login_limiter.hit(who)
        return _login_form(request, error="That password is not right.", status=401)
    web.login_limiter.reset(who)
    request.session.clear()  # a fresh session (and CSRF token) for the logged-in operator
    request.session[OPERATOR_KEY] = True
    return RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)


async def logout(request: Request) -> Response:
    """POST /admin/logout: end the session."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def routes() -> list[Route]:
    """The login routes."""
    return [
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
    ]
