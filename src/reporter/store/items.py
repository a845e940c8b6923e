"""Items and the sources they came from: stored once, never lost, never duplicated."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, Row, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from reporter.models import DocMeta, Item, known_outlet
from reporter.store.schema import item_sources, items

_ITEM_FIELDS = [
    "id", "source", "kind", "published", "date_source", "date_precision", "outlet", "title", "text",
    "url", "author", "language", "path", "fetched_at", "content_hash", "subject_focused", "full_length",
    "header",
]  # fmt: skip
_CHUNK = 500  # ids per IN (...) query: well under SQLite's limit on bound parameters


@dataclass(frozen=True, slots=True)
class AddResult:
    """How many of the items offered were new, and how many the store already had."""

    new: int
    seen: int
    updated: int = 0


def _to_item(row: Row) -> Item:
    item = {name: getattr(row, name) for name in _ITEM_FIELDS}
    # The column holds "" for an unknown outlet; stores written before held "Unknown outlet".
    return Item(**item | {"outlet": known_outlet(row.outlet), "header": _header(row.header)})


def _row(item: Item) -> dict[str, object]:
    header = item.header and json.dumps(
        asdict(item.header) | {"date": item.header.date and item.header.date.isoformat()}
    )
    return {name: getattr(item, name) for name in _ITEM_FIELDS} | {
        "outlet": item.outlet or "",
        "header": header,
    }


def _header(stored: str | None) -> DocMeta | None:
    """The DocMeta a row's `header` column holds as JSON; None for NULL (feed items, older stores)."""
    if stored is None:
        return None
    data = json.loads(stored)
    day = data["date"] and date.fromisoformat(data["date"])
    return DocMeta(**data | {"date": day, "authors": tuple(data["authors"])})


class ItemRepo:
    """Stores items; an item already stored is linked to its new source, not stored again."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def add(
        self, new_items: Iterable[Item], *, source: str, guids: dict[str, str] | None = None
    ) -> AddResult:
        """Store the items not yet stored and record `source` for each; returns the counts."""
        batch = list({i.id: i for i in new_items}.values())
        if not batch:
            return AddResult(0, 0)
        for attempt in range(3):
            try:
                return self._add(batch, source=source, guids=guids or {})
            except IntegrityError:
                # Another process (a second worker, `reporter ingest`) stored some of these items
                # between our read and our insert: read again, and the rows it stored are "seen".
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _add(self, batch: list[Item], *, source: str, guids: dict[str, str]) -> AddResult:
        now = datetime.now(UTC)
        new = seen = updated = 0
        with self._engine.begin() as conn:
            existing = {
                row.id: row.content_hash
                for row in conn.execute(
                    select(items.c.id, items.c.content_hash).where(items.c.id.in_([i.id for i in batch]))
                )
            }
            linked = {
                row.item_id
                for row in conn.execute(
                    select(item_sources.c.item_id).where(
                        and_(item_sources.c.source == source, item_sources.c.item_id.in_(existing))
                    )
                )
            }
            fresh = [i for i in batch if i.id not in existing]
            if fresh:
                conn.execute(
                    insert(items),
                    [_row(i) | {"stored_at": now} for i in fresh],
                )
            for item in batch:
                if item.id in existing and existing[item.id] != item.content_hash and item.kind == "seed":
                    # A seed file edited in place: keep one item, with the new text.
                    conn.execute(
                        update(items)
                        .where(items.c.id == item.id)
                        .values(**{k: v for k, v in _row(item).items() if k != "id"})
                    )
                    updated += 1
            links = [
                {"item_id": i.id, "source": source, "guid": guids.get(i.id), "first_seen": now}
                for i in batch
                if i.id not in linked
            ]
            if links:
                conn.execute(insert(item_sources), links)
            new = len(fresh)
            seen = len(batch) - new
        return AddResult(new=new, seen=seen, updated=updated)

    def cut(self) -> list[Item]:
        """The stored items whose text was cut to settings.max_entry_chars, newest first."""
        query = select(items).where(items.c.full_length.is_not(None)).order_by(items.c.published.desc())
        with self._engine.connect() as conn:
            return [_to_item(row) for row in conn.execute(query)]

    def get(self, item_id: str) -> Item | None:
        """One item by id."""
        with self._engine.connect() as conn:
            row = conn.execute(select(items).where(items.c.id == item_id)).first()
        return _to_item(row) if row else None

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids are already stored."""
        if not ids:
            return set()
        with self._engine.connect() as conn:
            return set(conn.scalars(select(items.c.id).where(items.c.id.in_(list(ids)))))

    def ids_by_url(self, urls: Iterable[str]) -> dict[str, str]:
        """For each URL that exactly one stored item has, that item's id (a shared URL identifies nothing)."""
        wanted = sorted({u for u in urls if u})
        if not wanted:
            return {}
        found: dict[str, list[str]] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(items.c.url, items.c.id).where(items.c.url.in_(wanted[start : start + _CHUNK]))
                for row in conn.execute(query):
                    found.setdefault(row.url, []).append(row.id)
        return {url: ids[0] for url, ids in found.items() if len(ids) == 1}

    def ids_by_content(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """For each (content hash, title) pair, the id of a stored item with that text and title."""
        wanted = {(h, t.casefold()) for h, t in pairs if h}
        if not wanted:
            return {}
        hashes = sorted({h for h, _ in wanted})
        found: dict[tuple[str, str], str] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(hashes), _CHUNK):
                query = select(items.c.content_hash, items.c.title, items.c.id).where(
                    items.c.content_hash.in_(hashes[start : start + _CHUNK])
                )
                for row in conn.execute(query.order_by(items.c.stored_at, items.c.id)):
                    key = (row.content_hash, row.title.casefold())
                    if key in wanted:
                        found.setdefault(key, row.id)
        return found

    def for_sources(
        self, sources: Iterable[str], *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Item]:
        """Items that came from any of these sources, optionally within [since, until), oldest first."""
        linked = select(item_sources.c.item_id).where(item_sources.c.source.in_(list(sources)))
        query = select(items).where(items.c.id.in_(linked))
        if since is not None:
            query = query.where(items.c.published >= since)
        if until is not None:
            query = query.where(items.c.published < until)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(items.c.published, items.c.id)).all()
        return [_to_item(r) for r in rows]

    def sources_of(self, item_id: str) -> list[str]:
        """Every source an item came from."""
        with self._engine.connect() as conn:
            return list(
                conn.scalars(
                    select(item_sources.c.source)
                    .where(item_sources.c.item_id == item_id)
                    .order_by(item_sources.c.first_seen)
                )
            )

    def count(self) -> int:
        """How many items are stored."""
        from sqlalchemy import func

        with self._engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(items)) or 0
