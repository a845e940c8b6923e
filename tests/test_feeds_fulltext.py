"""Full text for summary-only feeds: trafilatura in a child process; any failure keeps the summary."""

from __future__ import annotations

from datetime import UTC, datetime

from reporter.models import FeedSpec
from reporter.sources.feeds import ingest_feeds
from reporter.sources.fetch import FetchPolicy
from reporter.sources.fulltext import Extractor
from reporter.store import Store
from tests.feeds_support import serve

NOW = datetime(2025, 11, 20, tzinfo=UTC)
ARTICLE = (
    "<html><head><title>Pact</title></head><body><nav>Menu</nav><article><h1>Pact signed</h1>"
    + "".join(
        f"<p>Paragraph {i}: Japan and the Philippines agreed on joint exercises and port calls "
        f"in the South China Sea, officials said after the meeting in Manila.</p>"
        for i in range(8)
    )
    + "</article><footer>Footer</footer></body></html>"
)


def test_summary_only_feed_gets_the_article_text(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    with serve() as server:
        server.body("/article", ARTICLE.encode(), "text/html; charset=utf-8")
        feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>'
            "<description>d</description>"
            f"<item><title>Pact signed</title><link>{server.url('/article')}</link>"
            "<description>A short teaser.</description></item>"
            "<item><title>Broken link</title><link>" + server.url("/missing") + "</link>"
            "<description>Teaser kept.</description></item></channel></rss>"
        )
        server.body("/feed", feed.encode())
        spec = FeedSpec(name="ft", url=server.url("/feed"), full_text=True, timeout=5)
        (result,) = ingest_feeds(
            [spec],
            store=store,
            user_agent="t",
            now=NOW,
            policy=FetchPolicy(parse_workers=0, allow_private_networks=True),
        )
    assert result.ok and result.new_items == 2
    items = {i.title: i for i in store.items.for_sources(["ft"])}
    assert "Paragraph 7: Japan and the Philippines" in items["Pact signed"].text
    assert "Menu" not in items["Pact signed"].text
    assert items["Broken link"].text == "Teaser kept."
    store.close()


def test_a_hung_extraction_is_killed_at_the_timeout():
    with Extractor(timeout=0.01) as extractor:
        assert extractor.extract(ARTICLE.encode() * 50, "https://x.example/") is None
        extractor.timeout = 30
        assert "Paragraph 1" in (extractor.extract(ARTICLE.encode(), "https://x.example/") or "")
