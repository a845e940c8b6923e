"""The web app in a real browser: Debian's Chromium driven by Playwright, against `reporter serve`'s app
under uvicorn on 127.0.0.1, with mail going to aiosmtpd.

Readers' flows run with JavaScript switched off: no page needs it. Screenshots of every page, at
desktop width and at 390 px, go to $REPORTER_SCREENSHOTS (docs/web/ holds the committed ones) or
to a temporary folder.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reporter.config import load_config
from reporter.deliver import send_report
from tests.deliver_support import SmtpServer, free_port
from tests.web_support import PASSWORD, make_project

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BUILD_TIMEOUT_MS = 240_000  # ingest, analysis, composition and four formats (PDF included)

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup --test installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Site:
    """The running server, its mail and its project."""

    url: str
    smtp: SmtpServer
    config: Path
    env: dict[str, str]
    shots: Path

    def mails_to(self, address: str) -> list:
        """The messages aiosmtpd received for one address."""
        return self.smtp.handler.to(address)

    def store(self):
        """The store, opened from the project's config (close it after use)."""
        from reporter.store import Store

        return Store.open(load_config(self.config, self.env).settings.database_url)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`reporter serve`'s app under uvicorn on a free port, mail to aiosmtpd, links to the server."""
    import uvicorn

    from reporter.web import create_app

    root = tmp_path_factory.mktemp("browser")
    port = free_port()
    with SmtpServer() as smtp:
        config, env = make_project(root, smtp_port=smtp.port)
        # base_url makes the emails' links (confirm, unsubscribe) point at this server.
        smtp_block = (
            f"smtp:\n  host: 127.0.0.1\n  port: {smtp.port}\n  starttls: false\n"
            f"  from: Country Reports <reports@example.org>\n  base_url: http://127.0.0.1:{port}\n"
        )
        # One dead feed (a closed loopback port), so the feed-health page has a failure to show.
        feeds = f"feeds:\n  - name: dead-feed\n    url: http://127.0.0.1:{free_port()}/feed.xml\n"
        text = config.read_text(encoding="utf-8").replace("feeds: []\n", feeds)
        config.write_text(text + smtp_block, encoding="utf-8")
        server = uvicorn.Server(
            uvicorn.Config(create_app(config, env), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        shots = Path(os.environ.get("REPORTER_SCREENSHOTS") or root / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        try:
            yield Site(f"http://127.0.0.1:{port}", smtp, config, env, shots)
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module."""
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def reader(browser) -> Iterator[object]:
    """A fresh browser tab with JavaScript off, as a cautious reader has it."""
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def operator(browser, site) -> Iterator[object]:
    """A fresh tab (JavaScript on, for the one test that edits a form) logged in as the operator."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site.url}/admin")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{site.url}/admin")
    yield page
    context.close()


def shoot(page, site: Site, name: str) -> None:
    """Screenshots of the page as it is, at desktop width and at 390 px."""
    for label, size in (("desktop", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(site.shots / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def wait_for_mail(site: Site, address: str, count: int, timeout: float = 30) -> list:
    """The messages to an address once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while len(site.mails_to(address)) < count:
        assert time.monotonic() < deadline, f"no email {count} reached {address}"
        time.sleep(0.05)
    return site.mails_to(address)


def link_in(mail, path: str) -> str:
    """The first link to `path` in a message's text part."""
    part = mail.message.get_body(preferencelist=("plain",))
    found = re.search(rf"http://127\.0\.0\.1:\d+{re.escape(path)}\?token=\S+", part.get_content())
    assert found, f"no {path} link in the email"
    return found.group(0)


def test_a_reader_subscribes_confirms_by_email_and_a_second_subscribe_adds_nothing(site, reader) -> None:
    reader.goto(f"{site.url}/reports/japan/")
    shoot(reader, site, "report-page")
    reader.fill("#email", "ann@example.org")
    reader.check("input[name=format][value=both]")
    reader.click("button:has-text('Subscribe')")
    assert reader.locator("h1").inner_text() == "Check your inbox"
    shoot(reader, site, "subscribe-sent")
    (mail,) = wait_for_mail(site, "ann@example.org", 1)
    reader.goto(link_in(mail, "/confirm"))
    assert "the Japan report to ann@example.org (PDF and a link)" in reader.inner_text("main")
    shoot(reader, site, "confirm")
    reader.click("button:has-text('Confirm subscription')")
    assert reader.locator("h1").inner_text() == "Subscribed"
    shoot(reader, site, "subscribed")

    reader.goto(f"{site.url}/reports/japan/")
    reader.fill("#email", "ann@example.org")
    reader.click("button:has-text('Subscribe')")
    assert reader.locator("h1").inner_text() == "Check your inbox"
    time.sleep(0.5)  # a second confirmation would have arrived by now
    assert len(site.mails_to("ann@example.org")) == 1
    store = site.store()
    try:
        subs = store.subscribers.list(include_unsubscribed=True)
    finally:
        store.close()
    assert [(s.email, s.format, s.consent_source) for s in subs] == [("ann@example.org", "both", "confirmed")]


def test_the_operator_login_refuses_a_wrong_password(site, reader) -> None:
    reader.goto(f"{site.url}/admin")
    assert reader.url.startswith(f"{site.url}/admin/login")
    shoot(reader, site, "login")
    reader.fill("#password", "not the password")
    reader.click("button:has-text('Log in')")
    assert "That password is not right." in reader.inner_text("main")
    shoot(reader, site, "login-refused")
    reader.goto(f"{site.url}/admin/feeds")
    assert reader.url.startswith(f"{site.url}/admin/login")


def test_a_build_started_from_the_page_finishes_and_appears_in_the_archive(site, operator) -> None:
    page = operator
    shoot(page, site, "admin-build")
    page.fill("#period-japan", "2025-11")
    page.click("button:has-text('Build japan')")
    assert "/admin/tasks/" in page.url
    if page.locator(".status.done").count() == 0:
        assert page.locator('meta[http-equiv="refresh"]').count() == 1  # it follows the build
        shoot(page, site, "admin-task-running")
    page.wait_for_selector(".status.done, .status.failed", timeout=BUILD_TIMEOUT_MS)
    assert page.locator(".status.done").count() == 1, page.inner_text("main")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    shoot(page, site, "admin-task-done")
    page.click(".task .links a:text-is('Archive')")
    assert page.url == f"{site.url}/reports/japan/"
    assert "November 2025" in page.inner_text(".issues")
    page.goto(site.url)
    assert "Country Report: Japan (November 2025)" in page.inner_text("main")
    shoot(page, site, "home")
    page.click(".latest h3 a")
    assert page.url.endswith("/reports/japan/2025-11/japan-2025-11.html")
    shoot(page, site, "report-html")
    pdf = page.locator("a:has-text('PDF edition')").get_attribute("href")
    answer = page.request.get(f"{site.url}/reports/japan/2025-11/{pdf}")
    assert answer.headers["content-type"] == "application/pdf"
    page.click("a:has-text('All reports')")
    assert page.url == f"{site.url}/#japan"


def test_a_reader_unsubscribes_from_the_link_in_a_report_email(site, reader) -> None:
    store = site.store()
    try:
        store.subscribers.confirm("bob@example.org", report="japan", format="html")
        if store.builds.get("japan", "2025-11") is None:
            pytest.skip("needs the build of the test before")
    finally:
        store.close()
    result = send_report(load_config(site.config, site.env), "japan", "2025-11")
    assert result.ok, result
    (mail,) = wait_for_mail(site, "bob@example.org", 1)
    reader.goto(link_in(mail, "/unsubscribe"))
    assert "Stop sending the Japan report to bob@example.org?" in reader.inner_text("main")
    shoot(reader, site, "unsubscribe")
    reader.click("button:has-text('Unsubscribe')")
    assert reader.locator("h1").inner_text() == "Unsubscribed"
    assert "bob@example.org will receive no more of it" in reader.inner_text("main")
    shoot(reader, site, "unsubscribed")
    store = site.store()
    try:
        found = store.subscribers.find("bob@example.org", "japan")
    finally:
        store.close()
    assert found is not None and not found.active


def test_a_form_posted_without_its_csrf_token_is_refused(site, operator) -> None:
    page = operator
    page.goto(f"{site.url}/admin/subscribers")
    page.fill("#add-email", "mallory@example.org")
    page.locator("form[action='/admin/subscribers/add'] input[name=csrf_token]").evaluate("e => e.remove()")
    page.click("button:has-text('Add')")
    assert page.locator("h1").inner_text() == "Form expired"
    page.goto(f"{site.url}/admin/subscribers?q=mallory")
    assert "No subscribers match." in page.inner_text("main")


def test_screenshots_of_the_operators_pages(site, operator) -> None:
    page = operator
    page.goto(f"{site.url}/admin/feeds")
    assert "dead-feed" in page.inner_text("main")
    for name, path in [
        ("admin-feeds", "/admin/feeds"),
        ("admin-runs", "/admin/runs"),
        ("admin-subscribers", "/admin/subscribers?all=1"),
        ("admin-outbox", "/admin/outbox"),
    ]:
        page.goto(site.url + path)
        assert page.locator("h1").count() == 1
        shoot(page, site, name)
    page.goto(f"{site.url}/admin/outbox")
    if page.locator("td a").count():
        page.locator("td a").first.click()
        shoot(page, site, "admin-outbox-send")
    assert all(p.stat().st_size > 1000 for p in site.shots.glob("*.png"))
