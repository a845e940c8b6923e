"""Feed ingest against a real HTTP server on 127.0.0.1: every format, every kind of bad input, one line each.

Each bad feed fails with a message naming the feed, and the feeds after it are still ingested.
"""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime

import pytest

from reporter.models import FeedSpec, SourceResult
from reporter.sources.feeds import ingest_feeds
from reporter.sources.fetch import FetchPolicy
from reporter.store import Store
from tests.feeds_support import DATA, FeedServer, serve

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
FAST = FetchPolicy(backoff=0.01, retries=1, connect_timeout=1.0, parse_workers=0, allow_private_networks=True)


@pytest.fixture
def server():
    with serve() as s:
        yield s


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'reporter.db'}")
    yield s
    s.close()


def feed(server: FeedServer, path: str, name: str | None = None, **options) -> FeedSpec:
    return FeedSpec(name=name or path.strip("/").replace(".", "-"), url=server.url(path), **options)


def ingest(store: Store, *feeds: FeedSpec, policy: FetchPolicy = FAST) -> dict[str, SourceResult]:
    return {
        r.source: r
        for r in ingest_feeds(feeds, store=store, user_agent="reporter-test/1", now=NOW, policy=policy)
    }


def one(store: Store, spec: FeedSpec, **kw) -> SourceResult:
    return ingest(store, spec, **kw)[spec.name]


def items_of(store: Store, source: str):
    return {i.title: i for i in store.items.for_sources([source])}


# --- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "content_type", "count"),
    [
        ("rss20.xml", "application/rss+xml", 3),
        ("rss10.xml", "application/rdf+xml", 1),
        ("rss091.xml", "text/xml", 1),
        ("atom10.xml", "application/atom+xml", 2),
        ("atom03.xml", "application/atom+xml", 1),
        ("feed.json", "application/feed+json", 2),
    ],
)
def test_every_feed_format_is_read(server, store, file, content_type, count):
    server.file("/f", file, content_type)
    result = one(store, feed(server, "/f", "f"))
    assert result.ok and result.new_items == count and not result.warnings


def test_rss_items_are_normalised(server, store):
    server.file("/rss", "rss20.xml")
    one(store, feed(server, "/rss", "diplomacy", outlet="Diplomacy Daily"))
    items = items_of(store, "diplomacy")
    pact = items["Japan and the Philippines sign a defence pact"]
    assert pact.url == "https://news.example.org/2025/11/japan-philippines-pact"  # tracking and fragment gone
    assert pact.published == datetime(2025, 11, 10, 0, 30, tzinfo=UTC)  # +0900 turned into UTC
    assert (pact.date_source, pact.date_precision) == ("published", "day")
    assert pact.author == "Aiko Tanaka" and pact.outlet == "Diplomacy Daily"
    assert pact.text.startswith("Tokyo and Manila signed") and "\n\n" in pact.text
    # a relative link resolves against the channel's link, not the address it was fetched from
    assert (
        items["Seoul and Tokyo resume shuttle diplomacy"].url
        == "https://news.example.org/2025/11/shuttle-diplomacy"
    )


def test_hostile_html_in_content_leaves_no_trace(server, store):
    server.file("/rss", "rss20.xml")
    one(store, feed(server, "/rss", "diplomacy"))
    text = items_of(store, "diplomacy")["Tokyo hosts ASEAN ministers"].text
    assert "Ministers met in Tokyo." in text
    for bad in ("file:", "/etc/passwd", "alert", "<script", "<form", "javascript:"):
        assert bad not in text


def test_atom_dates_title_markup_and_updated_fallback(server, store):
    server.file("/atom", "atom10.xml", "application/atom+xml")
    one(store, feed(server, "/atom", "pacific"))
    items = items_of(store, "pacific")
    ties = items["Australia & Japan deepen ties"]  # type="html" title, markup dropped
    assert ties.published == datetime(2025, 11, 12, 21, 0, tzinfo=UTC)
    assert "co-develop frigates" in ties.text  # the longer <content>, not the teaser <summary>
    updated = items["Only updated, no published"]
    assert updated.date_source == "updated" and updated.published == datetime(2025, 11, 5, 10, 0, tzinfo=UTC)


def test_dc_date_is_named_as_the_source_of_the_date(server, store):
    server.file("/rdf", "rss10.xml", "application/rdf+xml")
    one(store, feed(server, "/rdf", "rdf"))
    (item,) = items_of(store, "rdf").values()
    assert item.date_source == "dc:date" and item.published == datetime(2025, 11, 7, 1, 0, tzinfo=UTC)
    assert item.author == "MOFA Press"


def test_json_feed_items(server, store):
    server.file("/json", "feed.json", "application/feed+json")
    one(store, feed(server, "/json", "json"))
    items = items_of(store, "json")
    vietnam = items["Japan and Vietnam upgrade their partnership"]
    assert vietnam.author == "Minh Nguyen" and "file:" not in vietnam.text
    untitled = items["Untitled note on Japan and Indonesia, text only."]  # no title: the first line
    assert untitled.date_source == "updated" and untitled.author == "Desk"


def test_gzip_responses_are_decompressed(server, store):
    server.file("/gz", "rss20.xml", gz=True)
    assert one(store, feed(server, "/gz", "gz")).new_items == 3


def test_user_agent_and_per_feed_headers_are_sent(server, store):
    server.file("/rss", "rss20.xml")
    one(store, feed(server, "/rss", "h", headers=(("X-Token", "abc"),)))
    (request,) = server.hits("/rss")
    assert request.headers["User-Agent"] == "reporter-test/1" and request.headers["X-Token"] == "abc"
    assert "gzip" in request.headers["Accept-Encoding"]


def test_max_entries_caps_what_is_read(server, store):
    server.file("/rss", "rss20.xml")
    assert one(store, feed(server, "/rss", "cap", max_entries=2)).new_items == 2


# --- conditional GET ----------------------------------------------------------------------------


def test_second_ingest_gets_304_and_stores_nothing_new(server, store):
    server.file("/rss", "rss20.xml")
    server.file("/json", "feed.json", "application/feed+json")
    feeds = (feed(server, "/rss", "rss"), feed(server, "/json", "json"))
    first = ingest(store, *feeds)
    assert sum(r.new_items for r in first.values()) == 5
    second = ingest(store, *feeds)
    assert all(r.ok and r.not_modified and r.new_items == 0 for r in second.values())
    assert store.items.count() == 5
    assert server.hits("/rss")[-1].headers["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in server.hits("/rss")[-1].headers


# --- bad input: one case per line of the issue ---------------------------------------------------------


def test_unreachable_host_is_one_quick_line(store):
    spec = FeedSpec(name="nowhere", url="http://no-such-host.invalid/feed.xml")
    start = time.monotonic()
    result = one(store, spec)
    assert time.monotonic() - start < 5
    assert not result.ok and result.error.startswith("nowhere: cannot connect to no-such-host.invalid")


def test_connection_refused(store):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = one(store, FeedSpec(name="closed", url=f"http://127.0.0.1:{port}/feed"))
    assert not result.ok and "connection refused" in result.error


def test_a_silent_server_fails_the_feed_at_its_timeout(server, store):
    # `timeout` is the whole fetch, retries included: a server silent for longer gets no second try.
    server.sleep("/slow", 1.5)
    result = one(store, feed(server, "/slow", "slow", timeout=0.3))
    assert not result.ok and result.error == (
        "slow: no complete response from " + server.url("")[7:] + " within its 0.3s `timeout` "
        "(headers and body, retries included); gave up"
    )
    assert len(server.hits("/slow")) == 1
    assert "raise `timeout`" in result.hint


def test_slow_drip_is_cut_off_at_the_feed_timeout(server, store):
    server.drip("/drip", every=0.05)
    start = time.monotonic()
    result = one(store, feed(server, "/drip", "drip", timeout=0.5))
    assert time.monotonic() - start < 3
    assert not result.ok and result.error.startswith("drip: no complete response from ")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (404, "f: HTTP 404 Not Found: no feed at"),
        (410, "f: HTTP 410 Gone: the feed was removed for good"),
        (500, "f: HTTP 500 Internal Server Error: the server failed"),
        (403, "f: HTTP 403 Forbidden: the server refused us"),
    ],
)
def test_http_errors(server, store, code, expected):
    server.status("/x", code)
    result = one(store, feed(server, "/x", "f"))
    assert not result.ok and result.error.startswith(expected) and result.hint


def test_500_is_retried_with_backoff(server, store):
    server.status("/err", 503, {"Retry-After": "0"})
    one(
        store,
        feed(server, "/err", "err"),
        policy=FetchPolicy(retries=2, backoff=0.01, parse_workers=0, allow_private_networks=True),
    )
    assert len(server.hits("/err")) == 3


def test_410_marks_the_feed_gone_and_it_is_not_fetched_again(server, store):
    server.status("/gone", 410)
    spec = feed(server, "/gone", "gone")
    one(store, spec)
    assert store.feeds.get("gone", spec.url).gone
    again = one(store, spec)
    assert not again.ok and "gone (HTTP 410)" in again.error and len(server.hits("/gone")) == 1


def test_redirect_loop(server, store):
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    result = one(store, feed(server, "/a", "loop"))
    assert not result.ok and result.error == "loop: too many redirects (more than 5): a redirect loop?"


def test_permanent_redirect_is_followed_and_the_new_url_reported(server, store):
    server.file("/new", "rss20.xml")
    server.redirect("/old", "/new", 301)
    spec = feed(server, "/old", "moved")
    result = one(store, spec)
    assert result.ok and result.new_items == 3
    assert result.warnings == (
        f"the feed moved permanently to {server.url('/new')}; put that url in feeds.yaml",
    )
    assert store.feeds.get("moved", spec.url).moved_to == server.url("/new")


def test_temporary_redirect_is_not_reported(server, store):
    server.file("/new", "rss20.xml")
    server.redirect("/tmp", "/new", 302)
    assert one(store, feed(server, "/tmp", "tmp")).warnings == ()


def test_redirect_to_another_scheme_is_refused(server, store):
    server.redirect("/r", "file:///etc/passwd")
    result = one(store, feed(server, "/r", "r"))
    assert not result.ok and "not http(s)" in result.error


def test_only_http_and_https_urls_are_fetched(store):
    result = one(store, FeedSpec(name="local", url="file:///etc/passwd"))
    assert result.error == "local: only http and https URLs are fetched, not 'file:///etc/passwd'"


def test_an_html_page_points_at_its_feed(server, store):
    server.file("/page", "page.html", "text/html; charset=utf-8")
    result = one(store, feed(server, "/page", "page"))
    assert result.error == "page: got an HTML page, not a feed"
    assert server.url("/feeds/all.xml") in result.hint


def test_malformed_xml_with_entries_is_a_warning(server, store):
    server.file("/bad", "malformed.xml")
    result = one(store, feed(server, "/bad", "bad"))
    assert result.ok and result.new_items == 2
    assert result.warnings[0].startswith("the feed is not well-formed (")


def test_garbage_is_a_failure(server, store):
    server.body("/junk", b"\x00\x01 this is <<< not xml at all", "application/xml")
    result = one(store, feed(server, "/junk", "junk"))
    assert not result.ok and result.error.startswith("junk: ")


def test_wrong_declared_encoding_is_read_and_warned(server, store):
    server.file("/enc", "wrong-encoding.xml", "application/rss+xml")
    result = one(store, feed(server, "/enc", "enc"))
    assert result.ok and "wrong declared encoding" in result.warnings[0]
    assert "Réunion à Tokyo — café" in items_of(store, "enc")


@pytest.mark.parametrize("declare", [True, False])
def test_a_50_mb_response_is_cut_off(server, store, declare):
    server.huge("/huge", 50_000_000, declare=declare)
    result = one(store, feed(server, "/huge", "huge"))
    assert not result.ok and "over the 10.0 MB cap" in result.error


def test_a_gzip_bomb_is_cut_off(server, store):
    server.body("/zip", b"<rss>" + b" " * 30_000_000, gz=True)
    result = one(store, feed(server, "/zip", "zip"))
    assert not result.ok and "over the 10.0 MB cap" in result.error


def test_an_xml_entity_bomb_is_refused(server, store):
    server.file("/bomb", "bomb.xml")
    start = time.monotonic()
    result = one(store, feed(server, "/bomb", "bomb"))
    assert time.monotonic() - start < 5
    assert not result.ok and result.error.startswith("bomb: refused: the feed declares XML entities")


def test_an_external_entity_is_refused(server, store):
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0">'
    server.body("/xxe", xxe + b"<channel><item><title>&x;</title></item></channel></rss>")
    result = one(store, feed(server, "/xxe", "xxe"))
    assert not result.ok and "refused" in result.error


def test_an_empty_feed_is_fine_and_says_so(server, store):
    server.file("/empty", "empty.xml")
    result = one(store, feed(server, "/empty", "empty"))
    assert result.ok and result.new_items == 0 and result.warnings == ("the feed has no entries",)


def test_an_empty_response_is_a_failure(server, store):
    server.body("/nothing", b"")
    result = one(store, feed(server, "/nothing", "nothing"))
    assert result.error == "nothing: the server sent an empty response"


def test_entries_without_date_link_or_title(server, store):
    server.file("/sparse", "sparse.xml")
    result = one(store, feed(server, "/sparse", "sparse"))
    assert result.ok and result.new_items == 6
    items = items_of(store, "sparse")
    no_date = items["No date at all"]
    assert (no_date.date_source, no_date.published) == ("fetched", NOW)
    in_text = items["A date only in the text"]
    assert (in_text.date_source, in_text.published.date().isoformat()) == ("text", "2025-11-04")
    assert items["No link, no guid"].url is None
    untitled = next(i for t, i in items.items() if t.startswith("Untitled entry: Japan and Chile"))
    assert untitled.url == "https://sparse.example.org/untitled"
    # two entries that link only to the home page are two items, not one
    assert {"Homepage link one", "Homepage link two"} <= set(items)


def test_one_bad_feed_does_not_stop_the_others(server, store):
    server.file("/good", "rss20.xml")
    server.status("/bad", 500)
    results = ingest(
        store,
        feed(server, "/bad", "bad"),
        FeedSpec(name="ftp", url="ftp://x/"),
        feed(server, "/good", "good"),
    )
    assert [r.ok for r in results.values()] == [False, False, True]
    assert results["good"].new_items == 3


def test_feed_health_is_recorded(server, store):
    server.status("/flaky", 500)
    spec = feed(server, "/flaky", "flaky")
    one(store, spec)
    one(store, spec)
    state = store.feeds.get("flaky", spec.url)
    assert state.consecutive_failures == 2 and state.last_error.startswith("HTTP 500")
    server.file("/flaky", "rss20.xml")
    one(store, spec)
    state = store.feeds.get("flaky", spec.url)
    assert state.consecutive_failures == 0 and state.last_error is None
    assert state.last_success == NOW and state.entries_seen == 3 and state.etag


def test_progress_is_called_once_per_feed(server, store):
    server.file("/rss", "rss20.xml")
    seen: list[SourceResult] = []
    ingest_feeds(
        [feed(server, "/rss", "a"), FeedSpec(name="b", url="ftp://x")],
        store=store,
        user_agent="t",
        now=NOW,
        progress=seen.append,
        policy=FAST,
    )
    assert sorted((r.source, r.ok) for r in seen) == [("a", True), ("b", False)]  # with its outcome


def test_parsing_in_worker_processes_gives_the_same_items(server, store, tmp_path):
    server.file("/rss", "rss20.xml")
    server.file("/json", "feed.json", "application/feed+json")
    server.file("/bad", "page.html", "text/html")
    feeds = (feed(server, "/rss", "rss"), feed(server, "/json", "json"), feed(server, "/bad", "bad"))
    results = ingest(store, *feeds, policy=FetchPolicy(parse_workers=1, allow_private_networks=True))
    assert [r.new_items for r in results.values()] == [3, 2, 0]
    assert results["bad"].error == "bad: got an HTML page, not a feed"
    inline = Store.open(f"sqlite:///{tmp_path / 'inline.db'}")
    ingest(inline, *feeds)
    assert {i.id for i in inline.items.for_sources(["rss", "json"])} == {
        i.id for i in store.items.for_sources(["rss", "json"])
    }
    inline.close()


def test_gzip_fixture_really_is_compressed(server):
    server.file("/gz", "rss20.xml", gz=True)
    import httpx

    raw = httpx.get(server.url("/gz"), headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.content == (DATA / "rss20.xml").read_bytes()
    assert gzip.compress(raw.content)  # httpx decoded it
