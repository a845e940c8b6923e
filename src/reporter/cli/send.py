"""`reporter send REPORT --period YYYY-MM [--dry-run DIR]`: mail a built report to its subscribers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reporter.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    PeriodOption,
    ReportArgument,
    VerboseOption,
    console,
    err_console,
    handle_errors,
    period_of,
    setup_logging,
    subscriber_counts,
)

if TYPE_CHECKING:
    from reporter.config import Config


@handle_errors
def send(
    report: ReportArgument,
    period: PeriodOption = None,
    dry_run: Annotated[
        Path | None,
        typer.Option(
            "--dry-run", metavar="DIR", help="Write the messages as .eml files into DIR; send nothing."
        ),
    ] = None,
    retry_unknown: Annotated[
        bool,
        typer.Option(
            "--retry-unknown",
            help="Also resend messages a crashed run may or may not have sent (risks a duplicate).",
        ),
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: VerboseOption = 0,
) -> None:
    """Email a built report to each subscriber who has not had it yet (safe to run again).

    Example: reporter send japan --period 2025-11 --dry-run outbox/
    """
    from reporter.cli.progress import make_progress
    from reporter.config import load_config
    from reporter.deliver import send_report

    setup_logging(verbose)
    cfg = load_config(config)
    key = period_of(cfg.report(report), period, datetime.now(UTC)).key
    _say_mail_problems(cfg, report)
    result = send_report(
        cfg, report, key, dry_run_dir=dry_run, retry_unknown=retry_unknown, progress=make_progress(verbose)
    )
    out = console()
    if dry_run is not None:
        out.print(
            f"dry run: wrote {len(result.written)} message(s) to {dry_run}"
            + (f" ({result.already_sent} already sent, skipped)" if result.already_sent else ""),
            markup=False,
        )
        return
    out.print(
        f"{report} {key}: sent {result.sent}, already sent {result.already_sent}, "
        f"failed {len(result.failed)}, waiting {result.pending}, unknown {len(result.unknown)}",
        markup=False,
    )
    for f in result.failed:
        out.print(f"  failed: {f.email}: {f.error}", markup=False)
    for f in result.deferred:
        out.print(f"  will retry: {f.email}: {f.error}", markup=False)
    for email in result.unknown:
        out.print(
            f"  unknown: {email}: a run stopped mid-send; check, then --retry-unknown to resend", markup=False
        )
    if result.error:
        err = err_console()
        err.print(f"error: {result.error}", markup=False)
        if result.hint:
            err.print(f"hint: {result.hint}", markup=False)
    if not result.ok:
        raise typer.Exit(1)


def _say_mail_problems(cfg: Config, report: str) -> None:
    """Before anything is written or sent: what is wrong with the mail's identity and links."""
    import os

    from reporter.check import mail_findings

    err = err_console()
    for f in mail_findings(cfg.smtp, os.environ, subscriber_counts(cfg)):
        if not f.ok:
            err.print(f"warning: {f.message()}", markup=False)
