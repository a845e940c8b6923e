"""Per-feed state: conditional-GET validators and health, kept across runs."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from reporter.store.schema import feed_state


@dataclass(frozen=True, slots=True)
class FeedState:
    """What we remember about one feed between fetches."""

    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    entries_seen: int = 0
    gone: bool = False
    moved_to: str | None = None

    def evolve(self, **changes: object) -> FeedState:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


_FIELDS = [f.name for f in fields(FeedState)]


class FeedStateRepo:
    """Reads and saves feed state."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def get(self, name: str, url: str) -> FeedState:
        """The saved state of a feed, or a fresh one; a changed URL resets the validators."""
        with self._engine.connect() as conn:
            row = conn.execute(select(feed_state).where(feed_state.c.name == name)).first()
        if row is None:
            return FeedState(name=name, url=url)
        state = FeedState(**{f: getattr(row, f) for f in _FIELDS})
        if state.url != url:
            return state.evolve(url=url, etag=None, last_modified=None, gone=False, moved_to=None)
        return state

    def save(self, state: FeedState) -> None:
        """Save a feed's state (insert or update)."""
        values = {f: getattr(state, f) for f in _FIELDS}
        with self._engine.begin() as conn:
            done = conn.execute(update(feed_state).where(feed_state.c.name == state.name).values(**values))
            if done.rowcount == 0:
                conn.execute(insert(feed_state).values(**values))

    def all(self) -> list[FeedState]:
        """Every feed's state, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(feed_state).order_by(feed_state.c.name)).all()
        return [FeedState(**{f: getattr(r, f) for f in _FIELDS}) for r in rows]
