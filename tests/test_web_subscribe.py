"""Subscribing from the web: double opt-in by a signed, expiring link, mailed through real SMTP.

The app runs under Starlette's TestClient; the confirmation goes to aiosmtpd on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reporter.deliver.tokens import make_token as unsubscribe_token
from reporter.web import optin
from reporter.web.settings import Limit
from tests.conftest import closed_port
from tests.deliver_support import SmtpServer
from tests.web_support import SECRET, client_for, csrf_of, make_project

_LINK_RE = re.compile(r"http://testserver/confirm\?token=(\S+)")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """aiosmtpd on a free loopback port."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, smtp: SmtpServer) -> tuple[Path, dict[str, str]]:
    """A scratch project whose mail goes to the test SMTP server."""
    return make_project(tmp_path, smtp_port=smtp.port)


def ask(client: TestClient, email: str, fmt: str = "html"):
    """Fill in and send the japan report's subscribe form."""
    token = csrf_of(client.get("/reports/japan/").text)
    return client.post("/reports/japan/subscribe", data={"email": email, "format": fmt, "csrf_token": token})


def confirmation_token(smtp: SmtpServer, email: str) -> str:
    """The token in the latest confirmation email to an address."""
    mails = smtp.handler.to(email)
    assert mails, f"no email reached {email}"
    found = _LINK_RE.search(mails[-1].message.get_content())
    assert found, "the email has no confirmation link"
    return found.group(1)


def subscribers(client: TestClient) -> list:
    """Every subscription in the app's store, unsubscribed ones too."""
    return client.app.state.web.ctx.store.subscribers.list(include_unsubscribed=True)


def test_subscribing_mails_a_confirmation_link_and_stores_nothing_yet(project, smtp) -> None:
    with client_for(project) as client:
        answer = ask(client, "Ann@Example.org")
        assert answer.status_code == 200
        assert "Check your inbox" in answer.text and "nothing is sent before you do" in answer.text
        assert subscribers(client) == []
    (mail,) = smtp.handler.received
    assert mail.rcpt_to == ["Ann@example.org"]
    message = mail.message
    assert message["Subject"] == "Confirm your subscription to the Japan report"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "within 48 hours" in message.get_content()


def test_the_link_shows_what_is_confirmed_and_the_button_subscribes(project, smtp) -> None:
    with client_for(project) as client:
        ask(client, "ann@example.org", "both")
        token = confirmation_token(smtp, "ann@example.org")
        page = client.get(f"/confirm?token={token}")
        assert page.status_code == 200
        assert "the Japan report to ann@example.org (PDF and a link)" in page.text
        assert subscribers(client) == []  # opening the link (a mail scanner does) subscribes nobody
        done = client.post("/confirm", data={"token": token})
        assert done.status_code == 200 and "You are subscribed" in done.text
        (sub,) = subscribers(client)
        assert (sub.email, sub.report, sub.format, sub.consent_source) == (
            "ann@example.org", "japan", "both", "confirmed",
        )  # fmt: skip
        # The same link again changes nothing.
        assert client.post("/confirm", data={"token": token}).status_code == 200
        assert len(subscribers(client)) == 1


def test_a_second_subscribe_sends_no_mail_and_adds_no_one(project, smtp) -> None:
    with client_for(project) as client:
        ask(client, "ann@example.org")
        client.post("/confirm", data={"token": confirmation_token(smtp, "ann@example.org")})
        again = ask(client, "ANN@example.org")
        # The page says the same as for a new address: it tells nobody who is subscribed.
        assert again.status_code == 200 and "Check your inbox" in again.text
        assert len(smtp.handler.received) == 1
        assert len(subscribers(client)) == 1


def test_someone_who_unsubscribed_can_come_back_by_confirming_again(project, smtp) -> None:
    with client_for(project) as client:
        ask(client, "ann@example.org")
        client.post("/confirm", data={"token": confirmation_token(smtp, "ann@example.org")})
        store = client.app.state.web.ctx.store.subscribers
        store.unsubscribe(subscribers(client)[0].subscriber_id, "japan")
        ask(client, "ann@example.org")
        assert len(smtp.handler.received) == 2
        client.post("/confirm", data={"token": confirmation_token(smtp, "ann@example.org")})
        assert [s.active for s in subscribers(client)] == [True]


def test_an_expired_link_says_so_and_subscribes_nobody(project, smtp) -> None:
    with client_for(project, confirm_max_age=-1) as client:  # every link is already too old
        ask(client, "ann@example.org")
        token = confirmation_token(smtp, "ann@example.org")
        for answer in (client.get(f"/confirm?token={token}"), client.post("/confirm", data={"token": token})):
            assert answer.status_code == 400
            assert "This confirmation link has expired" in answer.text
        assert subscribers(client) == []


def _forged_tokens() -> list[str]:
    good = optin.make_token(SECRET, optin.Request("ann@example.org", "japan", "pdf"))
    payload, stamp, signature = good.split(".")
    other = optin.make_token(SECRET, optin.Request("eve@example.org", "japan", "pdf"))
    return [
        "",
        "not-a-token",
        optin.make_token("another-secret-of-enough-length", optin.Request("ann@example.org", "japan", "pdf")),
        f"{payload}.{stamp}.{signature[:-2]}AA",  # tampered signature
        f"{other.split('.')[0]}.{stamp}.{signature}",  # someone else's address under Ann's signature
        # An unsubscribe token is signed with the same secret but for another purpose.
        unsubscribe_token(SECRET, 1, "japan"),
    ]


@pytest.mark.parametrize("token", _forged_tokens())
def test_a_forged_or_tampered_confirmation_link_is_refused(project, token) -> None:
    with client_for(project) as client:
        for answer in (client.get(f"/confirm?token={token}"), client.post("/confirm", data={"token": token})):
            assert answer.status_code == 400
            assert "This confirmation link is not valid" in answer.text
        assert subscribers(client) == []


def test_a_link_for_a_report_no_longer_configured_is_refused(project) -> None:
    token = optin.make_token(SECRET, optin.Request("ann@example.org", "korea", "pdf"))
    with client_for(project) as client:
        assert client.post("/confirm", data={"token": token}).status_code == 400
        assert subscribers(client) == []


def test_a_bad_address_is_refused_with_how_to_write_it(project, smtp) -> None:
    with client_for(project) as client:
        answer = ask(client, "ann@")
    assert answer.status_code == 400 and "name@example.org" in answer.text
    assert smtp.handler.received == []


def test_subscribe_requests_are_rate_limited_per_address(project, smtp) -> None:
    with client_for(project, subscribe_limit=Limit(2, 600)) as client:
        assert ask(client, "ann@example.org").status_code == 200
        assert ask(client, "ann@example.org").status_code == 200
        blocked = ask(client, "ann@example.org")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert len(smtp.handler.to("ann@example.org")) == 2


def test_subscribe_requests_are_rate_limited_per_client(project, smtp) -> None:
    with client_for(project, subscribe_limit=Limit(2, 600)) as client:
        ask(client, "a@example.org")
        ask(client, "b@example.org")
        assert ask(client, "c@example.org").status_code == 429
        assert smtp.handler.to("c@example.org") == []


def test_a_form_without_its_csrf_token_is_refused(project, smtp) -> None:
    with client_for(project) as client:
        client.get("/reports/japan/")
        answer = client.post("/reports/japan/subscribe", data={"email": "ann@example.org", "format": "pdf"})
    assert answer.status_code == 403
    assert smtp.handler.received == []


def test_without_a_secret_subscriptions_are_closed(project, smtp) -> None:
    with client_for(project, {"REPORTER_SECRET": None}) as client:
        answer = ask(client, "ann@example.org")
    assert answer.status_code == 503 and "REPORTER_SECRET" in answer.text
    assert smtp.handler.received == []


def test_when_mail_cannot_go_the_reader_is_told_to_try_later(tmp_path) -> None:
    project = make_project(tmp_path, smtp_port=closed_port())
    with client_for(project) as client:
        answer = ask(client, "ann@example.org")
        assert answer.status_code == 503 and "try again later" in answer.text
        assert subscribers(client) == []


def test_an_unknown_report_has_no_subscribe_form(project) -> None:
    with client_for(project) as client:
        token = csrf_of(client.get("/reports/japan/").text)
        answer = client.post("/reports/korea/subscribe", data={"email": "a@example.org", "csrf_token": token})
    assert answer.status_code == 404
