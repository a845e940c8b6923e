"""`reporter feeds list | add | remove | import FILE.opml | export`: feed health, editing, OPML in and out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from reporter.cli.common import DEFAULT_CONFIG, ConfigOption, JsonOption, console, handle_errors, open_context
from reporter.errors import ConfigError

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("list")
@handle_errors
def list_feeds(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Show every configured feed and its health: last success, last error, failures in a row, entries.

    Example: reporter feeds list --json
    """
    ctx = open_context(config)
    try:
        rows = []
        for spec in ctx.config.feeds:
            state = ctx.store.feeds.get(spec.name, spec.url)
            rows.append(
                {
                    "name": spec.name,
                    "url": spec.url,
                    "enabled": spec.enabled,
                    "last_success": state.last_success.isoformat() if state.last_success else None,
                    "last_error": state.last_error,
                    "consecutive_failures": state.consecutive_failures,
                    "entries_seen": state.entries_seen,
                    "gone": state.gone,
                    "moved_to": state.moved_to,
                }
            )
    finally:
        ctx.close()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("feed", "last success", "failures", "entries", "status", box=None, pad_edge=False)
    for row in rows:
        status = (
            "disabled" if not row["enabled"]
            else "gone (HTTP 410)" if row["gone"]
            else f"error: {row['last_error']}" if row["last_error"]
            else f"moved to {row['moved_to']}" if row["moved_to"]
            else "ok" if row["last_success"]
            else "never fetched"
        )  # fmt: skip
        last = row["last_success"][:16].replace("T", " ") if row["last_success"] else "-"
        table.add_row(row["name"], last, str(row["consecutive_failures"]), str(row["entries_seen"]), status)
    console().print(table)


@app.command("add")
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="A short name for the feed, unique in feeds.yaml.")],
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    outlet: Annotated[
        str | None, typer.Option("--outlet", help="The outlet's name as readers know it.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add a feed to feeds.yaml, keeping its comments and layout.

    Example: reporter feeds add nikkei-asia https://asia.nikkei.com/rss/feed/nar --outlet "Nikkei Asia"
    """
    from reporter.config.edit import add_feed, replace_checked

    edited = add_feed(_read(config), name, url, outlet=outlet, shown=str(config))
    replace_checked(config, edited.text, os.environ)
    out = console()
    out.print(f"added {name} ({url.strip()}) to {config}", markup=False)
    for note in edited.notes:
        out.print(f"  note: {note}", markup=False)


@app.command("remove")
@handle_errors
def remove(
    name: Annotated[str, typer.Argument(help="The feed's name in feeds.yaml.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Remove a feed from feeds.yaml (and from reports that list it), keeping comments and layout.

    Items already fetched from it stay in the store. Example: reporter feeds remove kyodo
    """
    from reporter.config.edit import remove_feed, replace_checked

    edited = remove_feed(_read(config), name, shown=str(config))
    replace_checked(config, edited.text, os.environ)
    out = console()
    out.print(f"removed {name} from {config}", markup=False)
    for note in edited.notes:
        out.print(f"  {note}", markup=False)


def _read(config: Path) -> str:
    try:
        return config.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            str(config), [f"cannot read it: {exc.strerror}"], hint="pass --config PATH"
        ) from None


@app.command("import")
@handle_errors
def import_opml(
    file: Annotated[Path, typer.Argument(help="An OPML file exported from a feed reader.", exists=True)],
    config: ConfigOption = DEFAULT_CONFIG,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be added; change nothing.")
    ] = False,
) -> None:
    """Add the feeds of an OPML file to feeds.yaml (feeds already there, by URL, are skipped).

    Example: reporter feeds import subscriptions.opml
    """
    from reporter.config import load_config
    from reporter.sources.opml import add_to_config, read_opml, yaml_entries
    from reporter.urls import web_url

    cfg = load_config(config, os.environ)
    outlines = read_opml(file)
    known = {f.url.strip() for f in cfg.feeds}
    new = [o for o in outlines if o.url not in known and web_url(o.url)]
    refused = [o for o in outlines if not web_url(o.url)]
    out = console()
    for o in refused:
        out.print(f"skipped {o.title}: only http and https feeds are fetched ({o.url})", markup=False)
    if not new:
        out.print(
            f"nothing to add: all {len(outlines) - len(refused)} feed(s) are already in {config}",
            markup=False,
        )
        return
    entries = yaml_entries(new, {f.name for f in cfg.feeds})
    if dry_run:
        out.print(entries.rstrip("\n"), markup=False)
        return
    updated = add_to_config(config.read_text(encoding="utf-8"), entries)
    scratch = config.with_name(f".{config.name}.import")
    scratch.write_text(updated, encoding="utf-8")
    try:
        load_config(scratch, os.environ)  # never leave the user with a broken feeds.yaml
    except ConfigError:
        scratch.unlink(missing_ok=True)
        raise
    os.replace(scratch, config)
    skipped = len(outlines) - len(new) - len(refused)
    out.print(f"added {len(new)} feed(s) to {config}; already there: {skipped}", markup=False)


@app.command("export")
@handle_errors
def export_opml(
    config: ConfigOption = DEFAULT_CONFIG,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the configured feeds as OPML 2.0, for a feed reader.

    Example: reporter feeds export -o feeds.opml
    """
    from reporter.config import load_config
    from reporter.sources.opml import write_opml

    cfg = load_config(config, os.environ)
    document = write_opml(cfg.feeds)
    if output is None:
        typer.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")
        console().print(f"wrote {len(cfg.feeds)} feed(s) to {output}", markup=False)
