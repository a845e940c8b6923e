"""The web app: the archive, one-click unsubscribe (RFC 8058), on-demand builds, and a health check.

Every test runs the real app (Starlette's TestClient with its lifespan, or `reporter serve` under
uvicorn) over a scratch project in tmp_path: one seed, a minimal feeds.yaml, and its store and
output folder under tmp_path.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from reporter.cli import create_app as create_cli
from reporter.deliver.tokens import make_token
from reporter.web import create_app
from tests.conftest import closed_port
from tests.web_support import ADMIN, SECRET, client_for, is_subscribed, make_project
from tests.web_support import subscribe_directly as subscribe


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh scratch project for one test."""
    return make_project(tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, dict]]:
    """A running app whose japan 2025-11 report was built once through POST /build (json and md).

    Yields the client, the output folder and the build's answer.
    """
    config, env = make_project(tmp_path_factory.mktemp("built"))
    with TestClient(create_app(config, env)) as client:
        answer = client.post(
            "/build/japan/2025-11?formats=json,md", headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert answer.status_code == 200, answer.text
        yield client, Path(env["REPORTER_OUTPUT_DIR"]), answer.json()


# --- health ----------------------------------------------------------------------------------------


def test_healthz_answers_ok(project) -> None:
    with client_for(project) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.text == "ok"


# --- on-demand builds ------------------------------------------------------------------------------


def test_a_build_returns_the_report_period_and_the_addresses_of_its_files(built) -> None:
    client, output, first = built
    assert first == {
        "report": "japan",
        "period": "2025-11",
        "files": {
            "json": "/reports/japan/2025-11/japan-2025-11.json",
            "md": "/reports/japan/2025-11/japan-2025-11.md",
        },
        "skipped": False,
    }
    # The pipeline ingested the seed first: the report quotes it.
    assert "Geopolitical Monitor" in client.get(first["files"]["md"]).text
    # Asking again is answered from the store and builds nothing.
    answer = client.post("/build/japan/2025-11?formats=json,md", headers={"Authorization": f"Bearer {ADMIN}"})
    assert answer.status_code == 200
    assert answer.json() == {
        "report": "japan",
        "period": "2025-11",
        "files": {
            "json": "/reports/japan/2025-11/japan-2025-11.json",
            "md": "/reports/japan/2025-11/japan-2025-11.md",
        },
        "skipped": True,
    }
    assert sorted(p.name for p in (output / "japan" / "2025-11").glob("japan-*")) == [
        "japan-2025-11.json",
        "japan-2025-11.md",
    ]


def test_builds_are_refused_until_an_admin_token_is_set(project) -> None:
    with client_for(project, {"REPORTER_ADMIN_TOKEN": None}) as client:
        answer = client.post("/build/japan/2025-11", headers={"Authorization": f"Bearer {ADMIN}"})
    assert answer.status_code == 403
    assert "set REPORTER_ADMIN_TOKEN to enable on-demand builds" in answer.json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN}])
def test_a_build_without_the_admin_token_is_unauthorized(project, headers) -> None:
    with client_for(project) as client:
        answer = client.post("/build/japan/2025-11", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert not (Path(project[1]["REPORTER_OUTPUT_DIR"]) / "japan").exists()


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/build/korea/2025-11", 404, "no report named 'korea'"),
        ("/build/japan/2025-13", 400, "period must look like 2025-11"),
        ("/build/japan/2025-11?formats=json,docx", 400, "unknown format(s) docx"),
        ("/build/japan/9999-01", 409, "japan 9999-01 lies in the future"),  # never built early, never sent
    ],
)
def test_a_build_of_something_that_cannot_be_built_says_why(project, url, status, says) -> None:
    with client_for(project) as client:
        answer = client.post(url, headers={"Authorization": f"Bearer {ADMIN}"})
    assert answer.status_code == status
    assert says in answer.json()["error"]


# --- the archive -----------------------------------------------------------------------------------


def test_relative_links_from_the_index_and_emails_lead_to_reports(built) -> None:
    client, _, _ = built
    # output/index.html and emails link <slug>/<period>/<file> (so they also work opened from disk).
    followed = client.get("/japan/2025-11/japan-2025-11.json", follow_redirects=False)
    assert followed.status_code == 308
    assert followed.headers["location"] == "/reports/japan/2025-11/japan-2025-11.json"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("japan-2025-11.json", "application/json"), ("japan-2025-11.md", "text/markdown; charset=utf-8")],
)
def test_built_files_are_served_with_their_content_type(built, name, content_type) -> None:
    client, output, _ = built
    answer = client.get(f"/reports/japan/2025-11/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == content_type
    assert answer.content == (output / "japan" / "2025-11" / name).read_bytes()


def test_a_file_that_was_not_built_is_not_found(built) -> None:
    client, _, _ = built
    assert client.get("/reports/japan/2025-11/japan-2025-11.pdf").status_code == 404
    assert client.get("/reports/japan/2025-10/japan-2025-10.json").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/reports/japan/2025-11/..%2F..%2F..%2Ffeeds.yaml",
        "/reports/japan/%2e%2e/%2e%2e/feeds.yaml",
        "/reports/%2e%2e/2025-11/feeds.yaml",
        "/reports/japan/2025-11/%2e%2e",
        "/reports/..%2F..%2Fdata/2025-11/reporter.db",
    ],
)
def test_nothing_outside_the_output_folder_is_served(built, url) -> None:
    client, _, _ = built
    answer = client.get(url)
    assert answer.status_code in (404, 308)  # 308: a slash-less path sent on, to a 404 or the archive
    assert "reports:" not in answer.text
    assert "reports:" not in client.get(url).text


def test_only_report_formats_are_served_even_from_inside_the_output_folder(built, tmp_path) -> None:
    client, output, _ = built
    folder = output / "japan" / "2025-11"
    (folder / "notes.txt").write_text("private", encoding="utf-8")
    secret = tmp_path / "secret.html"
    secret.write_text("private", encoding="utf-8")
    (folder / "link.html").symlink_to(secret)  # a symlink pointing out of the output folder
    try:
        assert client.get("/reports/japan/2025-11/notes.txt").status_code == 404
        assert client.get("/reports/japan/2025-11/link.html").status_code == 404
    finally:
        (folder / "notes.txt").unlink()
        (folder / "link.html").unlink()


# --- unsubscribe -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One running app for the unsubscribe tests; each test subscribes addresses of its own."""
    with client_for(make_project(tmp_path_factory.mktemp("mailing"))) as client:
        yield client


def add(client: TestClient, email: str) -> int:
    """Subscribe an address to the japan report in the app's store; its subscriber id."""
    return client.app.state.web.ctx.store.subscribers.add(email, report="japan").subscriber_id


def active(client: TestClient, subscriber_id: int) -> bool:
    """Whether the subscriber still receives the japan report."""
    found = client.app.state.web.ctx.store.subscribers.get(subscriber_id, "japan")
    return found is not None and found.active


def test_the_unsubscribe_link_shows_a_page_that_asks_to_confirm(mailing) -> None:
    subscriber = add(mailing, "confirm@example.org")
    token = make_token(SECRET, subscriber, "japan")
    answer = mailing.get(f"/unsubscribe?token={token}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<form method="post" action="/unsubscribe?token={token}">' in answer.text
    assert "Stop sending the Japan report to confirm@example.org?" in answer.text
    # Opening the link (as a mail scanner does) unsubscribes nobody.
    assert active(mailing, subscriber)


def test_a_one_click_post_unsubscribes_and_a_second_one_is_still_ok(mailing) -> None:
    subscriber = add(mailing, "oneclick@example.org")
    token = make_token(SECRET, subscriber, "japan")
    # What a mail client sends for RFC 8058 one-click unsubscribe: no cookie, no CSRF token.
    first = mailing.post(f"/unsubscribe?token={token}", content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert first.status_code == 200
    assert "unsubscribed from the Japan report" in first.text
    assert "oneclick@example.org will receive no more of it" in first.text
    assert not active(mailing, subscriber)
    second = mailing.post(f"/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    assert second.status_code == 200
    assert not active(mailing, subscriber)
    assert "already unsubscribed" in mailing.get(f"/unsubscribe?token={token}").text


def test_a_token_for_another_subscriber_unsubscribes_only_that_one(mailing) -> None:
    reader, other = add(mailing, "reader@example.org"), add(mailing, "other@example.org")
    mailing.post(f"/unsubscribe?token={make_token(SECRET, other, 'japan')}")
    assert active(mailing, reader)
    assert not active(mailing, other)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        make_token("another-secret-of-enough-length", 1, "japan"),  # signed with the wrong secret
        make_token(SECRET, 1, "japan")[:-2] + "AA",  # tampered signature
        make_token(SECRET, 2, "japan").split(".")[0] + "." + make_token(SECRET, 1, "japan").split(".")[1],
    ],
)
def test_a_bad_or_tampered_token_is_refused_with_a_clear_message(mailing, method, token) -> None:
    subscriber = add(mailing, f"tampered-{method}-{hashlib.sha1(token.encode()).hexdigest()[:8]}@example.org")
    answer = mailing.request(method, f"/unsubscribe?token={token}")
    assert answer.status_code == 400
    assert "This unsubscribe link is not valid" in answer.text
    assert active(mailing, subscriber)


def test_without_a_secret_no_link_can_be_checked(project) -> None:
    subscriber = subscribe(project, "reader@example.org")
    with client_for(project, {"REPORTER_SECRET": None}) as client:
        answer = client.post(f"/unsubscribe?token={make_token(SECRET, subscriber, 'japan')}")
    assert answer.status_code == 503
    assert "REPORTER_SECRET is not set" in answer.text
    assert is_subscribed(project, subscriber)


# --- reporter serve --------------------------------------------------------------------------------


def test_reporter_serve_runs_the_app_under_uvicorn(project) -> None:

    config, env = project
    port = closed_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reporter", "serve", "--port", str(port), "--config", str(config)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not start in 30 seconds"
                time.sleep(0.1)
        assert answer.text == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_reporter_serve_with_a_broken_config_says_so_and_exits_1(tmp_path) -> None:

    (tmp_path / "feeds.yaml").write_text("reports: [\n", encoding="utf-8")
    result = CliRunner().invoke(create_cli(), ["serve", "--config", str(tmp_path / "feeds.yaml")])
    assert result.exit_code == 1
    assert "hint:" in result.output
