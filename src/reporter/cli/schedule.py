"""`reporter schedule`, `reporter run` and `reporter status`: the scheduler and its one-shot twin."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from reporter.cli.common import (
    ALL_FORMATS,
    DEFAULT_CONFIG,
    ConfigOption,
    FormatsOption,
    JsonOption,
    PeriodOption,
    ReportArgument,
    VerboseOption,
    console,
    formats_of,
    handle_errors,
    open_context,
    period_of,
    setup_logging,
)
from reporter.cli.progress import make_progress

if TYPE_CHECKING:
    from reporter.scheduler import Runner


class Terminated(BaseException):
    """SIGTERM arrived: raised in the main thread so a running build records its failure and unwinds."""


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Make SIGTERM end the command the way Ctrl-C does, so a running build records its failure."""

    def raise_exit(_signum: int, _frame: object) -> None:
        raise Terminated("received SIGTERM")

    previous = signal.signal(signal.SIGTERM, raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@handle_errors
def schedule(
    config: ConfigOption = DEFAULT_CONFIG,
    grace: Annotated[
        float,
        typer.Option("--grace", help="Seconds a running build may take to finish after SIGTERM."),
    ] = 60.0,
    formats: FormatsOption = ALL_FORMATS,
    stale_minutes: Annotated[
        float,
        typer.Option("--stale-minutes", help="A build whose heartbeat is older than this is taken as dead."),
    ] = 10.0,
    verbose: VerboseOption = 0,
) -> None:
    """Run the scheduler in the foreground: ingest every few hours, build and send each period once.

    Stop it with SIGTERM or Ctrl-C (twice to abandon a running build); SIGHUP re-reads feeds.yaml.

    Example: reporter schedule --config /srv/reporter/feeds.yaml
    """
    from reporter.models import FORMATS
    from reporter.scheduler import run_in_foreground

    setup_logging(verbose, service=True)  # a service's log: our events at info, -v debug, -vv everything
    wanted = formats_of(formats)
    ctx = open_context(config)
    out = console()

    def announce(runner: Runner) -> None:
        changes = runner.changes
        out.print(
            f"scheduler started: {len(changes.added)} job(s) added, {len(changes.changed)} changed, "
            f"{len(changes.removed)} removed, {len(changes.kept)} unchanged, "
            f"{len(runner.retries)} failed build(s) to retry, "
            f"{len(runner.catchups)} closed period(s) never built to build now",
            markup=False,
        )
        for job in runner.jobs():
            when = (
                job.next_run_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if job.next_run_time else "-"
            )
            out.print(f"  {job.id:<30} next {when}", markup=False)

    try:
        code = run_in_foreground(
            ctx,
            config,
            grace=grace,
            formats=None if set(wanted) == set(FORMATS) else wanted,
            stale_after=timedelta(minutes=stale_minutes),
            on_start=announce,
        )
    finally:
        ctx.close()
    raise typer.Exit(code)


@handle_errors
def run(
    report: ReportArgument,
    period: PeriodOption = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild a period that was already built.")] = False,
    no_send: Annotated[bool, typer.Option("--no-send", help="Build, but do not email it.")] = False,
    formats: FormatsOption = ALL_FORMATS,
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: VerboseOption = 0,
) -> None:
    """Ingest, build and send one report once, for use from system cron.

    A period already built is not built or sent again (use --force to rebuild; subscribers who
    already received it are not sent it twice).

    Example: reporter run japan --period 2025-11
    """
    from reporter import pipeline

    setup_logging(verbose)
    wanted = formats_of(formats)
    ctx = open_context(config)
    ctx.progress = make_progress(verbose)
    out = console()
    try:
        spec = ctx.config.report(report)
        the_period = period_of(spec, period, ctx.now())
        try:
            with _sigterm_interrupts():
                outcome = pipeline.run(ctx, spec, the_period, force=force, send=not no_send, formats=wanted)
        except Terminated:
            from reporter.cli.common import err_console

            err_console().print(
                "terminated; the build was recorded as failed and will be retried", markup=False
            )
            raise typer.Exit(143) from None
    finally:
        ctx.close()
    ing = outcome.ingest
    if ing is not None:  # `run` always ingests first
        out.print(
            f"ingest: {ing.new_items} new item(s) from {len(ing.sources) - len(ing.failures)} source(s)"
            + (f"; {len(ing.failures)} failed" if ing.failures else ""),
            markup=False,
        )
    built = outcome.build
    if built.skip is not None:
        out.print(f"{built.report.title}: not built again ({built.skip.reason})", markup=False)
    else:
        paragraphs = sum(len(s.paragraphs) for s in built.report.sections)
        out.print(f"{built.report.title}: {paragraphs} paragraphs in {len(built.report.sections)} sections")
    for fmt, path in sorted(built.files.items()):
        out.print(f"  {fmt:<4} {path}", markup=False)
    out.print(
        f"send: {outcome.not_sent}"
        if outcome.not_sent
        else f"send: {outcome.delivery.summary() if outcome.delivery else 'nothing'}",
        markup=False,
    )


@handle_errors
def status(config: ConfigOption = DEFAULT_CONFIG, json_output: JsonOption = False) -> None:
    """Show when every scheduled job runs next, and each report's latest build.

    Example: reporter status
    """
    from rich.table import Table

    from reporter.scheduler import next_runs
    from reporter.scheduler.catchup import missed_periods

    ctx = open_context(config)
    try:
        now = ctx.now()
        runs = next_runs(ctx, config, now=now)
        zones = {r.slug: r.schedule.timezone for r in ctx.config.reports}
        latest = {slug: ctx.store.builds.latest(slug) for slug in zones}
        gone = {  # builds the store calls done whose files are no longer in output/
            slug: {b.period: b.missing_files() for b in ctx.store.builds.of_report(slug) if b.missing_files()}
            for slug in zones
        }
        stored_builds = {
            r.id.partition(":")[2]: r.next_run for r in runs if r.stored and r.id.startswith("build:")
        }
        missed = missed_periods(ctx, now=now, next_builds=stored_builds)
    finally:
        ctx.close()
    out = console()
    if json_output:
        out.print_json(
            json.dumps(
                {
                    "jobs": [
                        {
                            "id": r.id,
                            "name": r.name,
                            "next_run": r.next_run.isoformat() if r.next_run else None,
                            "trigger": r.trigger,
                            "stored": r.stored,
                        }
                        for r in runs
                    ],
                    "builds": {
                        slug: (
                            {"period": b.period, "status": b.status, "attempt": b.attempt, "error": b.error}
                            if b
                            else None
                        )
                        for slug, b in latest.items()
                    },
                    "catch_up": [{"report": m.spec.slug, "period": m.period.key} for m in missed],
                    "missing_files": {slug: periods for slug, periods in gone.items() if periods},
                }
            )
        )
        return
    table = Table("job", "next run (UTC)", "local time", "in", "when")
    for r in runs:
        slug = r.id.split(":")[1] if ":" in r.id else ""
        zone = ZoneInfo(zones.get(slug, "UTC"))
        if r.next_run is None:
            table.add_row(r.id, "paused", "", "", r.trigger)
            continue
        local = r.next_run.astimezone(zone)
        table.add_row(
            r.id + ("" if r.stored else " (new)"),
            r.next_run.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            local.strftime("%Y-%m-%d %H:%M %Z"),
            _until(r.next_run - now),
            r.trigger,
        )
    out.print(table)
    if not all(r.stored for r in runs):
        out.print("(new): in feeds.yaml, scheduled when `reporter schedule` next starts", markup=False)
    for slug, b in latest.items():
        if b is None:
            out.print(f"{slug}: never built", markup=False)
        else:
            note = f" ({b.error})" if b.error and b.status == "failed" else ""
            out.print(f"{slug}: latest build {b.period} {b.status}, attempt {b.attempt}{note}", markup=False)
    for slug, periods in gone.items():
        for period, names in periods.items():
            out.print(
                f"{slug}: {period} was built, but {', '.join(names)} {'is' if len(names) == 1 else 'are'} "
                f"missing from the output folder; `reporter build {slug} --period {period} --force` "
                "writes them again",
                markup=False,
            )
    for m in missed:
        out.print(
            f"{m.spec.slug}: {m.period.key} has closed and was never built; `reporter schedule` builds and "
            "sends it once when it starts",
            markup=False,
        )


def _until(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "due"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d {hours}h" if days else f"{hours}h {rest // 60}m"
