"""Scratch databases for the tests: a SQLite file in tmp_path, or a fresh database on a PostgreSQL server.

scripts/test starts a throwaway PostgreSQL server and names it in REPORTER_TEST_POSTGRES_URL (any
database on the server; the tests create and drop their own next to it). Each test gets a new
database copied from a template that was migrated once per session, so a test costs one
`CREATE DATABASE`, not a run of every migration.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

SERVER_ENV = "REPORTER_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
NO_SERVER = (
    f"PostgreSQL tests skipped: no server ({SERVER_ENV} is not set). scripts/test starts one when "
    "Debian's postgresql package is installed (apt-get install postgresql); or point "
    f"{SERVER_ENV} at a server where this user may create databases."
)


def require_server() -> str:
    """The server URL; skips the test without one, and fails it on CI, which must test PostgreSQL."""
    url = os.environ.get(SERVER_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the PostgreSQL tests, but {SERVER_ENV} is not set (scripts/test sets it)")
    pytest.skip(NO_SERVER)


@dataclass
class PostgresServer:
    """Creates and drops scratch databases on one server, each a copy of a migrated template."""

    url: URL
    template: str | None = None
    created: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, url: str) -> PostgresServer:
        """The server named by a SQLAlchemy URL (its database is only used to connect)."""
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return cls(parsed)

    def url_of(self, database: str) -> str:
        """The URL of one database on this server."""
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.url_of(self.url.database or "postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def _make_template(self) -> str:
        from reporter.store import Store

        name = f"reporter_tpl_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        Store.open(self.url_of(name)).close()  # every migration, once per session
        self.template = name
        return name

    def create(self) -> str:
        """A new, migrated, empty database; returns its URL."""
        template = self.template or self._make_template()
        name = f"reporter_t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.url_of(name)

    def drop(self, url: str) -> None:
        """Drop a database made by `create`, closing whatever connections tests left open on it."""
        name = make_url(url).database
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        """Drop the template and anything left over."""
        for name in [*self.created, *([self.template] if self.template else [])]:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        self.template = None
