"""One story, one item: give a feed entry the id of the item already stored for it, whatever its GUID says.

An entry's own id (normalize.item_id) is stable for one feed. Across feeds, and when a feed changes an
entry's GUID between fetches, the same story gets another id; these rules find the stored item instead:
the same canonical link (when the link identifies the entry), or the same title and text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reporter.models import Item
from reporter.store.items import ItemRepo

_MIN_TEXT_FOR_CONTENT_MATCH = 40  # two teasers of a few words are not the same story


def merge_known(items: Sequence[Item], link_unique: Sequence[bool], repo: ItemRepo) -> list[Item]:
    """The items, each with the id of the item stored (or earlier in the batch) for the same story."""
    known = repo.known_ids([i.id for i in items])
    pending = [(i, u) for i, u in zip(items, link_unique, strict=True) if i.id not in known]
    by_url = repo.ids_by_url(i.url for i, unique in pending if unique and i.url)
    by_content = repo.ids_by_content(
        (i.content_hash, i.title) for i, _ in pending if len(i.text) >= _MIN_TEXT_FOR_CONTENT_MATCH
    )
    seen_url: dict[str, str] = {}
    seen_content: dict[tuple[str, str], str] = {}
    out: list[Item] = []
    for item, unique in zip(items, link_unique, strict=True):
        content_key = (item.content_hash, item.title.casefold())
        substantial = len(item.text) >= _MIN_TEXT_FOR_CONTENT_MATCH
        if item.id not in known:
            target = None
            if unique and item.url:
                target = by_url.get(item.url) or seen_url.get(item.url)
            if target is None and substantial:
                target = by_content.get(content_key) or seen_content.get(content_key)
            if target is not None and target != item.id:
                item = replace(item, id=target)
        if unique and item.url:
            seen_url.setdefault(item.url, item.id)
        if substantial:
            seen_content.setdefault(content_key, item.id)
        out.append(item)
    return out
