"""Outlet names: recognise publications in text, normalise the names seeds give, and name a feed's outlet.

A feed is named once, where its entries get their outlet (sources/parse.py): `outlet:` in feeds.yaml if set,
else the outlet whose site the feed comes from, else its title cleaned of section words ("China - South
China Morning Post" → South China Morning Post, "Channel Asia Latest News" → CNA).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml

# Words a feed title adds to the outlet's name: its section, its edition, that it is a feed.
_FEED_WORD = re.compile(
    r"(?:latest|breaking|top|all|world|international|global|news|stories|headlines|articles|updates|"
    r"rss|feeds?|home|homepage|edition|section|english)",
    re.IGNORECASE,
)
_TITLE_PARTS = re.compile(r"\s+[-–—|>»:·•]\s+|\s*[|>»]\s*")


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publication: its canonical name, what kind it is, and the names it goes by."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    sites: tuple[str, ...] = ()  # hosts it publishes from ("scmp.com"); subdomains count


@dataclass(frozen=True, slots=True)
class OutletMention:
    """Where an outlet is named in a text."""

    outlet: Outlet
    text: str
    start: int
    end: int


class Outlets:
    """The outlet table from `data/outlets.yaml`, with lookups by name and a matcher for text."""

    def __init__(self, outlets: tuple[Outlet, ...]):
        self.outlets = outlets
        self._by_key = {}
        self._by_site: dict[str, Outlet] = {}
        for outlet in outlets:
            for alias in (outlet.name, *outlet.aliases):
                self._by_key.setdefault(_key(alias), outlet)
            for site in outlet.sites:
                self._by_site.setdefault(site.lower().removeprefix("www."), outlet)

    @classmethod
    def load(cls, path: Path | None = None) -> Outlets:
        """Read the outlet table (the packaged one unless `path` is given)."""
        if path is None:
            text = resources.files("reporter").joinpath("data/outlets.yaml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        outlets = tuple(
            Outlet(
                name=str(o["name"]),
                kind=str(o.get("kind", "newspaper")),
                aliases=tuple(o.get("aliases", ())),
                sites=tuple(o.get("sites", ())),
            )
            for o in data.get("outlets", ())
        )
        return cls(outlets)

    def by_site(self, url: str | None) -> Outlet | None:
        """The outlet whose site serves this URL ("https://feeds.bbci.co.uk/news/rss.xml" → BBC News)."""
        if not url:
            return None
        host = (urlsplit(url.strip()).hostname or "").lower().removeprefix("www.")
        parts = host.split(".")
        for i in range(len(parts) - 1):
            outlet = self._by_site.get(".".join(parts[i:]))
            if outlet is not None:
                return outlet
        return None

    def for_feed(self, title: str | None, urls: Iterable[str | None] = ()) -> str | None:
        """The outlet of a feed as readers know it, from its site's host, else from its title."""
        for url in urls:
            outlet = self.by_site(url)
            if outlet is not None:
                return outlet.name
        if not title or not title.strip() or "://" in title:
            return None
        title = " ".join(title.split())
        parts = [_trim(p) for p in _TITLE_PARTS.split(title) if p.strip()]
        for part in (title, _trim(title), *parts):
            outlet = self.get(part)
            if outlet is not None:
                return outlet.name
        # Not in the table: the part that is a name ("Foo Daily - World News" → Foo Daily).
        names = [p for p in parts if not any(_FEED_WORD.fullmatch(w) for w in p.split())]
        return max(names, key=len) if names else (parts[0] if parts else title)

    def get(self, name: str | None) -> Outlet | None:
        """The outlet a name stands for ("The Yomiuri Shimbun" → Yomiuri), or None if unknown."""
        if not name:
            return None
        return self._by_key.get(_key(name))

    def normalize(self, name: str | None) -> str | None:
        """The canonical name for an outlet name; unknown names come back tidied, not dropped."""
        if name is None or not name.strip():
            return None
        outlet = self.get(name)
        return outlet.name if outlet else " ".join(name.split())

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        aliases = sorted({a for o in self.outlets for a in o.aliases}, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in aliases)
        # Whole words only; a trailing possessive or a hyphenated compound still counts.
        return re.compile(rf"(?<![\w.])(?:(?:[Tt]he)\s+)?(?P<alias>{body})(?![\w]|\.\w)")

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[OutletMention]:
        """Every outlet named in `text[start:end]`, in order, with offsets into `text`."""
        found: list[OutletMention] = []
        for m in self._pattern.finditer(text, start, len(text) if end is None else end):
            outlet = self.get(m.group("alias"))
            if outlet is not None:
                found.append(OutletMention(outlet, m.group("alias"), m.start("alias"), m.end("alias")))
        return found


def _trim(part: str) -> str:
    """A title part without the feed words at its ends ("Financial Times World" → "Financial Times")."""
    words = part.split()
    while len(words) > 1 and _FEED_WORD.fullmatch(words[-1].strip(",.")):
        words.pop()
    while len(words) > 1 and _FEED_WORD.fullmatch(words[0].strip(",.")):
        words.pop(0)
    return " ".join(words)


def _key(name: str) -> str:
    key = re.sub(r"[^\w.]+", " ", name.lower()).strip()
    return key[4:] if key.startswith("the ") else key


@cache
def packaged() -> Outlets:
    """The packaged outlet table, read once per process (it is immutable data)."""
    return Outlets.load()
