"""JSON Feed 1.0/1.1 bytes → ParsedFeed, with the standard library (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reporter.errors import FeedError
from reporter.models import FeedSpec, RawEntry
from reporter.normalize import as_utc
from reporter.sources.parsed import ParsedFeed, absolute, clean, outlet_of_feed

_JSON_FEED = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")


def looks_like_json(head: bytes, content_type: str) -> bool:
    """Whether a response is JSON by its content type or its first bytes."""
    if "json" in content_type:
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_json_feed(data: bytes, *, feed: FeedSpec, url: str, fetched_at: datetime) -> ParsedFeed:
    """Parse a JSON Feed (https://jsonfeed.org/version/1.1) with the standard library."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FeedError(feed.name, f"JSON feed is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FeedError(feed.name, f"malformed JSON feed: {exc}") from None
    if not isinstance(doc, dict) or not _JSON_FEED.match(str(doc.get("version", ""))):
        raise FeedError(feed.name, "JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError(feed.name, "JSON Feed without an `items` list")
    base = doc.get("feed_url") if isinstance(doc.get("feed_url"), str) else url
    outlet = feed.outlet or outlet_of_feed(clean(doc.get("title")), doc.get("home_page_url"), url)
    feed_authors = _json_authors(doc)
    warnings: list[str] = []
    raws: list[RawEntry] = []
    for item in items[: feed.max_entries]:
        if not isinstance(item, dict):
            warnings.append("skipped an item that is not an object")
            continue
        html, text = item.get("content_html"), item.get("content_text")
        if isinstance(html, str) and html.strip():
            content, content_type = html, "text/html"
        elif isinstance(text, str) and text.strip():
            content, content_type = text, "text/plain"
        else:
            content, content_type = str(item.get("summary") or ""), "text/plain"
        published = _iso(item.get("date_published"))
        link = item.get("url") if isinstance(item.get("url"), str) else item.get("external_url")
        raws.append(
            RawEntry(
                source=feed.name,
                kind="feed",
                content=content,
                content_type=content_type,
                title=clean(item.get("title")),
                link=absolute(base, link if isinstance(link, str) else None),
                guid=clean(str(item["id"])) if item.get("id") is not None else None,
                author=_json_authors(item) or feed_authors,
                outlet=outlet,
                published=published,
                updated=_iso(item.get("date_modified")),
                fetched_at=fetched_at,
                language=feed.language,
                date_source="published" if published else None,
                subject_focused=feed.subject_focused,
            )
        )
    version = str(doc["version"]).rstrip("/").rsplit("/", 1)[-1].replace(".", "")
    return ParsedFeed(
        title=clean(doc.get("title")),
        link=doc.get("home_page_url") if isinstance(doc.get("home_page_url"), str) else None,
        version=f"json{version}",
        entries=tuple(raws),
        warnings=tuple(warnings),
        total_entries=len(items),
    )


def _json_authors(obj: Mapping[str, Any]) -> str | None:
    people = obj.get("authors")
    if not isinstance(people, list):
        people = [obj["author"]] if isinstance(obj.get("author"), dict) else []
    names = [str(p["name"]).strip() for p in people if isinstance(p, dict) and p.get("name")]
    return ", ".join(names) or None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        pass
    try:
        from dateutil import parser as dateutil_parser

        return as_utc(dateutil_parser.isoparse(value.strip()))
    except (ValueError, OverflowError):
        return None
