"""Open the database and bring its schema up to date with Alembic."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from reporter.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic keeps its running context in module globals, so two threads migrating at once collide;
# the lock is as process-wide as those globals are.
_MIGRATE_LOCK = threading.Lock()


def connect(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets its folder, WAL, foreign keys and a busy timeout."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise StoreError(
            f"bad database URL {database_url!r}: {exc}",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db "
            "in REPORTER_DATABASE_URL",
        ) from None
    backend = url.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise StoreError(
            f"the database URL names {backend!r}, which reporter does not support",
            hint="use sqlite:///path/to/file.db, or postgresql+psycopg://user@host/db (after "
            "`pip install -e '.[postgres]'`), in REPORTER_DATABASE_URL or settings.database_url",
        )
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            # In memory, every item, build and delivery is forgotten when the command ends, and the
            # scheduler would build and send the same report again: never what an operator means.
            raise StoreError(
                f"the database URL {database_url!r} names no file, so nothing would be kept",
                hint="name the file: sqlite:///path/to/reporter.db (is a variable in the URL empty?), "
                "or leave REPORTER_DATABASE_URL unset for data_dir/reporter.db",
            )
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError as exc:  # the driver named in the URL is not installed
        raise StoreError(
            f"the database driver for {url.drivername!r} is not installed ({exc.name or exc})",
            hint="pip install -e '.[postgres]' (psycopg), and use postgresql+psycopg://user@host/db",
        ) from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the scheduler read while a build writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def newest_revision() -> str:
    """The newest migration's revision: the chain is numbered 0001, 0002, ... (docs/development.md)."""
    return max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def _at_newest(engine: Engine) -> bool:
    """Whether the database already has every migration (then Alembic need not even be imported)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:  # no such table yet, or no database: Alembic will say what is wrong
        return False
    return [r[0] for r in rows] == [newest_revision()]


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (a no-op on an up-to-date database)."""
    if _at_newest(engine):
        return  # importing Alembic and reading its scripts costs about 0.2 s of every command
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with _MIGRATE_LOCK, engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"cannot open or migrate the database {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}",
            hint="check REPORTER_DATABASE_URL / settings.data_dir, and that the folder is writable",
        ) from None
