"""Each item's analysis, stored once and read by every build (see nlp/record.py for what it holds).

A stored analysis counts only for the analyzer version that made it and the text it was made from:
`load` ignores rows of another version or of an item whose text changed since, and `stale` lists the
items that need analysing (again).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from reporter.models import Item
from reporter.nlp.record import ItemAnalysis, decode, encode
from reporter.store.items import _to_item
from reporter.store.schema import analyses, item_sources, items

_CHUNK = 500  # ids per IN (...) query: well under SQLite's limit on bound parameters
# Decoded records kept per process: about 3.6 KiB each, so this bounds the cache near 90 MiB; a month's
# window of a large store (four months of 5,000 items) fits.
CACHE_RECORDS = 25_000


class AnalysisRepo:
    """Stores and loads `ItemAnalysis` records, keyed by item, valid for one analyzer version.

    Records read are kept decoded (the most recent `cache_size`), so the next build in this process over
    the same items (another report, the next cycle) does not decode them again. A kept record is used only
    for the same version and text, for which any stored record is the same.
    """

    def __init__(self, engine: Engine, cache_size: int = CACHE_RECORDS):
        self._engine = engine
        self._cache: OrderedDict[str, tuple[str, str, ItemAnalysis]] = OrderedDict()
        self._cache_size = cache_size

    def load(self, wanted: Sequence[Item], version: str) -> dict[str, ItemAnalysis]:
        """The current analyses of these items (same version, same text), by item id."""
        hashes = {i.id: i.content_hash for i in wanted}
        found: dict[str, ItemAnalysis] = {}
        for item_id, content_hash in hashes.items():
            kept = self._cache.get(item_id)
            if kept is not None and kept[0] == version and kept[1] == content_hash:
                found[item_id] = kept[2]
                self._cache.move_to_end(item_id)
        ids = [i for i in hashes if i not in found]
        with self._engine.connect() as conn:
            for start in range(0, len(ids), _CHUNK):
                query = select(analyses.c.item_id, analyses.c.content_hash, analyses.c.data).where(
                    analyses.c.item_id.in_(ids[start : start + _CHUNK]), analyses.c.version == version
                )
                for row in conn.execute(query):
                    if row.content_hash == hashes[row.item_id]:
                        record = decode(row.data)
                        found[row.item_id] = self._keep(row.item_id, version, row.content_hash, record)
        return found

    def _keep(self, item_id: str, version: str, content_hash: str, record: ItemAnalysis) -> ItemAnalysis:
        if self._cache_size > 0:
            self._cache[item_id] = (version, content_hash, record)
            self._cache.move_to_end(item_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return record

    def save(self, done: Iterable[tuple[Item, ItemAnalysis]]) -> int:
        """Store (or replace) the analyses of these items; returns how many were written."""
        return self.save_encoded((item, record.version, encode(record)) for item, record in done)

    def save_encoded(self, done: Iterable[tuple[Item, str, bytes]]) -> int:
        """Store (or replace) analyses already encoded (by worker processes): (item, version, data)."""
        now = datetime.now(UTC)
        rows = [
            {
                "item_id": item.id,
                "content_hash": item.content_hash,
                "version": version,
                "analyzed_at": now,
                "data": data,
            }
            for item, version, data in done
        ]
        if not rows:
            return 0
        with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(analyses)
            # Two processes may analyse the same item at once: the later write wins, both are equal.
            statement = statement.on_conflict_do_update(
                index_elements=[analyses.c.item_id],
                set_={c: statement.excluded[c] for c in ("content_hash", "version", "analyzed_at", "data")},
            )
            conn.execute(statement, rows)
        return len(rows)

    def stale(
        self,
        version: str | None,
        *,
        sources: Iterable[str] | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Item]:
        """Items with no analysis of this version for their current text (None: all), oldest first."""
        query = select(items)
        if version is not None:
            query = query.outerjoin(analyses, analyses.c.item_id == items.c.id).where(
                or_(
                    analyses.c.item_id.is_(None),
                    analyses.c.version != version,
                    analyses.c.content_hash != items.c.content_hash,
                )
            )
        if sources is not None:
            linked = select(item_sources.c.item_id).where(item_sources.c.source.in_(list(sources)))
            query = query.where(items.c.id.in_(linked))
        if since is not None:
            query = query.where(items.c.published >= since)
        query = query.order_by(items.c.published, items.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_to_item(r) for r in conn.execute(query)]

    def count(self, version: str | None = None) -> int:
        """How many analyses are stored (of one version, if given)."""
        query = select(func.count()).select_from(analyses)
        if version is not None:
            query = query.join(items, items.c.id == analyses.c.item_id).where(
                and_(analyses.c.version == version, analyses.c.content_hash == items.c.content_hash)
            )
        with self._engine.connect() as conn:
            return conn.scalar(query) or 0

    def versions(self) -> dict[str, int]:
        """How many stored analyses each analyzer version made."""
        query = select(analyses.c.version, func.count()).group_by(analyses.c.version)
        with self._engine.connect() as conn:
            return {row[0]: row[1] for row in conn.execute(query)}

    def forget(self, version: str | None = None) -> int:
        """Drop stored analyses (all, or those not of `version`); returns how many."""
        statement = delete(analyses)
        if version is not None:
            statement = statement.where(analyses.c.version != version)
        self._cache.clear()
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount or 0
