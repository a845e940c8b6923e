"""The store: the only user of SQLAlchemy. Repositories take and return dataclasses, never rows."""

from __future__ import annotations

from sqlalchemy import Engine

from reporter.store.analyses import AnalysisRepo
from reporter.store.builds import BuildRepo
from reporter.store.db import connect, migrate
from reporter.store.deliveries import DeliveryRepo
from reporter.store.feeds import FeedState, FeedStateRepo
from reporter.store.items import AddResult, ItemRepo
from reporter.store.runs import Run, RunRecord, RunRepo
from reporter.store.subscribers import SubscriberRepo
from reporter.store.vectors import StoryVectorRepo

__all__ = ["AddResult", "FeedState", "Run", "RunRecord", "Store"]


class Store:
    """One database: migrated on open, with a repository per kind of record."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.items = ItemRepo(engine)
        self.analyses = AnalysisRepo(engine)
        self.feeds = FeedStateRepo(engine)
        self.runs = RunRepo(engine)
        self.builds = BuildRepo(engine)
        self.subscribers = SubscriberRepo(engine)
        self.deliveries = DeliveryRepo(engine)
        self.vectors = StoryVectorRepo(engine)

    @classmethod
    def open(cls, database_url: str) -> Store:
        """Connect and apply any pending migrations."""
        engine = connect(database_url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
