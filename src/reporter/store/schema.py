"""The database tables (SQLAlchemy Core). Changes here need an Alembic migration in migrations/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store UTC; SQLite keeps no offset, so store it naive."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Give back aware UTC whatever the backend returned."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

items = Table(
    "items",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("source", String(200), nullable=False),  # the first source that brought it
    Column("kind", String(10), nullable=False),
    Column("published", UTCDateTime(), nullable=False),
    Column("date_source", String(20), nullable=False),
    Column("date_precision", String(10), nullable=False),
    Column("outlet", String(300), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("author", String(300)),
    Column("language", String(16), nullable=False, default="en"),
    Column("path", Text),
    Column("fetched_at", UTCDateTime()),
    Column("content_hash", String(64), nullable=False),
    Column("subject_focused", Boolean, nullable=False, default=False),
    Column("stored_at", UTCDateTime(), nullable=False),
    Column("full_length", Integer),  # the text's length before the cut to max_entry_chars; NULL: whole
    Column("header", Text),  # JSON: what sniff read in a seed's first lines at ingest; NULL: not read
    Index("ix_items_published", "published"),
    Index("ix_items_content_hash", "content_hash"),
)

# Every source an item came from (the same story in two feeds is one item with two rows here).
item_sources = Table(
    "item_sources",
    metadata,
    Column("item_id", String(64), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("guid", Text),
    Column("first_seen", UTCDateTime(), nullable=False),
    Index("ix_item_sources_source", "source"),
)

# Each item's report-independent analysis, made once (see nlp/record.py): a versioned, compressed
# serialisation, so fields added to the record need no schema change. A row whose version or content
# hash no longer matches is stale and is made again when next needed.
analyses = Table(
    "analyses",
    metadata,
    Column("item_id", String(64), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("content_hash", String(64), nullable=False),  # the item's text it was made from
    Column("version", String(200), nullable=False),  # the analyzer: model, gazetteer, code
    Column("analyzed_at", UTCDateTime(), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_analyses_version", "version"),
)

# What story-finding made for the tellings a build cut from items (WordLlama vectors, near-copy MinHash
# signatures), keyed by the text and the library that made it (nlp/storyvectors.key), so a rebuild reads
# them instead of loading the model and hashing again.
story_vectors = Table(
    "story_vectors",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("made_at", UTCDateTime(), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Per-feed state, as rss2email keeps it: conditional-GET validators and health.
feed_state = Table(
    "feed_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch", UTCDateTime()),
    Column("last_success", UTCDateTime()),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("entries_seen", Integer, nullable=False, default=0),
    Column("gone", Boolean, nullable=False, default=False),
    Column("moved_to", Text),
)

# One row per (report, period): claiming it is what makes a build happen once.
builds = Table(
    "builds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report", String(100), nullable=False),
    Column("period", String(7), nullable=False),
    Column("status", String(12), nullable=False),  # running | done | failed
    Column("attempt", Integer, nullable=False, default=1),
    Column("owner", String(200)),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("error", Text),
    Column("files", Text),  # JSON: format → path
    Column("paragraphs", Integer),
    UniqueConstraint("report", "period", name="uq_builds_report_period"),
)

# History of everything that ran, for `reporter runs`.
runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),  # ingest | build | send
    Column("report", String(100)),
    Column("period", String(7)),
    Column("status", String(12), nullable=False),  # running | ok | failed | skipped
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("detail", Text),  # JSON
    Column("error", Text),
    Index("ix_runs_started_at", "started_at"),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(300)),
    Column("created_at", UTCDateTime(), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("report", String(100), primary_key=True),
    Column("format", String(8), nullable=False, default="pdf"),  # pdf | html | both
    Column("created_at", UTCDateTime(), nullable=False),
    Column("unsubscribed_at", UTCDateTime()),
    # Where consent came from: confirmed (double opt-in) | import | operator | cli; NULL: not recorded.
    Column("consent_source", String(20)),
    Column("consent_at", UTCDateTime()),
    Column("consent_note", Text),  # e.g. the imported file's name
)

# The outbox: one row per (build, subscriber), so nobody gets the same report twice.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("build_id", Integer, ForeignKey("builds.id", ondelete="CASCADE"), nullable=False),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(12), nullable=False),  # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("message_id", String(300)),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
    Column("sent_at", UTCDateTime()),
    Column("next_attempt_at", UTCDateTime()),
    Column("backoff", Float),
    UniqueConstraint("build_id", "subscriber_id", name="uq_deliveries_build_subscriber"),
)
