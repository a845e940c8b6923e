"""One feed-URL rule, shared by the config check, the fetcher, OPML import and the page renderer."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reporter.config import parse_config
from reporter.errors import ConfigError
from reporter.models import FeedSpec
from reporter.render.clean import safe_url
from reporter.sources.fetch import FetchError, check_url
from reporter.urls import web_url

GOOD = ["https://example.org/feed", "HTTP://Example.org/rss.xml", "  http://127.0.0.1:8080/a  "]
BAD = [
    "ftp://example.org/feed", "file:///etc/passwd", "https://", "http://[::1/feed", "https://a b/", "/f.xml",
]  # fmt: skip


@pytest.mark.parametrize("url", GOOD)
def test_http_and_https_urls_with_a_host_pass_everywhere(url: str) -> None:
    assert web_url(url) == url.strip() == safe_url(url)
    check_url(FeedSpec(name="f", url=url))


@pytest.mark.parametrize("url", BAD)
def test_anything_else_is_refused_everywhere_with_the_same_words(url: str) -> None:
    assert web_url(url) is None and safe_url(url) is None
    with pytest.raises(FetchError, match="only http and https URLs are fetched"):
        check_url(FeedSpec(name="f", url=url))
    text = f"""
        feeds: [{{name: f, url: "{url}"}}]
        reports: [{{slug: japan, subject: JP, sections: [{{name: Overview}}]}}]
    """
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), config_path=Path("/p/feeds.yaml"), env={})
    assert any("only http and https URLs are fetched" in p for p in caught.value.problems)
