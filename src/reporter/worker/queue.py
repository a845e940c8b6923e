"""The task queue: procrastinate on the store's PostgreSQL database, and enqueueing onto it.

With `tasks.queue: procrastinate` the scheduler calls `enqueue_build` and `enqueue_ingest` instead
of running the pipeline itself, and `reporter worker` processes run the tasks. Uniqueness is kept
twice over: procrastinate's queueing locks keep one waiting task per key, and its locks one running
task per key; underneath, the store's build claims and outbox rows keep one build per (report,
period) and one message per (build, subscriber) whatever the queue does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from reporter.errors import ReporterError

if TYPE_CHECKING:
    import procrastinate

    from reporter.config import Config
    from reporter.models import Period, ReportSpec
    from reporter.store import Store

log = logging.getLogger(__name__)

NAMESPACE = "reporter"
JOBS_TABLE = "procrastinate_jobs"
INSTALL_HINT = "install the postgres extra: pip install -e '.[postgres]'"


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (what procrastinate's pool takes)."""
    from psycopg.conninfo import make_conninfo

    url = make_url(database_url)
    parts: dict[str, Any] = {
        "user": url.username,
        "password": url.password,
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
    }
    parts.update(url.query)  # e.g. ?host=/run/postgresql for a Unix socket
    return make_conninfo(**{k: v for k, v in parts.items() if v not in (None, "")})


def require_queue(config: Config) -> None:
    """A ReporterError unless the configuration can run the task queue (PostgreSQL, procrastinate)."""
    if not config.settings.database_url.startswith("postgresql"):
        raise ReporterError(
            "tasks.queue: procrastinate needs the store on PostgreSQL",
            hint="set settings.database_url (or REPORTER_DATABASE_URL) to postgresql+psycopg://..., "
            "or use tasks.queue: inline",
        )
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        raise ReporterError("procrastinate is not installed", hint=INSTALL_HINT) from None


def make_app(config: Config, *, pool_size: int = 4) -> procrastinate.App:
    """A procrastinate App on the store's database with the reporter's tasks and periodic sweep."""
    require_queue(config)
    import procrastinate

    from reporter.worker.tasks import register

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(config.settings.database_url), min_size=1, max_size=pool_size
        )
    )
    register(app, NAMESPACE)
    sweep = app.tasks[f"{NAMESPACE}:retry_stalled"]
    # croniter reads a sixth field as seconds: the sweep runs every few seconds, not minutes.
    app.periodic(cron=f"* * * * * */{config.tasks.sweep_seconds}", periodic_id="sweep")(sweep)
    return app


def ensure_schema(store: Store) -> bool:
    """Create procrastinate's tables in the store's database if they are missing; True if created."""
    from procrastinate.schema import SchemaManager

    from reporter.store.locks import apply_schema_once

    return apply_schema_once(store.engine, table=JOBS_TABLE, schema_sql=SchemaManager.get_schema)


def _defer(app: procrastinate.App, name: str, *, key: str, lock: str | None = None, **kwargs: Any) -> bool:
    """Queue one task unless one with the same key is already waiting; True if queued."""
    from procrastinate.exceptions import AlreadyEnqueued

    task = app.tasks[f"{NAMESPACE}:{name}"]
    try:
        task.configure(queueing_lock=key, lock=lock or key).defer(**kwargs)
    except AlreadyEnqueued:
        log.info("%s is already queued", key)
        return False
    return True


def build_key(report: str, period: str) -> str:
    """The queueing key and lock of one report period's build."""
    return f"build:{report}:{period}"


def enqueue_build(
    app: procrastinate.App,
    spec: ReportSpec,
    period: Period,
    *,
    formats: Sequence[str] | None = None,
    force: bool = False,
) -> bool:
    """Queue the ingest, build and send of one report period (once, however often it is asked)."""
    key = build_key(spec.slug, period.key)
    return _defer(
        app, "build_report", key=key, report=spec.slug, period=period.key, formats=list(formats or ()),
        force=force,
    )  # fmt: skip


def enqueue_ingest(app: procrastinate.App, config: Config, spec: ReportSpec) -> int:
    """Queue a fetch of each enabled feed of a report (and its seeds); returns how many were queued."""
    queued = 0
    if spec.seeds:
        queued += _defer(app, "ingest_seeds", key="ingest:seeds")
    for feed in config.feeds:
        if feed.enabled and feed.name in spec.feeds:
            queued += _defer(app, "ingest_feed", key=f"ingest:{feed.name}", feed=feed.name)
    return queued


def enqueue_deliveries(
    app: procrastinate.App, report: str, period: str, build_id: int, subscriber_ids: Sequence[int], size: int
) -> int:
    """Queue the delivery of one build in batches of `size` subscribers; returns how many were queued."""
    ids = sorted(subscriber_ids)
    queued = 0
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        key = f"deliver:{build_id}:{batch[0]}"
        queued += _defer(
            app, "deliver_batch", key=key, report=report, period=period, build_id=build_id, subscribers=batch
        )
    return queued


def enqueue_analysis(app: procrastinate.App, item_ids: Sequence[str], size: int = 50) -> int:
    """Queue the analysis of items in batches; returns how many batches were queued."""
    queued = 0
    for start in range(0, len(item_ids), size):
        batch = list(item_ids[start : start + size])
        queued += _defer(app, "analyze_batch", key=f"analyze:{batch[0]}:{len(batch)}", items=batch)
    return queued
