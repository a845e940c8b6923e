"""PostgreSQL session locks: one scheduler per database, and one process at a time applying a schema.

An advisory lock belongs to a database session: it is held while its connection lives and is
released by PostgreSQL itself when the holder dies, however it dies (SIGKILL included), so a
standby scheduler takes over without anyone clearing a stale row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock, from its name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class SessionLock:
    """An advisory lock held on a connection of its own until `release()` (or the process dies)."""

    def __init__(self, engine: Engine, name: str):
        if engine.dialect.name != "postgresql":
            raise ValueError("session locks need PostgreSQL")
        self._engine = engine
        self.name = name
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._conn is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process holds it now."""
        if self._conn is not None:
            return True
        conn = self._engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(self.name)}).scalar()
        conn.commit()  # the lock is the session's, not the transaction's: keep the connection, end the txn
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Let the lock go (closing the connection ends the session, and with it the lock)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(self.name)})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None


def apply_schema_once(engine: Engine, *, table: str, schema_sql: Callable[[], str]) -> bool:
    """Run `schema_sql()` unless `table` exists, one process at a time; True if it was applied.

    For the task queue's own tables (procrastinate ships them as one SQL file): several workers
    starting together must not all try to create them.
    """
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(f"schema:{table}"),))
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        if cur.fetchone()[0]:
            raw.commit()
            return False
        cur.execute(schema_sql())  # no parameters: several statements in one go
        raw.commit()
        log.warning("created the task queue's tables (%s and the rest)", table)
        return True
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
