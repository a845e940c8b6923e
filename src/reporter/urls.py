"""The one rule for a URL we fetch or link to: absolute http(s), a host, no spaces or control characters."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

URL_SCHEMES = frozenset({"http", "https"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def web_url(url: str | None) -> str | None:
    """The URL, stripped, if it is an absolute http(s) URL with a host; else None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url) or " " in url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unclosed IPv6 bracket, a bad port
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not host:
        return None
    return url
