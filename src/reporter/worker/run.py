"""`reporter worker`: one procrastinate worker process running the reporter's tasks until stopped.

SIGTERM or SIGINT stops taking tasks and waits up to the grace for the running one; a second
signal (or the end of the grace) aborts it. A worker killed outright leaves its task `doing`:
the other workers' `sweep` task retries it once the dead worker's heartbeat is older than
`tasks.stalled_after_seconds`.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

log = logging.getLogger(__name__)


def run_worker(config_path: str | Path, *, concurrency: int = 1, grace: float = 60.0) -> int:
    """Run a worker in the foreground until it is told to stop; returns the exit code."""
    from reporter.config import load_config
    from reporter.worker.queue import ensure_schema, make_app, require_queue
    from reporter.worker.tasks import STATE, WorkerState

    config = load_config(config_path)
    require_queue(config)
    state = WorkerState(Path(config_path).resolve())
    try:
        ensure_schema(state.context().store)
        app = make_app(config, pool_size=concurrency + 3)
        name = f"{socket.gethostname()}:{os.getpid()}"
        log.warning("worker %s started (%d task(s) at a time)", name, concurrency)
        app.run_worker(
            name=name,
            concurrency=concurrency,
            additional_context={STATE: state},
            update_heartbeat_interval=config.tasks.heartbeat_seconds,
            stalled_worker_timeout=config.tasks.stalled_after_seconds,
            shutdown_graceful_timeout=grace,
        )
        log.warning("worker %s stopped", name)
        return 0
    finally:
        state.close()
