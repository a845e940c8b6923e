"""`reporter subscribers add|list|remove|import|export|unsubscribe`: who receives each report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reporter.cli.common import (
    APP_SETTINGS,
    DEFAULT_CONFIG,
    ConfigOption,
    JsonOption,
    console,
    handle_errors,
    open_context,
)
from reporter.errors import DeliveryError
from reporter.store.subscribers import SubscriberRepo

if TYPE_CHECKING:
    from reporter.pipeline import Context

app = typer.Typer(
    help="Manage who receives each report.",
    **APP_SETTINGS,
)

ReportOption = Annotated[
    str | None,
    typer.Option("--report", "-r", help="The report's slug (default: the only report, if there is one)."),
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="pdf (PDF attached), html (links only) or both.")
]


def _slug(ctx: Context, report: str | None) -> str:
    if report is not None:
        return ctx.config.report(report).slug  # a ConfigError naming the configured reports
    if len(ctx.config.reports) == 1:
        return ctx.config.reports[0].slug
    known = ", ".join(r.slug for r in ctx.config.reports)
    raise DeliveryError("which report? more than one is configured", hint=f"pass --report, one of: {known}")


def _repo(ctx: Context) -> SubscriberRepo:
    return SubscriberRepo(ctx.store.engine)


@app.command()
@handle_errors
def add(
    email: Annotated[str, typer.Argument(help="The address, e.g. ann@example.org.")],
    report: ReportOption = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Their name, for the To: line.")] = None,
    fmt: FormatOption = "pdf",
    resubscribe: Annotated[
        bool, typer.Option("--resubscribe", help="Add back someone who unsubscribed (only if they asked).")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Subscribe an address to a report.

    Example: reporter subscribers add ann@example.org --report japan --name "Ann Lee" --format both
    """
    ctx = open_context(config)
    try:
        sub = _repo(ctx).add(
            email, report=_slug(ctx, report), name=name, format=fmt, resubscribe=resubscribe,
            consent="operator", consent_note="command line",
        )  # fmt: skip
    finally:
        ctx.close()
    console().print(f"subscribed {sub.email} to {sub.report} ({sub.format})", markup=False)


@app.command("list")
@handle_errors
def list_(
    report: Annotated[str | None, typer.Option("--report", "-r", help="Only this report.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include those who unsubscribed.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
    json_output: JsonOption = False,
) -> None:
    """List subscriptions, by report then address.

    Example: reporter subscribers list --report japan
    """
    ctx = open_context(config)
    try:
        subs = _repo(ctx).list(report, include_unsubscribed=all_)
    finally:
        ctx.close()
    out = console()
    if json_output:
        out.print_json(
            json.dumps(
                [
                    {
                        "email": s.email, "name": s.name, "report": s.report, "format": s.format,
                        "subscribed": s.created_at.isoformat(),
                        "unsubscribed": s.unsubscribed_at.isoformat() if s.unsubscribed_at else None,
                    }
                    for s in subs
                ]
            )
        )  # fmt: skip
        return
    if not subs:
        out.print("no subscribers" + (f" to {report}" if report else ""), markup=False)
        return
    for s in subs:
        gone = f"  (unsubscribed {s.unsubscribed_at:%Y-%m-%d})" if s.unsubscribed_at else ""
        out.print(
            f"{s.report:<12} {s.format:<5} {s.email}" + (f"  ({s.name})" if s.name else "") + gone,
            markup=False,
        )


@app.command()
@handle_errors
def remove(
    email: Annotated[str, typer.Argument(help="The address to remove.")],
    report: Annotated[str | None, typer.Option("--report", "-r", help="Only from this report.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Remove an address's subscriptions (to one report, or to all).

    Example: reporter subscribers remove ann@example.org --report japan
    """
    ctx = open_context(config)
    try:
        removed = _repo(ctx).remove(email, report=report)
    finally:
        ctx.close()
    if not removed:
        raise DeliveryError(
            f"{email} is not subscribed" + (f" to {report}" if report else ""),
            hint="`reporter subscribers list` shows who gets what",
        )
    console().print(f"removed {removed} subscription(s) of {email}", markup=False)


@app.command("import")
@handle_errors
def import_(
    file: Annotated[
        Path, typer.Argument(help="A CSV: email[,name[,format]] per line; a header row is optional.")
    ],
    report: ReportOption = None,
    fmt: FormatOption = "pdf",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Subscribe every valid address in a CSV file; the lines refused are listed with the reason.

    Example: reporter subscribers import people.csv --report japan
    """
    ctx = open_context(config)
    try:
        result = _repo(ctx).import_csv(file, report=_slug(ctx, report), format=fmt)
    finally:
        ctx.close()
    out = console()
    out.print(
        f"imported {len(result.added)} subscription(s), updated {len(result.updated)}, "
        f"unchanged {result.unchanged}; refused {len(result.refused)}",
        markup=False,
    )
    for line, email, reason in result.refused:
        out.print(f"  line {line}: {email or '(empty)'}: {reason}", markup=False)
    if result.refused and not (result.added or result.updated or result.unchanged):
        raise typer.Exit(1)


@app.command()
@handle_errors
def export(
    report: Annotated[str | None, typer.Option("--report", "-r", help="Only this report.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    active: Annotated[bool, typer.Option("--active", help="Only those still subscribed.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the subscribers as CSV (with status and consent), which `import` reads back.

    Example: reporter subscribers export --report japan -o japan-subscribers.csv
    """
    import sys

    from reporter.store.subscription import write_export

    ctx = open_context(config)
    try:
        slug = ctx.config.report(report).slug if report else None
        subs = _repo(ctx).list(slug, include_unsubscribed=not active)
    finally:
        ctx.close()
    if output is None:
        write_export(subs, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as fh:
        count = write_export(subs, fh)
    console().print(f"wrote {count} subscription(s) to {output}", markup=False)


@app.command()
@handle_errors
def unsubscribe(
    token: Annotated[str, typer.Argument(help="The token from an unsubscribe link or mailto subject.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Act on an unsubscribe request that came by mail (the token in its subject line).

    Example: reporter subscribers unsubscribe MTI6amFwYW4.kq3...
    """
    from reporter.deliver.tokens import secret_from_env, verify_token

    request = verify_token(secret_from_env(), token.removeprefix("unsubscribe").strip())
    if request is None:
        raise DeliveryError(
            "that unsubscribe token is not valid",
            hint="copy the whole token; it was signed with REPORTER_SECRET",
        )
    ctx = open_context(config)
    try:
        repo = _repo(ctx)
        sub = repo.get(request.subscriber_id, request.report)
        changed = repo.unsubscribe(request.subscriber_id, request.report)
    finally:
        ctx.close()
    who = sub.email if sub else f"subscriber {request.subscriber_id}"
    state = "unsubscribed" if changed else "was already unsubscribed"
    console().print(f"{who} {state} from {request.report}", markup=False)
