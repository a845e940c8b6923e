"""Make every field that reaches a page safe: plain text without markup, and http(s) links only."""

from __future__ import annotations

import html
import re

from reporter.urls import URL_SCHEMES, web_url

_TAG_LIKE = re.compile(r"<[A-Za-z!/?]")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def plain(text: str | None) -> str:
    """Text with any markup removed (nh3, no tags allowed); autoescaping then makes it safe."""
    if not text:
        return ""
    if not _TAG_LIKE.search(text):
        return text
    import nh3

    cleaned = nh3.clean(text, tags=set(), attributes={}, url_schemes=set(URL_SCHEMES), strip_comments=True)
    return html.unescape(cleaned)


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link without control characters, else None."""
    return web_url(url)


def html_id(text: str, fallback: str) -> str:
    """A valid, readable HTML id from a name: lowercase ASCII words joined by hyphens."""
    slug = _SLUG_CHARS.sub("-", text.lower()).strip("-")
    return slug or fallback
