"""What every command shares: the --config option, opening the pipeline context, printing errors."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from reporter.errors import ReporterError
from reporter.models import FORMATS, Period, ReportSpec, parse_formats, resolve_period

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        help="feeds.yaml to use; relative paths inside it resolve against its folder.",
        envvar="REPORTER_CONFIG",
        show_default=True,
    ),
]
DEFAULT_CONFIG = Path("feeds.yaml")
JsonOption = Annotated[bool, typer.Option("--json", help="Print data as JSON instead of a table.")]
ReportArgument = Annotated[str, typer.Argument(help="The report's slug in feeds.yaml, e.g. japan.")]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", "-p", help="YYYY-MM, the period's last month (default: the month just ended)."),
]
FormatsOption = Annotated[
    str, typer.Option("--format", "-f", help=f"Comma-separated formats to build: {','.join(FORMATS)}.")
]
ALL_FORMATS = ",".join(FORMATS)
VerboseOption = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv: debug).")
]
# Every Typer app of the command line is made the same way.
APP_SETTINGS: dict[str, Any] = {
    "no_args_is_help": True,
    "add_completion": False,
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}


def console() -> Console:
    """A console on stdout (the only place the program prints, besides stderr)."""
    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    """A console on stderr, for errors and hints."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(exc: ReporterError) -> typer.Exit:
    """Print a handled error and its hint to stderr; return the Exit(1) to raise."""
    out = err_console()
    out.print(f"error: {exc}", markup=False)
    if exc.hint:
        out.print(f"hint: {exc.hint}", markup=False)
    return typer.Exit(1)


def handle_errors(func: F) -> F:
    """Turn ReporterErrors into a message, a hint and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReporterError as exc:
            raise fail(exc) from None
        except OSError as exc:  # the disk: full, read-only, or not ours; say which file
            from reporter.errors import os_error

            raise fail(os_error(exc)) from None
        except Exception as exc:
            from reporter.errors import database_error

            handled = database_error(exc)
            if handled is None:
                raise
            raise fail(handled) from None
        except KeyboardInterrupt:
            err_console().print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def formats_of(text: str) -> tuple[str, ...]:
    """The --format value as formats; a usage error listing the valid ones otherwise."""
    try:
        return parse_formats(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None


def period_of(spec: ReportSpec, text: str | None, now: datetime) -> Period:
    """The --period value (default: the period just closed in the report's zone); a usage error if bad."""
    try:
        return resolve_period(spec, text, now)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None


def open_context(config: Path):
    """Load the configuration and open the store, for a command."""
    from reporter.pipeline import open_context as _open

    return _open(config)


_AGO = {"h": 3600, "d": 86400, "w": 7 * 86400}


def since_of(text: str | None, now: datetime | None = None) -> datetime | None:
    """--since as an aware UTC time: an ISO date or time (UTC unless it says), or 12h / 7d / 2w ago."""
    from datetime import UTC, timedelta

    if text is None:
        return None
    raw = text.strip().lower()
    if raw[:-1].isdigit() and raw[-1:] in _AGO:
        return (now or datetime.now(UTC)) - timedelta(seconds=int(raw[:-1]) * _AGO[raw[-1]])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a date (2025-12-01), a time (2025-12-01T06:00) nor an age (12h, 7d, 2w)",
            param_hint="--since",
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def subscriber_counts(config: Any) -> dict[str, int]:
    """Active subscribers per report, from the store if there is one yet (a check creates none)."""
    from reporter.store import Store

    url = config.settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}
    try:
        store = Store.open(url)
    except ReporterError:
        return {}
    try:
        return {r.slug: len(store.subscribers.active(r.slug)) for r in config.reports}
    finally:
        store.close()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Logs to whatever sys.stderr is now, so a progress bar that redirects it keeps them above itself."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return None


def setup_logging(verbose: int, *, service: bool = False) -> None:
    """Warnings by default; -v for info, -vv for debug. Logs go to stderr.

    A `service` (the scheduler) logs our events at info by default and our debug at -v; the libraries'
    debug lines (httpx, httpcore, WeasyPrint...) only ever at -vv.
    """
    ours = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if service:
        ours = logging.INFO if verbose <= 0 else logging.DEBUG
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=ours, handlers=[handler], force=True)
    quiet = logging.DEBUG if verbose >= 2 else max(ours, logging.WARNING)
    for noisy in ("httpx", "httpcore", "fontTools", "weasyprint", "alembic", "urllib3"):
        logging.getLogger(noisy).setLevel(quiet)
