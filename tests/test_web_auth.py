"""The operator's login: an argon2 password, a signed session cookie, CSRF tokens, a rate limit.

Each test runs the real app (Starlette's TestClient with its lifespan) over a scratch project.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter.cli import create_app as create_cli
from reporter.config import load_config
from reporter.web.auth import password_matches
from reporter.web.settings import Limit
from tests.web_support import PASSWORD, client_for, csrf_of, login, make_project, password_hash

OPERATOR_PAGES = ["/admin", "/admin/feeds", "/admin/runs", "/admin/subscribers", "/admin/outbox"]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh scratch project for one test."""
    return make_project(tmp_path)


@pytest.mark.parametrize(
    "url", [*OPERATOR_PAGES, "/admin/outbox/japan/2025-11", "/admin/tasks/1", "/admin/subscribers.csv"]
)
def test_an_operator_page_sends_a_visitor_to_the_login(project, url) -> None:
    with client_for(project) as client:
        answer = client.get(url, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/login?next={url}"


def test_the_right_password_opens_every_operator_page(project) -> None:
    with client_for(project) as client:
        answer = login(client)
        assert answer.status_code == 303 and answer.headers["location"] == "/admin"
        for url in OPERATOR_PAGES:
            page = client.get(url)
            assert page.status_code == 200, url
            assert page.headers["cache-control"] == "no-store"
            assert "Log out" in page.text


def test_a_wrong_password_is_refused_and_opens_nothing(project) -> None:
    with client_for(project) as client:
        answer = login(client, "not the password")
        assert answer.status_code == 401
        assert "That password is not right." in answer.text
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_logging_out_ends_the_session(project) -> None:
    with client_for(project) as client:
        login(client)
        token = csrf_of(client.get("/admin").text)
        assert (
            client.post("/admin/logout", data={"csrf_token": token}, follow_redirects=False).status_code
            == 303
        )
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_login_attempts_are_rate_limited_per_client(project) -> None:
    with client_for(project, login_limit=Limit(3, 600)) as client:
        for _ in range(3):
            assert login(client, "guess").status_code == 401
        # The limit holds even for the right password, so guessing cannot go on quietly.
        blocked = login(client)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "Too many failed attempts" in blocked.text
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_successful_login_clears_the_failures(project) -> None:
    with client_for(project, login_limit=Limit(3, 600)) as client:
        login(client, "guess")
        login(client, "guess")
        assert login(client).status_code == 303
        login(client, "guess")
        assert login(client, "guess").status_code == 401  # two again, not four


def test_a_login_form_without_its_csrf_token_is_refused(project) -> None:
    with client_for(project) as client:
        client.get("/admin/login")
        answer = client.post("/admin/login", data={"password": PASSWORD})
        assert answer.status_code == 403
        assert "Form expired" in answer.text
        assert client.get("/admin", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/build", {"report": "japan", "period": "2025-11"}),
        ("/admin/feeds/refresh", {}),
        ("/admin/subscribers/add", {"email": "ann@example.org", "report": "japan", "format": "pdf"}),
        ("/admin/subscribers/remove", {"email": "ann@example.org", "report": "japan"}),
        ("/admin/logout", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_an_operator_form_without_its_csrf_token_is_refused(project, url, data, token) -> None:
    with client_for(project) as client:
        login(client)
        form = data if token is None else {**data, "csrf_token": token}
        answer = client.post(url, data=form, follow_redirects=False)
        assert answer.status_code == 403
        assert "Form expired" in answer.text
        assert client.get("/admin/subscribers").text.count("ann@example.org") == 0
        assert client.get("/admin", follow_redirects=False).status_code == 200  # still logged in


def test_a_tampered_session_cookie_is_no_login(project) -> None:
    with client_for(project) as client:
        login(client)
        cookie = client.cookies["reporter_session"]
        payload, _, signature = cookie.partition(".")
        client.cookies.set("reporter_session", payload + "." + signature[::-1])
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_session_from_another_secret_is_no_login(project, tmp_path) -> None:
    with client_for(project) as client:
        login(client)
        cookie = client.cookies["reporter_session"]
    other = make_project(tmp_path / "other")
    with client_for(other, {"REPORTER_SESSION_SECRET": "another-session-secret-entirely"}) as client:
        client.cookies.set("reporter_session", cookie)
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_without_a_password_hash_the_login_page_says_how_to_set_one(project) -> None:
    with client_for(project, {"REPORTER_ADMIN_PASSWORD_HASH": None}) as client:
        page = client.get("/admin/login")
        assert "Operator login is not set up" in page.text and "reporter serve --hash-password" in page.text
        token = csrf_of(client.get("/reports/japan/").text)  # the session's token, from another form
        answer = client.post("/admin/login", data={"password": "", "csrf_token": token})
        assert answer.status_code == 401
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_login_never_redirects_to_another_site(project) -> None:
    with client_for(project) as client:
        token = csrf_of(client.get("/admin/login").text)
        form = {"password": PASSWORD, "csrf_token": token, "next": "//evil.example/admin"}
        answer = client.post("/admin/login", data=form, follow_redirects=False)
    assert answer.headers["location"] == "/admin"


def test_the_web_section_of_feeds_yaml_sets_the_hash_and_limits(tmp_path) -> None:
    config, env = make_project(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + f"web:\n  admin_password_hash: '{password_hash()}'\n  login_attempts: 2\n  confirm_hours: 1\n",
        encoding="utf-8",
    )
    env.pop("REPORTER_ADMIN_PASSWORD_HASH")
    loaded = load_config(config, env)
    assert loaded.web.admin_password_hash == password_hash()
    assert (loaded.web.login_attempts, loaded.web.confirm_hours) == (2, 1.0)
    assert password_hash() not in repr(loaded.web)
    with client_for((config, env)) as client:
        login(client, "one")
        login(client, "two")
        assert login(client).status_code == 429
    # The environment wins over the file, as every REPORTER_* variable does.
    assert load_config(config, {**env, "REPORTER_ADMIN_PASSWORD_HASH": "x"}).web.admin_password_hash == "x"


def test_reporter_serve_hash_password_prints_an_argon2_hash() -> None:
    result = CliRunner().invoke(
        create_cli(), ["serve", "--hash-password"], input="s3cret pass\ns3cret pass\n"
    )
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()[-1]
    assert printed.startswith("$argon2id$")
    assert password_matches(printed, "s3cret pass") and not password_matches(printed, "other")
