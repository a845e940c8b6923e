"""Edit feeds.yaml in place, keeping its comments, order and quoting (ruamel.yaml round trip).

Each edit is validated as a whole file before it replaces the old one: a user is never left with a
feeds.yaml that `reporter check` refuses.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Edited:
    """The new text of the file, and what else the edit changed or did not (said to the user)."""

    text: str
    notes: tuple[str, ...] = ()


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, key order and quotes survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)  # "feeds:\n  - name: ..." as feeds.yaml is written
    return yaml


def _load(text: str, shown: str) -> tuple[Any, Any]:
    yaml = _yaml()
    try:
        data = yaml.load(text)
    except Exception as exc:  # ruamel raises many kinds; all mean the same to the user
        raise ConfigError(shown, [f"not valid YAML: {exc}"], hint="run reporter check for details") from None
    if not isinstance(data, dict):
        raise ConfigError(shown, ["line 1: the file must be a mapping with a `reports:` list"])
    return yaml, data


def _move_trailing_comment(source: Any, target: Any) -> None:
    """Move the comment (or blank line) after a list item's last key to another item's last key.

    ruamel keeps what follows a list (the blank line before `reports:`) on its last item; a new last
    item must take it over, or the blank line ends up above the new item.
    """
    if not (hasattr(source, "ca") and hasattr(target, "ca") and source and target):
        return
    token = source.ca.items.pop(list(source.keys())[-1], None)
    if token is not None:
        target.ca.items[list(target.keys())[-1]] = token


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def add_feed(
    text: str, name: str, url: str, *, outlet: str | None = None, shown: str = "feeds.yaml"
) -> Edited:
    """feeds.yaml's text with one feed appended to `feeds:`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from reporter.urls import web_url

    if web_url(url) is None:
        raise ConfigError(
            shown, [f"only http and https URLs are fetched, not {url!r}"], hint="give the feed's URL"
        )
    yaml, data = _load(text, shown)
    feeds = data.get("feeds")
    if not isinstance(feeds, list):
        feeds = CommentedSeq()
        data["feeds"] = feeds
    if any(isinstance(f, Mapping) and f.get("name") == name for f in feeds):
        raise ConfigError(shown, [f"there is already a feed named {name!r}"], hint="choose another name")
    if any(isinstance(f, Mapping) and str(f.get("url", "")).strip() == url.strip() for f in feeds):
        raise ConfigError(shown, [f"{url} is already in feeds.yaml"], hint="reporter feeds lists the feeds")
    entry = CommentedMap(name=name, url=url.strip())
    if outlet:
        entry["outlet"] = outlet
    feeds.append(entry)
    if len(feeds) > 1:
        _move_trailing_comment(feeds[-2], entry)
    listing = [
        str(r.get("slug"))
        for r in data.get("reports") or ()
        if isinstance(r, Mapping) and isinstance(r.get("feeds"), list)
    ]
    notes = tuple(
        f"report {slug} lists its feeds by name; add {name} to its `feeds:` for it to read this one"
        for slug in listing
    )
    return Edited(_dump(yaml, data), notes)


def remove_feed(text: str, name: str, *, shown: str = "feeds.yaml") -> Edited:
    """feeds.yaml's text without one feed, and without it in any report's list of feeds."""
    yaml, data = _load(text, shown)
    feeds = data.get("feeds") or []
    index = next((i for i, f in enumerate(feeds) if isinstance(f, Mapping) and f.get("name") == name), None)
    if index is None:
        known = ", ".join(str(f.get("name")) for f in feeds if isinstance(f, Mapping)) or "none"
        raise ConfigError(
            shown, [f"no feed named {name!r} (configured: {known})"], hint="reporter feeds lists them"
        )
    if index == len(feeds) - 1 and index > 0:
        _move_trailing_comment(feeds[index], feeds[index - 1])
    del feeds[index]
    notes = []
    for report in data.get("reports") or ():
        listed = report.get("feeds") if isinstance(report, Mapping) else None
        if isinstance(listed, list) and name in listed:
            listed.remove(name)
            notes.append(f"also removed it from report {report.get('slug')}'s feeds")
    return Edited(_dump(yaml, data), tuple(notes))


def replace_checked(path: Path, text: str, env: Mapping[str, str]) -> None:
    """Write `text` over `path` atomically, only if it is a valid configuration."""
    from reporter.config.load import load_config

    scratch = path.with_name(f".{path.name}.edit")
    scratch.write_text(text, encoding="utf-8")
    try:
        load_config(scratch, env)  # never leave the user with a broken feeds.yaml
    except ConfigError:
        scratch.unlink(missing_ok=True)
        raise
    os.replace(scratch, path)
