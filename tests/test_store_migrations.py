"""Upgrading an existing store: every migration keeps every item, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, Table, inspect, select

from reporter.models import DocMeta, Item
from reporter.store import Store
from reporter.store.db import MIGRATIONS, connect, newest_revision
from tests.test_store import an_item


def migrate_to(engine: Engine, revision: str) -> None:
    """Move a store to one revision, up or down, as an older release would have left it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        current = connection.exec_driver_sql("select version_num from alembic_version").scalar()
        if current is not None and current > revision:
            command.downgrade(cfg, revision)
        else:
            command.upgrade(cfg, revision)


def store_as_an_older_release(engine: Engine, items: Iterable[Item], *, source: str) -> None:
    """Insert items with only the columns the table has now, as the release that made it would."""
    metadata = MetaData()
    table = Table("items", metadata, autoload_with=engine)
    sources = Table("item_sources", metadata, autoload_with=engine)
    stored = list(items)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {c.name: getattr(i, c.name) for c in table.columns if c.name != "stored_at"}
                | {"stored_at": i.fetched_at or i.published}
                for i in stored
            ],
        )
        conn.execute(
            sources.insert(),
            [{"item_id": i.id, "source": source, "guid": None, "first_seen": i.published} for i in stored],
        )


def a_store_upgraded_from(database_url: str, revision: str, items: list[Item], *, column: str) -> Store:
    """A store an older release (`revision`, without `column`) left holding `items`, opened: upgraded."""
    Store.open(database_url).close()  # the newest schema, then back to the release before
    engine = connect(database_url)
    migrate_to(engine, revision)
    assert column not in {c["name"] for c in inspect(engine).get_columns("items")}
    store_as_an_older_release(engine, items, source="diplomat")
    engine.dispose()
    store = Store.open(database_url)  # upgrades to the head
    assert column in {c["name"] for c in inspect(store.engine).get_columns("items")}
    return store


def test_a_store_from_before_the_cut_was_recorded_is_upgraded_keeping_every_item(database_url: str) -> None:
    old = [an_item(n) for n in range(1, 6)]
    store = a_store_upgraded_from(database_url, "0003", old, column="full_length")
    try:
        assert store.items.count() == 5
        assert [store.items.get(i.id) for i in old] == old  # whole, as before: full_length None
        assert store.items.sources_of("item-3") == ["diplomat"]
        cut = an_item(9, text="Japan and Korea met. …", full_length=1_079_999)
        store.items.add([cut], source="diplomat")
        assert store.items.get("item-9") == cut
        with store.engine.connect() as conn:
            version = conn.execute(select(Table("alembic_version", MetaData(), autoload_with=conn))).scalar()
        assert version == "0006"
    finally:
        store.close()


def test_the_cut_column_can_be_taken_away_again_keeping_the_items(database_url: str) -> None:
    store = Store.open(database_url)
    store.items.add([an_item(1), replace(an_item(2), full_length=300_000)], source="diplomat")
    store.close()
    engine = connect(database_url)
    migrate_to(engine, "0003")
    with engine.connect() as conn:
        ids = conn.exec_driver_sql("select id from items order by id").scalars().all()
    engine.dispose()
    assert ids == ["item-1", "item-2"]


def test_a_store_from_before_headers_were_kept_is_upgraded_and_downgraded_keeping_every_item(
    database_url: str,
) -> None:
    old = [an_item(n) for n in range(1, 6)]
    store = a_store_upgraded_from(database_url, "0004", old, column="header")
    try:
        assert [store.items.get(i.id) for i in old] == old  # no header: analysis reads their first lines
        header = DocMeta(
            date=date(2025, 11, 10), date_precision="day", date_line="November 10, 2025",
            outlet="Geopolitical Monitor", authors=("Jonathan Bak",), body_start=52,
        )  # fmt: skip
        seed = an_item(9, kind="seed", header=header)
        store.items.add([seed], source="seeds")
        assert store.items.get("item-9") == seed  # the header, as ingest found it, back for analysis
    finally:
        store.close()
    engine = connect(database_url)
    migrate_to(engine, "0004")  # and back again, keeping the items
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from items").scalar() == 6
    engine.dispose()


def test_the_newest_revision_by_number_is_alembics_head() -> None:
    """An up-to-date store opens without Alembic, which is right only while the chain is numbered."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [newest_revision()]
