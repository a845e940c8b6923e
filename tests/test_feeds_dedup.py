"""Duplicates: the same story is stored once, with every feed it came from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporter.models import FeedSpec
from reporter.sources.feeds import ingest_feeds
from reporter.sources.fetch import FetchPolicy
from reporter.store import Store
from tests.feeds_support import serve

NOW = datetime(2025, 11, 20, tzinfo=UTC)
POLICY = FetchPolicy(parse_workers=0, retries=0, allow_private_networks=True)
BODY = "Japan and the Philippines signed a reciprocal access agreement in Manila on Monday."


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://a.example/</link>'
        f"<description>d</description>{''.join(items)}</channel></rss>"
    ).encode()


def item(title: str, *, link: str | None = None, guid: str | None = None, body: str = BODY) -> str:
    parts = [f"<title>{title}</title>", f"<description>{body}</description>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    return "<item>" + "".join(parts) + "</item>"


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    yield s
    s.close()


def run(store, server, *names):
    feeds = [FeedSpec(name=n, url=server.url(f"/{n}")) for n in names]
    return {r.source: r for r in ingest_feeds(feeds, store=store, user_agent="t", now=NOW, policy=POLICY)}


def test_the_same_entry_from_two_feeds_is_one_item_with_both_sources(store):
    with serve() as server:
        server.body("/a", rss(item("Pact signed", link="https://news.example/pact?utm_source=a", guid="a-1")))
        server.body("/b", rss(item("Pact signed", link="https://news.example/pact#comments", guid="b-77")))
        results = run(store, server, "a", "b")
    # whichever feed arrives first brings the item; the other is linked to it
    assert sorted((r.new_items, r.seen_items) for r in results.values()) == [(0, 1), (1, 0)]
    (only,) = store.items.for_sources(["a", "b"])
    assert sorted(store.items.sources_of(only.id)) == ["a", "b"]


def test_a_guid_that_changes_between_fetches(store):
    with serve() as server:
        server.body("/a", rss(item("Pact signed", link="https://news.example/pact", guid="v1-123")))
        run(store, server, "a")
        server.body("/a", rss(item("Pact signed", link="https://news.example/pact", guid="v2-XYZ")))
        again = run(store, server, "a")
    assert again["a"].new_items == 0 and store.items.count() == 1


def test_missing_guids_fall_back_to_the_link_then_the_text(store):
    with serve() as server:
        server.body("/a", rss(item("Linked", link="https://news.example/x"), item("Unlinked, unguided")))
        first = run(store, server, "a")
        server.body("/a", rss(item("Linked", link="https://news.example/x"), item("Unlinked, unguided")))
        server.body("/b", rss(item("Unlinked, unguided")))  # same title and text in another feed
        second = run(store, server, "a", "b")
    assert first["a"].new_items == 2
    assert second["a"].new_items == 0 and second["b"].new_items == 0 and store.items.count() == 2
    assert second["b"].seen_items == 1


def test_a_link_shared_by_several_entries_identifies_none_of_them(store):
    with serve() as server:
        server.body(
            "/a",
            rss(
                item(
                    "First story",
                    link="https://a.example/news",
                    body="One thing happened in Tokyo, at length.",
                ),
                item(
                    "Second story",
                    link="https://a.example/news",
                    body="Another thing in Seoul, at length.",
                ),
            ),
        )
        server.body("/b", rss(item("Unrelated", link="https://a.example/news", guid="b-1", body="Else.")))
        results = run(store, server, "a", "b")
    assert results["a"].new_items == 2 and results["b"].new_items == 1


def test_a_guid_repeated_within_a_feed_is_not_trusted(store):
    with serve() as server:
        server.body(
            "/a",
            rss(
                item("One", link="https://a.example/1", guid="same"),
                item("Two", link="https://a.example/2", guid="same"),
            ),
        )
        results = run(store, server, "a")
    assert results["a"].new_items == 2
    assert any("share a GUID" in w for w in results["a"].warnings)


def test_short_teasers_with_the_same_words_are_not_merged(store):
    with serve() as server:
        server.body("/a", rss(item("Update", link="https://a.example/u1", body="Read more.")))
        server.body("/b", rss(item("Update", link="https://b.example/u2", body="Read more.")))
        results = run(store, server, "a", "b")
    assert results["a"].new_items == 1 and results["b"].new_items == 1
