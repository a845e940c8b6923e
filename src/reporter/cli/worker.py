"""`reporter worker`: run the tasks the scheduler queues (with `tasks.queue: procrastinate`)."""

from __future__ import annotations

from typing import Annotated

import typer

from reporter.cli.common import DEFAULT_CONFIG, ConfigOption, handle_errors, setup_logging

Verbose = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv: debug).")
]


@handle_errors
def worker(
    config: ConfigOption = DEFAULT_CONFIG,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-j", min=1, help="Tasks this process runs at a time.")
    ] = 1,
    grace: Annotated[
        float, typer.Option("--grace", help="Seconds a running task may take to finish after SIGTERM.")
    ] = 60.0,
    verbose: Verbose = 0,
) -> None:
    """Run a worker in the foreground: fetch feeds, analyse, build and send as the scheduler queues them.

    Needs PostgreSQL and `tasks.queue: procrastinate`; start as many as the machines allow. Stop it
    with SIGTERM or Ctrl-C (twice to abort a running task, which another worker then retries).

    Example: reporter worker --config /srv/reporter/feeds.yaml
    """
    from reporter.worker.run import run_worker

    setup_logging(verbose + 1)  # a service's log: info by default
    raise typer.Exit(run_worker(config, concurrency=concurrency, grace=grace))
