"""Story vectors and near-copy signatures of tellings: made by one build, read by the next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from reporter.store.schema import story_vectors

_CHUNK = 500  # keys per IN (...) query: well under SQLite's limit on bound parameters


class StoryVectorRepo:
    """Vector bytes by key (the text and the embedding model they were made from)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of these keys (keys never stored are absent)."""
        found: dict[str, bytes] = {}
        wanted = list(dict.fromkeys(keys))
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(story_vectors.c.key, story_vectors.c.data).where(
                    story_vectors.c.key.in_(wanted[start : start + _CHUNK])
                )
                found.update((row.key, bytes(row.data)) for row in conn.execute(query))
        return found

    def save(self, vectors: Mapping[str, bytes]) -> int:
        """Keep these vectors; a key already stored keeps its row (the same text gives the same vector)."""
        if not vectors:
            return 0
        now = datetime.now(UTC)
        rows = [{"key": k, "made_at": now, "data": v} for k, v in vectors.items()]
        with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            conn.execute(dialect.insert(story_vectors).on_conflict_do_nothing(), rows)
        return len(rows)
