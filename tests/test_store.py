"""The store: migrated on open, items stored once, a re-run changes nothing that is already right."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect

from reporter.models import Item
from reporter.store import Store
from reporter.store.db import MIGRATIONS

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


def an_item(n: int = 1, **changes: object) -> Item:
    item = Item(
        id=f"item-{n}",
        source="diplomat",
        kind="feed",
        published=datetime(2025, 11, n, 8, 30, tzinfo=UTC),
        date_source="published",
        date_precision="day",
        outlet="The Diplomat",
        title=f"Story {n}",
        text=f"Japan and South Korea met on day {n}.",
        url=f"https://thediplomat.com/{n}",
        content_hash=f"hash-{n}",
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def test_opening_an_empty_database_creates_every_table(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'new' / 'reporter.db'}")
    tables = set(inspect(store.engine).get_table_names())
    assert {"items", "item_sources", "feed_state", "builds", "runs", "subscribers", "deliveries"} <= tables
    assert "alembic_version" in tables


def test_opening_an_existing_database_keeps_its_data_and_is_a_no_op_when_current(database_url: str) -> None:
    url = database_url
    Store.open(url).items.add([an_item(1)], source="diplomat")
    store = Store.open(url)  # migrations run again: nothing to do, nothing lost
    assert store.items.count() == 1
    assert store.items.get("item-1") == an_item(1)


def test_a_database_at_the_first_migration_is_upgraded_without_losing_items(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store.open(url)
    store.items.add([an_item(1)], source="diplomat")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")  # as if made by the first release
    with sqlite3.connect(tmp_path / "old.db") as raw:
        assert raw.execute("select version_num from alembic_version").fetchone() == ("0001",)
    reopened = Store.open(url)
    assert reopened.items.get("item-1") is not None


def test_an_item_seen_again_is_not_stored_twice_but_remembers_every_source(database_url: str) -> None:
    store = Store.open(database_url)
    first = store.items.add([an_item(1), an_item(2)], source="diplomat")
    again = store.items.add([an_item(1), an_item(2)], source="diplomat")
    elsewhere = store.items.add([an_item(2)], source="kyodo")
    assert (first.new, first.seen) == (2, 0)
    assert (again.new, again.seen) == (0, 2)
    assert (elsewhere.new, elsewhere.seen) == (0, 1)
    assert store.items.count() == 2
    assert store.items.sources_of("item-2") == ["diplomat", "kyodo"]
    assert [i.id for i in store.items.for_sources(["kyodo"])] == ["item-2"]


def test_items_come_back_timezone_aware_and_can_be_selected_by_date(database_url: str) -> None:
    store = Store.open(database_url)
    store.items.add([an_item(n) for n in (1, 10, 20)], source="diplomat")
    picked = store.items.for_sources(
        ["diplomat"], since=datetime(2025, 11, 5, tzinfo=UTC), until=datetime(2025, 11, 20, tzinfo=UTC)
    )
    assert [i.id for i in picked] == ["item-10"]
    assert picked[0].published.tzinfo is not None


def test_a_seed_edited_in_place_stays_one_item_with_the_new_text(database_url: str) -> None:
    store = Store.open(database_url)
    seed = an_item(1, kind="seed", source="seeds")
    store.items.add([seed], source="seeds")
    result = store.items.add([replace(seed, text="Corrected text.", content_hash="hash-new")], source="seeds")
    assert (result.new, result.updated) == (0, 1)
    assert store.items.get("item-1").text == "Corrected text."  # type: ignore[union-attr]


def test_runs_are_recorded_with_their_outcome(database_url: str) -> None:
    store = Store.open(database_url)
    run_id = store.runs.start("build", report="japan", period="2025-11")
    store.runs.finish(run_id, "ok", detail={"paragraphs": 12})
    (run,) = store.runs.recent()
    assert (run.kind, run.report, run.period, run.status, run.detail) == (
        "build", "japan", "2025-11", "ok", {"paragraphs": 12}
    )  # fmt: skip
    assert run.duration is not None and run.duration >= 0
