"""What readers and the operator see: the archive, a report's page, its Atom feed, the operator's pages.

One app serves the module: the japan report built once for 2025-11 (json, md, html) through the
API, an older issue (2025-10) made from it on disk, and a stand-in PDF file, so every link shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from starlette.testclient import TestClient

from reporter.store.deliveries import Outcome
from tests.conftest import closed_port
from tests.web_support import ADMIN, client_for, csrf_of, login, make_project


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """The running app and its output folder, with two issues of the japan report."""
    root = tmp_path_factory.mktemp("site")
    project = make_project(root)
    with client_for(project) as client:
        answer = client.post(
            "/build/japan/2025-11?formats=json,md,html", headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert answer.status_code == 200, answer.text
        output = Path(project[1]["REPORTER_OUTPUT_DIR"])
        new = output / "japan" / "2025-11"
        (new / "japan-2025-11.pdf").write_bytes(b"%PDF-1.4 stand-in")
        old = output / "japan" / "2025-10"
        old.mkdir()
        data = json.loads((new / "japan-2025-11.json").read_text(encoding="utf-8"))
        data |= {
            "title": "Country Report: Japan (October 2025)",
            "period": {"key": "2025-10", "label": "October 2025"},
            "generated": "2025-11-01T06:00:00+00:00",
            "overview": ["October was quiet.", "Second line.", "A third line not shown."],
        }
        (old / "japan-2025-10.json").write_text(json.dumps(data), encoding="utf-8")
        yield client, output


def operator(client: TestClient) -> str:
    """Log in (if not yet) and return a CSRF token for the operator's forms."""
    if client.get("/admin", follow_redirects=False).status_code != 200:
        login(client)
    return csrf_of(client.get("/admin").text)


def wait_for_task(client: TestClient, url: str, timeout: float = 120) -> str:
    """Poll a task's page until it no longer reloads itself; its final HTML."""
    deadline = time.monotonic() + timeout
    while True:
        html = client.get(url).text
        if 'http-equiv="refresh"' not in html:
            return html
        assert time.monotonic() < deadline, f"{url} did not finish"
        time.sleep(0.2)


# --- readers ---------------------------------------------------------------------------------------


def test_the_home_page_shows_each_reports_latest_issue_with_its_first_lines_and_links(site) -> None:
    client, _ = site
    html = client.get("/").text
    assert "Japan report" in html
    assert "Country Report: Japan (November 2025)" in html
    assert "October 2025" not in html  # only the latest issue; the others are on the report's page
    assert "This month&#39;s coverage centred on" in html
    assert 'href="/reports/japan/2025-11/japan-2025-11.pdf"' in html
    assert 'href="/reports/japan/2025-11/japan-2025-11.html"' in html
    assert 'href="/reports/japan/"' in html and "All issues (2) and subscribe" in html
    assert 'type="application/atom+xml"' in html


def test_a_reports_page_lists_its_issues_latest_first_and_offers_a_subscription(site) -> None:
    client, _ = site
    html = client.get("/reports/japan/").text
    assert html.index("November 2025") < html.index("October 2025")
    assert "October was quiet. Second line." in html and "A third line" not in html
    assert '<form method="post" action="/reports/japan/subscribe"' in html
    assert 'name="email" type="email" required' in html
    for fmt in ("pdf", "html", "both"):
        assert f'name="format" value="{fmt}"' in html
    # October has no HTML file: its period is not a link, and it offers only what exists.
    assert 'href="/reports/japan/2025-10/japan-2025-10.json"' in html
    assert "japan-2025-10.html" not in html


def test_the_atom_feed_lists_the_issues_latest_first(site) -> None:
    client, _ = site
    answer = client.get("/reports/japan/feed.atom")
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Japan report"
    assert [e.title for e in feed.entries] == [
        "Country Report: Japan (November 2025)",
        "Country Report: Japan (October 2025)",
    ]
    latest = feed.entries[0]
    assert latest.link == "http://testserver/reports/japan/2025-11/japan-2025-11.html"
    assert any(link.href.endswith(".pdf") and link.rel == "enclosure" for link in latest.links)
    assert feed.entries[1].summary == "October was quiet. Second line."


def test_an_html_report_links_back_to_its_archive_and_to_its_pdf(site) -> None:
    client, _ = site
    html = client.get("/reports/japan/2025-11/japan-2025-11.html").text
    assert '<a href="../../index.html#japan">All reports</a>' in html
    assert '<a href="japan-2025-11.pdf">PDF edition</a>' in html
    # Followed on the server, the archive link leads home (the fragment picks the report's section).
    assert client.get("/reports/index.html").url.path == "/"
    assert client.get("/reports/japan/2025-11/japan-2025-11.pdf").status_code == 200


def test_an_unknown_report_is_a_page_like_the_rest(site) -> None:
    client, _ = site
    for url in ("/reports/korea/", "/reports/korea/feed.atom", "/reports/Bad..Slug/"):
        answer = client.get(url)
        assert answer.status_code == 404
        assert '<link rel="stylesheet" href="/static/site.css">' in answer.text


def test_before_any_issue_the_home_page_says_so(tmp_path) -> None:
    with client_for(make_project(tmp_path)) as client:
        html = client.get("/").text
    assert "No issue has been published yet." in html and 'href="/reports/japan/"' in html


# --- the operator ----------------------------------------------------------------------------------


def test_refresh_runs_in_the_background_and_its_page_follows_it(site) -> None:
    client, _ = site
    token = operator(client)
    started = client.post("/admin/feeds/refresh", data={"csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/admin/tasks/")
    html = wait_for_task(client, started.headers["location"])
    assert "done" in html and "new item(s); 0 source(s) failed" in html
    assert "Refresh all feeds" in client.get("/admin").text  # listed among recent tasks


def test_the_runs_page_filters_by_kind_report_and_status(site) -> None:
    client, _ = site
    operator(client)
    everything = client.get("/admin/runs").text
    assert "<td>build</td>" in everything and "<td>ingest</td>" in everything
    builds = client.get("/admin/runs?kind=build&report=japan").text
    assert "<td>build</td>" in builds and "<td>ingest</td>" not in builds
    assert "No runs match." in client.get("/admin/runs?status=failed").text


def test_the_build_page_offers_each_report_with_the_period_just_closed(site) -> None:
    client, _ = site
    operator(client)
    html = client.get("/admin").text
    assert 'name="report" value="japan"' in html and 'name="period" value="' in html
    assert "Build japan" in html


def test_a_build_of_a_bad_period_says_what_to_fix(site) -> None:
    client, _ = site
    token = operator(client)
    answer = client.post("/admin/build", data={"csrf_token": token, "report": "japan", "period": "2025-13"})
    assert answer.status_code == 400 and "period must look like 2025-11" in answer.text
    answer = client.post("/admin/build", data={"csrf_token": token, "report": "korea", "period": "2025-11"})
    assert answer.status_code == 400


def test_subscribers_can_be_added_searched_exported_and_removed(site) -> None:
    client, _ = site
    token = operator(client)
    bob = {"email": "bob@example.org", "report": "japan"}
    form = {**bob, "csrf_token": token, "name": "Bob Ito", "format": "html"}
    added = client.post("/admin/subscribers/add", data=form)
    assert added.status_code == 200 and "added bob@example.org" in added.text
    assert "operator" in added.text and "web admin" in added.text  # the consent shown
    duplicate = client.post("/admin/subscribers/add", data=form)
    assert duplicate.status_code == 400 and "already subscribed" in duplicate.text
    assert "bob@example.org" in client.get("/admin/subscribers?q=ito").text
    assert "bob@example.org" not in client.get("/admin/subscribers?q=nobody").text
    csv = client.get("/admin/subscribers.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].startswith("email,name,report,format,status")
    assert "bob@example.org,Bob Ito,japan,html,active" in csv.text
    removed = client.post("/admin/subscribers/remove", data={**bob, "csrf_token": token})
    assert removed.status_code == 200 and "removed bob@example.org" in removed.text
    assert "<td>bob@example.org" not in removed.text


def test_the_outbox_shows_sent_deferred_failed_and_unknown(site) -> None:
    client, _ = site
    token = operator(client)
    store = client.app.state.web.ctx.store
    ids = [store.subscribers.add(f"{n}@example.org", report="japan").subscriber_id for n in "abcde"]
    build = store.builds.get("japan", "2025-11")
    store.deliveries.enqueue(build.id, ids)
    rows = {d.subscriber_id: d for d in store.deliveries.for_build(build.id)}
    now = datetime.now(UTC)
    outcomes = {
        ids[0]: Outcome(rows[ids[0]].id, "sent", now),
        ids[1]: Outcome(rows[ids[1]].id, "pending", now, "451 try later", now + timedelta(minutes=5)),
        ids[2]: Outcome(rows[ids[2]].id, "failed", now, "550 no such user"),
        ids[3]: None,  # claimed, never settled: a sender died mid-message
    }
    for sid, outcome in outcomes.items():
        store.deliveries.claim(rows[sid].id, message_id=f"<{sid}@x>", now=now)
        if outcome is not None:
            store.deliveries.finish(outcome)
    listing = client.get("/admin/outbox").text
    assert 'href="/admin/outbox/japan/2025-11"' in listing
    page = client.get("/admin/outbox/japan/2025-11").text
    for state, count in {"sent": 1, "deferred": 1, "failed": 1, "unknown": 1, "queued": 1}.items():
        assert f"{state} ({count})" in page
    assert "550 no such user" in page and "451 try later" in page
    failed = client.get("/admin/outbox/japan/2025-11?state=failed").text
    assert "c@example.org" in failed and "a@example.org" not in failed
    assert client.get("/admin/outbox/japan/1999-01").status_code == 404
    assert token


def test_feed_health_shows_failures_and_the_last_error_after_a_refresh(tmp_path) -> None:
    config, env = make_project(tmp_path)
    # A feed on a closed loopback port: refused (reporter does not fetch from 127.0.0.1 unasked) or
    # unreachable, a failure either way, as a dead feed is.
    text = config.read_text(encoding="utf-8").replace(
        "feeds: []\n", f"feeds:\n  - name: broken\n    url: http://127.0.0.1:{closed_port()}/feed.xml\n"
    )
    config.write_text(text, encoding="utf-8")
    with client_for((config, env)) as client:
        token = operator(client)
        before = client.get("/admin/feeds").text
        assert '<span class="status never-fetched">never fetched</span>' in before
        started = client.post("/admin/feeds/refresh", data={"csrf_token": token}, follow_redirects=False)
        assert "1 source(s) failed" in wait_for_task(client, started.headers["location"])
        html = client.get("/admin/feeds").text
    row = html.split("<strong>broken</strong>")[1].split("</tr>")[0]
    assert '<span class="status failing">failing</span>' in row
    assert "<td>never</td>" in row and '<td class="num">1</td>' in row
    error = row.split('<td class="error-text">')[1].split("</td>")[0]
    assert "127.0.0.1" in error
