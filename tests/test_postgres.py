"""The store on PostgreSQL: the same migrations, items, claims and outbox as on SQLite.

Runs when REPORTER_TEST_POSTGRES_URL names an empty scratch database, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/reporter_test (install the `postgres` extra).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from reporter.store import Store
from tests.test_store import an_item

URL = os.environ.get("REPORTER_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set REPORTER_TEST_POSTGRES_URL to test on PostgreSQL")


@pytest.fixture
def store() -> Store:
    """A freshly migrated PostgreSQL store, emptied before each test."""
    assert URL
    opened = Store.open(URL)
    with opened.engine.begin() as conn:
        tables = "items, item_sources, feed_state, runs, deliveries, builds, subscriptions, subscribers"
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return opened


def test_items_are_stored_once_with_every_source_and_come_back_aware(store: Store) -> None:
    assert store.items.add([an_item(1), an_item(2)], source="diplomat").new == 2
    again = store.items.add([an_item(2)], source="kyodo")
    assert (again.new, again.seen) == (0, 1)
    assert store.items.sources_of("item-2") == ["diplomat", "kyodo"]
    assert store.items.get("item-1") == an_item(1)
    assert store.items.get("item-1").published.tzinfo is not None  # type: ignore[union-attr]


def test_a_build_is_claimed_once(store: Store) -> None:
    first = store.builds.claim("japan", "2025-11", "host:1")
    assert first is not None
    assert store.builds.claim("japan", "2025-11", "host:2") is None


def test_migrating_again_changes_nothing(store: Store) -> None:
    store.items.add([an_item(3)], source="diplomat")
    assert URL
    assert Store.open(URL).items.count() == 1
    run_id = store.runs.start("ingest")
    store.runs.finish(run_id, "ok")
    assert store.runs.recent()[0].finished_at <= datetime.now(UTC)  # type: ignore[operator]
