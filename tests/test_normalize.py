"""RawEntry → Item: the date chain with its source and precision, clean text, canonical URLs, stable ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from reporter.models import RawEntry
from reporter.normalize import canonical_url, find_text_date, item_id, normalize, sanitize_html

NOW = datetime(2025, 11, 20, tzinfo=UTC)


def raw(**kw) -> RawEntry:
    base = {"source": "f", "kind": "feed", "content": "Some text about Japan.", "fetched_at": NOW}
    return RawEntry(**(base | kw))


def test_date_chain_published_updated_dc_date_text_fetched():
    jst = timezone(timedelta(hours=9))
    assert normalize(raw(published=datetime(2025, 11, 3, 9, tzinfo=jst)), now=NOW).published == datetime(
        2025, 11, 3, 0, tzinfo=UTC
    )
    updated = normalize(raw(updated=datetime(2025, 11, 4, tzinfo=UTC)), now=NOW)
    assert (updated.date_source, updated.date_precision) == ("updated", "day")
    dc = normalize(raw(updated=datetime(2025, 11, 4, tzinfo=UTC), date_source="dc:date"), now=NOW)
    assert dc.date_source == "dc:date"
    text = normalize(raw(content="TOKYO, November 5, 2025 — Talks began."), now=NOW)
    assert (text.date_source, text.published) == ("text", datetime(2025, 11, 5, tzinfo=UTC))
    month = normalize(raw(content="A review of diplomacy in October 2025."), now=NOW)
    assert (month.date_source, month.date_precision) == ("text", "month")
    fetched = normalize(raw(), now=NOW)
    assert (fetched.date_source, fetched.published) == ("fetched", NOW)


def test_a_feed_date_in_the_future_or_long_ago_is_passed_over():
    future = normalize(
        raw(published=NOW + timedelta(days=30), updated=datetime(2025, 11, 2, tzinfo=UTC)), now=NOW
    )
    assert future.date_source == "updated"
    epoch = normalize(raw(published=datetime(1970, 1, 1, tzinfo=UTC)), now=NOW)
    assert epoch.date_source == "fetched"


def test_dates_written_after_now_are_not_taken_from_the_text():
    assert find_text_date("The summit is planned for March 3, 2026.", NOW) is None


def test_html_becomes_clean_text_and_links_stay_http():
    item = normalize(
        raw(
            content='<p>One.</p><img src="file:///etc/passwd"><script>x()</script><p>Two.</p>',
            content_type="text/html",
        ),
        now=NOW,
    )
    assert item.text == "One.\n\nTwo."
    safe = sanitize_html('<a href="file:///etc/passwd">a</a><a href="https://ok.example/">b</a><form></form>')
    assert "file:" not in safe and 'href="https://ok.example/"' in safe and "<form" not in safe


def test_canonical_url_drops_tracking_and_fragments():
    assert (
        canonical_url("HTTPS://News.Example/a?utm_source=x&id=3&fbclid=y#top")
        == "https://news.example/a?id=3"
    )
    assert canonical_url("javascript:alert(1)") is None and canonical_url("file:///etc/passwd") is None


def test_ids_trusted_guid_then_link_then_content():
    assert item_id(raw(guid="tag:x,2025:1", link="https://a/1"), "t") == item_id(
        raw(guid="tag:x,2025:1", link="https://b/2"), "t"
    )  # a trusted GUID wins over the link
    permalink = item_id(raw(guid="https://a.example/1", guid_is_link=True), "t")
    assert permalink == item_id(raw(link="https://a.example/1?utm_source=rss"), "t")  # a permalink is a link
    assert item_id(raw(guid="42"), "t") != item_id(
        raw(source="other", guid="42"), "t"
    )  # short GUIDs are scoped
    shared = raw(link="https://a.example/", link_unique=False, title="A")
    assert item_id(shared, "text one") != item_id(shared, "text two")  # a shared link falls back to content


def test_missing_title_is_the_first_line():
    assert normalize(raw(content="First line here.\n\nMore."), now=NOW).title == "First line here."
