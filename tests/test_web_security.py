"""The web app's safety: headers on every response, no file outside the output folder, escaping.

One app serves the whole module (a japan report built once, json, md and html); tests that change
files undo their change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.web_support import ADMIN, client_for, csrf_of, login, make_project

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """A running app with the japan 2025-11 report built (json, md, html); the client and output folder."""
    root = tmp_path_factory.mktemp("served")
    project = make_project(root)
    (root / "outside.html").write_text("<p>private</p>", encoding="utf-8")
    with client_for(project) as client:
        answer = client.post(
            "/build/japan/2025-11?formats=json,md,html", headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert answer.status_code == 200, answer.text
        yield client, Path(project[1]["REPORTER_OUTPUT_DIR"])


def assert_secure(answer) -> None:
    """The response carries every security header, and a CSP that allows no script at all."""
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (answer.url, name)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "script-src" not in csp  # default-src 'none' covers script: none runs, inline or not
    assert "unsafe-inline" not in csp or answer.headers["content-type"].startswith("text/html")


READER_URLS = [
    "/",
    "/healthz",
    "/reports/japan/",
    "/reports/japan/feed.atom",
    "/reports/japan/2025-11/japan-2025-11.html",
    "/reports/japan/2025-11/japan-2025-11.json",
    "/reports/japan/2025-11/japan-2025-11.md",
    "/japan/2025-11/japan-2025-11.json",
    "/reports/index.html",
    "/static/site.css",
    "/static/report.css",
    "/unsubscribe?token=forged",
    "/confirm?token=forged",
    "/admin",
    "/admin/login",
    "/feeds",
    "/status",
    "/no/such/page/here",
    "/reports/korea/",
]


@pytest.mark.parametrize("url", READER_URLS)
def test_every_response_carries_the_security_headers(served, url) -> None:
    client, _ = served
    assert_secure(client.get(url, follow_redirects=False))


@pytest.mark.parametrize(
    ("method", "url"),
    [("POST", "/"), ("POST", "/build/japan/2025-11"), ("POST", "/unsubscribe?token=x"), ("DELETE", "/admin")],
)
def test_refusals_carry_the_security_headers_too(served, method, url) -> None:
    client, _ = served
    answer = client.request(method, url)
    assert answer.status_code >= 400
    assert_secure(answer)


def test_operator_pages_carry_the_headers_and_are_never_cached(served) -> None:
    client, _ = served
    login(client)
    try:
        for url in ("/admin", "/admin/feeds", "/admin/runs", "/admin/subscribers", "/admin/outbox"):
            answer = client.get(url)
            assert_secure(answer)
            assert answer.headers["cache-control"] == "no-store"
    finally:
        client.cookies.clear()


def test_only_a_report_page_may_use_its_inline_stylesheet(served) -> None:
    client, _ = served
    report = client.get("/reports/japan/2025-11/japan-2025-11.html").headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in report and "form-action 'none'" in report
    page = client.get("/").headers["content-security-policy"]
    assert "style-src 'self'" in page and "unsafe-inline" not in page


def test_our_pages_have_no_inline_script_or_style(served) -> None:
    client, _ = served
    for url in ("/", "/reports/japan/", "/admin/login", "/confirm?token=x"):
        html = client.get(url).text
        assert "<script" not in html and "<style" not in html and " style=" not in html, url


# --- files: nothing outside the output folder ----------------------------------------------------

TRAVERSALS = [
    "..%2F..%2F..%2Ffeeds.yaml",
    "%2e%2e%2f%2e%2e%2ffeeds.yaml",
    "..%252F..%252Ffeeds.yaml",  # encoded twice
    "%2e%2e",
    "%2Fetc%2Fpasswd",  # absolute
    "%2F..%2F..%2Foutside.html",
    "..%5C..%5Cfeeds.yaml",  # backslashes
    "japan-2025-11.json%00.html",  # a NUL byte
    ".lock",
]


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize(
    "template",
    [
        "/reports/japan/2025-11/{}",
        "/reports/japan/{}/japan-2025-11.json",
        "/reports/{}/2025-11/japan-2025-11.json",
        "/japan/2025-11/{}",
        "/japan/{}/japan-2025-11.json",
        "/static/{}",
    ],
)
def test_no_path_outside_the_output_folder_is_served(served, template, name) -> None:
    client, _ = served
    answer = client.get(template.format(name))
    assert answer.status_code == 404, answer.url
    for secret in ("reports:", "root:", "private", "REPORTER"):
        assert secret not in answer.text


@pytest.mark.parametrize(
    "url", ["/reports/japan/2025-11/../../../feeds.yaml", "//etc/passwd", "/reports//etc/passwd/x"]
)
def test_raw_dot_segments_and_doubled_slashes_lead_nowhere(served, url) -> None:
    # The client resolves raw dot segments as a browser does; what is left must lead to no file.
    client, _ = served
    answer = client.get(url)
    assert answer.status_code == 404
    assert "reports:" not in answer.text and "root:" not in answer.text


def test_a_symlinked_file_pointing_outside_is_not_served(served) -> None:
    client, output = served
    link = output / "japan" / "2025-11" / "japan-link.html"
    link.symlink_to(output.parent / "outside.html")
    try:
        assert client.get("/reports/japan/2025-11/japan-link.html").status_code == 404
        assert client.get("/japan/2025-11/japan-link.html", follow_redirects=True).status_code == 404
    finally:
        link.unlink()


def test_a_symlinked_folder_pointing_outside_is_not_served(served) -> None:
    client, output = served
    outside = output.parent / "elsewhere" / "2025-10"
    outside.mkdir(parents=True)
    (outside / "japan-2025-10.json").write_text('{"private": true}', encoding="utf-8")
    link = output / "japan" / "2025-10"
    os.symlink(outside, link)
    try:
        assert client.get("/reports/japan/2025-10/japan-2025-10.json").status_code == 404
    finally:
        link.unlink()


def test_other_files_inside_the_output_folder_stay_private(served) -> None:
    client, output = served
    notes = output / "japan" / "2025-11" / "notes.txt"
    notes.write_text("private", encoding="utf-8")
    try:
        assert client.get("/reports/japan/2025-11/notes.txt").status_code == 404
        assert client.get("/reports/japan/2025-11/.lock").status_code == 404
    finally:
        notes.unlink()


# --- escaping ------------------------------------------------------------------------------------


def test_what_others_typed_is_escaped_on_every_page(served) -> None:
    client, _ = served
    login(client)
    try:
        token = csrf_of(client.get("/admin/subscribers").text)
        evil = '<script>alert("x")</script>'
        client.post(
            "/admin/subscribers/add",
            data={
                "email": "eve@example.org",
                "name": evil,
                "report": "japan",
                "format": "pdf",
                "csrf_token": token,
            },
        )
        page = client.get("/admin/subscribers?q=%3Cscript%3E")
        assert evil not in page.text and "&lt;script&gt;" in page.text
        assert "<script" not in client.get("/admin/subscribers?done=%3Cscript%3Ex").text
    finally:
        client.cookies.clear()


def test_a_reader_gets_a_cookie_only_from_a_page_with_a_form(served) -> None:
    client, _ = served
    fresh = TestClient(client.app)  # no cookies yet; the app is already running
    for url in ("/", "/reports/japan/2025-11/japan-2025-11.html", "/reports/japan/feed.atom"):
        assert "set-cookie" not in fresh.get(url).headers, url
    cookie = fresh.get("/reports/japan/").headers["set-cookie"]  # the subscribe form's CSRF token
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
