"""The `reporter` command line: thin commands over `reporter.pipeline`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from reporter.cli.common import (
    ALL_FORMATS,
    APP_SETTINGS,
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
    subscriber_counts,
)
from reporter.cli.progress import make_progress


@handle_errors
def build(
    report: ReportArgument,
    period: PeriodOption = None,
    formats: FormatsOption = ALL_FORMATS,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild a period that was already published.")
    ] = False,
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Build from what is stored; do not read seeds or fetch feeds.")
    ] = False,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="Preview a period that is not over yet: written under data_dir/partial/, never sent.",
        ),
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: VerboseOption = 0,
) -> None:
    """Build a report for one period and print the files written.

    Example: reporter build japan --period 2025-11
    """
    from reporter import pipeline

    setup_logging(verbose)
    wanted = formats_of(formats)
    ctx = open_context(config)
    ctx.progress = make_progress(verbose)
    try:
        spec = ctx.config.report(report)
        the_period = period_of(spec, period, ctx.now())
        out = console()
        result = pipeline.run(
            ctx,
            spec,
            the_period,
            formats=wanted,
            force=force,
            send=False,
            partial=partial,
            ingest_first=not no_ingest,
            on_ingest=_print_ingest,  # the ingest is printed before the build starts
        ).build
        if result.partial:
            out.print(
                f"{result.report.title}: a preview of a period not over; not sent, and the period's "
                "real build is unaffected",
                markup=False,
            )
        elif result.skip is not None:
            out.print(f"{result.report.title}: not built again ({result.skip.reason})", markup=False)
        else:
            paragraphs = sum(len(s.paragraphs) for s in result.report.sections)
            out.print(
                f"{result.report.title}: {paragraphs} paragraphs in {len(result.report.sections)} sections",
                markup=False,
            )
        for fmt in wanted:
            if fmt in result.files:
                out.print(f"  {fmt:<4} {result.files[fmt]}", markup=False)
            elif fmt in result.missing:
                out.print(f"  {fmt:<4} not written: {result.missing[fmt]}", markup=False)
    finally:
        ctx.close()
    if result.missing:  # a partial build: the formats above were written, the missing ones were not
        from reporter.cli.common import err_console

        err_console().print(
            f"error: a partial build: {', '.join(sorted(result.missing))} not written; "
            "the other formats were",
            markup=False,
        )
        raise typer.Exit(1)


def _print_ingest(result) -> None:
    out = console()
    failed = result.failures
    out.print(
        f"ingest: {result.new_items} new item(s) from {len(result.sources) - len(failed)} source(s)"
        + (f"; {len(failed)} failed" if failed else ""),
        markup=False,
    )
    for f in failed:
        out.print(f"  failed: {f.error}" + (f" (hint: {f.hint})" if f.hint else ""), markup=False)
    for s in result.sources:
        for warning in s.warnings:
            out.print(f"  warning: {s.source}: {warning}", markup=False)


@handle_errors
def ingest(
    report: Annotated[str | None, typer.Argument(help="Only this report's sources (default: all).")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: VerboseOption = 0,
) -> None:
    """Read the seeds and fetch the feeds into the store.

    Example: reporter ingest japan
    """
    from reporter import pipeline

    setup_logging(verbose)
    ctx = open_context(config)
    ctx.progress = make_progress(verbose)
    try:
        spec = ctx.config.report(report) if report else None
        result = pipeline.ingest(ctx, spec)
        _print_ingest(result)
    finally:
        ctx.close()
    if result.all_failed:
        raise typer.Exit(1)


@handle_errors
def check(
    config: ConfigOption = DEFAULT_CONFIG,
    json_output: JsonOption = False,
    online: Annotated[
        bool, typer.Option("--online", help="Also fetch each feed once and greet the SMTP server (EHLO).")
    ] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the configuration reference (docs/configuration.md).")
    ] = False,
    codes: Annotated[
        bool, typer.Option("--codes", help="List the gazetteer codes sections may use, and stop.")
    ] = False,
) -> None:
    """Validate feeds.yaml and the environment (WeasyPrint libraries, fonts, spaCy model, mail identity).

    Example: reporter check --online
    """
    import os

    from reporter.check import check_environment, mail_findings, report_findings
    from reporter.config import load_config

    if schema:
        from reporter.config.docs import configuration_markdown

        typer.echo(configuration_markdown(), nl=False)
        return
    if codes:
        _print_codes(json_output)
        return
    cfg = load_config(config)
    findings = report_findings(cfg) + check_environment(cfg)
    findings += mail_findings(cfg.smtp, os.environ, subscriber_counts(cfg))
    if online:
        from reporter.check.online import online_findings

        findings += online_findings(cfg)
    out = console()
    if json_output:
        out.print_json(json.dumps([f._asdict() for f in findings]))
    else:
        out.print(f"{config}: OK ({len(cfg.reports)} report(s), {len(cfg.feeds)} feed(s))", markup=False)
        for f in findings:
            out.print(f.line(), markup=False)
    if any(not f.ok and f.required for f in findings):
        raise typer.Exit(1)


def _print_codes(json_output: bool) -> None:
    """The gazetteer's codes: countries (ISO 3166), territories, groups and regions."""
    from rich.table import Table

    from reporter.nlp.gazetteer import Gazetteer

    rows = Gazetteer.load().listing()
    out = console()
    if json_output:
        keys = ("code", "kind", "name", "members")
        out.print_json(json.dumps([dict(zip(keys, row, strict=True)) for row in rows]))
        return
    table = Table("code", "kind", "name", "stands for", title=f"{len(rows)} gazetteer codes")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@handle_errors
def runs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many runs to show.")] = 30,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only runs of this kind: ingest, build or send.")
    ] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="Only runs of this report (its slug).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only runs started since: 2025-12-01, 2025-12-01T06:00, or 12h, 7d, 2w."
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    json_output: JsonOption = False,
) -> None:
    """History of ingests, builds and deliveries, newest first.

    Example: reporter runs --kind build --report japan --since 7d
    """
    from rich.table import Table

    from reporter.cli.common import since_of

    start = since_of(since)
    ctx = open_context(config)
    try:
        if report is not None:
            ctx.config.report(report)  # an unknown slug is a handled error naming the configured ones
        recent = ctx.store.runs.recent(limit, kind=kind, report=report, since=start)
    finally:
        ctx.close()
    out = console()
    if json_output:
        out.print_json(json.dumps([
            {
                "id": r.id, "kind": r.kind, "report": r.report, "period": r.period, "status": r.status,
                "started_at": r.started_at.isoformat(), "duration": r.duration, "detail": r.detail,
                "error": r.error,
            }
            for r in recent
        ]))  # fmt: skip
        return
    table = Table("id", "kind", "report", "period", "status", "started (UTC)", "secs", "detail / error")
    for r in recent:
        note = r.error or ", ".join(f"{k}={v}" for k, v in r.detail.items() if k != "files")
        table.add_row(
            str(r.id), r.kind, r.report or "", r.period or "", r.status,
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{r.duration:.1f}" if r.duration is not None else "", note[:80],
        )  # fmt: skip
    out.print(table)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"reporter {version('reporter')}")
        raise typer.Exit()


def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Write periodic, attributed country reports from seed documents and RSS/Atom feeds."""


def create_app() -> typer.Typer:
    """The Typer application with every command registered."""
    app = typer.Typer(name="reporter", callback=_main, **APP_SETTINGS)
    for func in (build, ingest, check, runs):
        app.command()(func)
    _register_modules(app)
    return app


def _register_modules(app: typer.Typer) -> None:
    """Commands and command groups that live in their own modules."""
    from reporter.cli import analyze, feeds, schedule, send, serve, subscribers, worker

    commands = (analyze.analyze, send.send, schedule.schedule, schedule.run, schedule.status, serve.serve)
    for func in (*commands, worker.worker):
        app.command()(func)
    app.add_typer(subscribers.app, name="subscribers", help="manage who receives each report")
    app.add_typer(
        feeds.app, name="feeds", help="list feed health, add and remove feeds, import and export OPML"
    )


def main() -> None:
    """Entry point of the `reporter` console script."""
    create_app()()


__all__ = ["create_app", "main"]
