"""Outlet names: recognise publications in text and normalise the names feeds and seeds give."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publication: its canonical name, what kind it is, and the names it goes by."""

    name: str
    kind: str
    aliases: tuple[str, ...]


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
        for outlet in outlets:
            for alias in (outlet.name, *outlet.aliases):
                self._by_key.setdefault(_key(alias), outlet)

    @classmethod
    def load(cls, path: Path | None = None) -> Outlets:
        """Read the outlet table (the packaged one unless `path` is given)."""
        if path is None:
            text = resources.files("reporter").joinpath("data/outlets.yaml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        outlets = tuple(
            Outlet(
                name=str(o["name"]), kind=str(o.get("kind", "newspaper")), aliases=tuple(o.get("aliases", ()))
            )
            for o in data.get("outlets", ())
        )
        return cls(outlets)

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


def _key(name: str) -> str:
    key = re.sub(r"[^\w.]+", " ", name.lower()).strip()
    return key[4:] if key.startswith("the ") else key
