"""Outlets are named as readers know them: from feeds.yaml, else the feed's site, else its title cleaned."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporter.models import FeedSpec
from reporter.nlp.outlets import packaged
from reporter.sources.parse import parse_feed

NOW = datetime(2023, 10, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "url", "outlet"),
    [
        # The title names a known outlet beside its section or a tagline.
        ("China - South China Morning Post", None, "South China Morning Post"),
        ("Channel Asia Latest News", None, "CNA"),
        ("NYT > World News", None, "The New York Times"),
        ("BBC News - World", None, "BBC News"),
        ("The Moscow Times - Independent News From Russia", None, "The Moscow Times"),
        ("RT - Daily news", None, "RT"),
        ("Financial Times World", None, "Financial Times"),
        ("NBC world", None, "NBC News"),
        # The site decides when the title says nothing useful.
        ("https://www.channelnewsasia.com/rss", "https://www.channelnewsasia.com/rss", "CNA"),
        ("World", "http://feeds.bbci.co.uk/news/world/rss.xml", "BBC News"),
        ("Top stories", "https://rss.nytimes.com/services/xml/rss/nyt/World.xml", "The New York Times"),
        # An outlet the table does not know keeps its own name, without the section words.
        ("Foo Daily - World News", None, "Foo Daily"),
        ("Tokyo Weekender", None, "Tokyo Weekender"),
    ],
)
def test_a_feeds_outlet_is_its_site_or_its_title_without_section_words(title, url, outlet):
    assert packaged().for_feed(title, [url]) == outlet


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>China - South China Morning Post</title>
  <link>https://www.scmp.com/rss/4/feed</link>
  <item><title>A headline</title><link>https://www.scmp.com/news/1</link>
    <description>A teaser.</description><pubDate>Mon, 16 Oct 2023 06:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_entries_carry_the_outlet_decided_once_and_feeds_yaml_still_wins():
    def outlet_of(feed: FeedSpec) -> str | None:
        parsed = parse_feed(RSS, feed=feed, url=feed.url, headers={}, fetched_at=NOW)
        return parsed.entries[0].outlet

    served = "http://127.0.0.1:8000/scmp.xml"  # the replay's loopback URL: the channel's link names the site
    assert outlet_of(FeedSpec(name="scmp", url=served)) == "South China Morning Post"
    chosen = FeedSpec(name="scmp", url=served, outlet="SCMP China desk")
    assert outlet_of(chosen) == "SCMP China desk"
