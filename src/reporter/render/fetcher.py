"""WeasyPrint's URL fetcher, locked down: our template assets and our own data: images, nothing else.

A feed that smuggles `<img src="file:///etc/passwd">` or `<a rel="attachment" href="file:...">` into
a report must not get that file into the PDF, and rendering must never touch the network.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

log = logging.getLogger(__name__)

ASSET_SCHEME = "reporter-asset:"  # templates refer to their assets as reporter-asset:logo.png
ASSET_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
DATA_TYPES = frozenset({"image/svg+xml", "image/png"})  # the images the program draws itself
MAX_DATA_BYTES = 4 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL the renderer will not fetch."""


def resolve_asset(name: str, asset_dirs: list[Path]) -> Path:
    """The file behind reporter-asset:NAME, searched project folder first; only plain file names."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise RefusedURL(f"asset name {name!r} is not a plain file name")
    suffix = Path(name).suffix.lower()
    if suffix not in ASSET_TYPES:
        raise RefusedURL(f"asset {name!r} is not a stylesheet, image or font")
    for folder in asset_dirs:
        root = folder.resolve()
        path = (root / name).resolve()
        if path.parent == root and path.is_file():
            return path
    raise RefusedURL(f"asset {name!r} not found in the templates folders")


def decode_data_url(url: str) -> tuple[str, bytes]:
    """The media type and bytes of a data: URL we accept (our own SVG/PNG images)."""
    header, sep, payload = url[len("data:") :].partition(",")
    if not sep:
        raise RefusedURL("malformed data: URL")
    params = [p.strip().lower() for p in header.split(";")]
    media_type = params[0]
    if media_type not in DATA_TYPES:
        raise RefusedURL(f"data: URL of type {media_type or 'text/plain'} refused")
    if len(payload) > MAX_DATA_BYTES * 2:
        raise RefusedURL("data: URL too large")
    data = base64.b64decode(payload, validate=False) if "base64" in params[1:] else unquote_to_bytes(payload)
    return media_type, data


def fetch_allowed(url: str, asset_dirs: list[Path]) -> tuple[str, bytes]:
    """(media type, bytes) for an allowed URL; raises RefusedURL for everything else."""
    lowered = url.lower()
    if lowered.startswith(ASSET_SCHEME):
        path = resolve_asset(unquote_to_bytes(url[len(ASSET_SCHEME) :]).decode("utf-8", "strict"), asset_dirs)
        return ASSET_TYPES[path.suffix.lower()], path.read_bytes()
    if lowered.startswith("data:"):
        return decode_data_url(url)
    raise RefusedURL(f"refused to fetch {url[:80]!r}: only the report's own assets are allowed")


def make_url_fetcher(asset_dirs: list[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves only fetch_allowed() URLs (WeasyPrint 68+ class API)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LockedFetcher(URLFetcher):
        """Serves our assets; refuses file:, http(s):, and every other scheme."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                media_type, data = fetch_allowed(url, asset_dirs)
            except RefusedURL as exc:
                log.warning("%s", exc)
                raise
            return URLFetcherResponse(url, body=data, headers={"Content-Type": media_type})

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            return self.fetch(url if isinstance(url, str) else url.full_url)

    return LockedFetcher()
