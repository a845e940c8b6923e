"""`reporter analyze FILE...|-`: show how the analyzer reads a document, passage by passage, and why.

`reporter analyze --stale` analyses the stored items that have no current analysis (new items, or
items analysed by an older analyzer version); `--reanalyze` analyses every stored item again.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from reporter.cli.common import DEFAULT_CONFIG, ConfigOption, JsonOption, console, handle_errors
from reporter.errors import SourceError
from reporter.models import Analysis, Item, Passage, ReportSpec

FilesArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Text files to analyze; '-' reads standard input.", show_default=False, metavar="FILE..."
    ),
]
StaleOption = Annotated[
    bool, typer.Option("--stale", help="Analyse the stored items with no current analysis, and store it.")
]
ReanalyzeOption = Annotated[
    bool, typer.Option("--reanalyze", help="Analyse every stored item again (after a model or data change).")
]
ReportOption = Annotated[
    str, typer.Option("--report", "-r", help="The report (slug in feeds.yaml) to place passages in.")
]
PREVIEW_CHARS = 280
CUT_SHOWN = 20  # stored items cut to max_entry_chars named after --stale/--reanalyze; --json has all


@handle_errors
def analyze(
    files: FilesArgument = None,
    report: ReportOption = "japan",
    json_output: JsonOption = False,
    stale: StaleOption = False,
    reanalyze: ReanalyzeOption = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Show passages, attribution, dates, countries, sections, and why; or analyse the stored items.

    Example: reporter analyze seeds/001_68c7ef664bad3911.txt --json; reporter analyze --reanalyze
    """
    from reporter.config import load_config
    from reporter.nlp.analyze import Analyzer

    if stale or reanalyze:
        if files:
            raise typer.BadParameter("name files, or use --stale/--reanalyze, not both")
        _analyze_store(config, reanalyze=reanalyze, json_output=json_output)
        return
    if not files:
        raise typer.BadParameter("name a file (or '-'), or use --stale or --reanalyze")

    loaded = load_config(config)
    spec = loaded.report(report)
    now = datetime.now(UTC)
    items = [read_item(path, now=now, max_chars=loaded.settings.max_entry_chars) for path in files]
    analyzer = Analyzer.create()
    out = console()
    for path, analysis in zip(files, analyzer.analyze(items, spec), strict=True):
        if json_output:
            sys.stdout.write(
                json.dumps(analysis_to_dict(analysis, str(path), analyzer.model_name), ensure_ascii=False)
            )
            sys.stdout.write("\n")
        else:
            print_analysis(out, analysis, str(path), spec)


def _analyze_store(config: Path, *, reanalyze: bool, json_output: bool) -> None:
    """Analyse the store's stale (or all) items and say how many."""
    import time

    from reporter.cli.common import open_context
    from reporter.normalize import text_cut
    from reporter.pipeline import analyze_stale

    ctx = open_context(config)
    try:
        started = time.perf_counter()
        outcome = analyze_stale(ctx, reanalyze=reanalyze)
        seconds = time.perf_counter() - started
        version = ctx.analysing().version
        cut = ctx.store.items.cut()
    finally:
        ctx.close()
    if json_output:
        data = {
            "analysed": outcome.analysed,
            "version": version,
            "seconds": round(seconds, 2),
            "cut": [{"item_id": i.id, "title": i.title, "text_cut": text_cut(i)} for i in cut],
        }
        sys.stdout.write(json.dumps(data) + "\n")
        return
    out = console()
    out.print(f"analysed {outcome.analysed} items in {seconds:.1f} s ({version})", markup=False)
    if cut:  # the analysis sees only the kept text: say which items, as ingest did when it cut them
        out.print(
            f"{len(cut)} stored item(s) were cut to settings.max_entry_chars when stored:", markup=False
        )
    for item in cut[:CUT_SHOWN]:
        out.print(f"  note: {item.title[:80]!r}: {text_cut(item)}", markup=False)
    if len(cut) > CUT_SHOWN:
        out.print(f"  and {len(cut) - CUT_SHOWN} more stored items cut the same way (--json lists them)")


def read_item(path: Path, *, now: datetime, max_chars: int) -> Item:
    """A file (or '-' for standard input) as an Item, read the way seeds are read (cut at `max_chars`)."""
    from reporter.cli.common import err_console
    from reporter.normalize import cut_note, normalize_entry
    from reporter.sources.seeds import read_seed_file

    if str(path) == "-":
        from reporter.models import RawEntry
        from reporter.nlp.sniff import sniff

        text = sys.stdin.read()
        if not text.strip():
            raise SourceError("standard input is empty", "pipe a document in, or name a file")
        from reporter.normalize import tidy_text

        meta = sniff(tidy_text(text))  # as seeds are read: once, the header travels with the Item
        published = datetime.combine(meta.date, datetime.min.time(), tzinfo=UTC) if meta.date else None
        raw = RawEntry(
            source="stdin",
            kind="seed",
            content=text,
            title=meta.title,
            author=", ".join(meta.authors) or None,
            outlet=meta.outlet,
            published=published,
            date_source=("text" if meta.date_precision == "day" else "title") if meta.date else None,
            fetched_at=now,
            path="stdin",
            header=meta,
        )
    else:
        if not path.is_file():
            raise SourceError(f"{path}: no such file", "check the path")
        raw = read_seed_file(path, now=now)
    item, full_length = normalize_entry(raw, now=now, max_chars=max_chars)
    if full_length is not None:  # as ingest does: the analysis sees the cut text, and says so
        err_console().print(f"note: {path}: {cut_note(item.title, full_length, max_chars)}", markup=False)
    return item


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def analysis_to_dict(analysis: Analysis, file: str, model: str) -> dict[str, Any]:
    """One file's analysis as plain JSON-ready data: the item's metadata and its passages."""
    from reporter.normalize import text_cut

    item = analysis.item
    data = {
        "file": file,
        "model": model,
        "item": {
            "id": item.id,
            "title": item.title,
            "outlet": item.outlet,
            "author": item.author,
            "published": item.published.isoformat(),
            "date_source": item.date_source,
            "date_precision": item.date_precision,
            "url": item.url,
            "text_cut": text_cut(item),
        },
        "notes": list(analysis.notes),
        "passages": [asdict(p) for p in analysis.passages],
    }
    return json.loads(json.dumps(data, default=_json_default))


def _attribution_line(p: Passage) -> str:
    a = p.attribution
    bits = [a.outlet or "(no outlet)"]
    if a.authors:
        bits.append(" and ".join(a.authors))
    if a.date:
        bits.append(a.date.isoformat() + (f" ({a.date_precision})" if a.date_precision != "day" else ""))
    if a.issue:
        bits.append(f"issue {a.issue}")
    bits.append(a.kind)
    if a.inherited:
        bits.append("inherited")
    return " · ".join(bits)


def _countries_line(p: Passage, subject: str) -> str:
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for m in p.countries:
        totals[m.code] += m.weight
        counts[m.code] += 1
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    return ", ".join(
        f"{code}{' (subject)' if code == subject else ''} {w:.1f}×{counts[code]}" for code, w in ranked
    )


def _wrapped(label: str, text: str, width: int) -> list[str]:
    """A label and its text, wrapped to the panel: later lines indented under the text."""
    import textwrap

    from rich.markup import escape

    pad = " " * (
        10
        - len(label.replace("[dim]", "").replace("[/dim]", "").replace("[bold]", "").replace("[/bold]", ""))
    )
    chunks = textwrap.wrap(text, width) or [""]
    return [f"{label}{pad}{escape(chunks[0])}", *(f"          {escape(c)}" for c in chunks[1:])]


def _relevance_lines(p: Passage, width: int) -> list[str]:
    """Relevance for the report: which rule decided, with the counterparts and the words it went by."""
    r = p.relevance
    assert r is not None
    verdict = "in" if r.relevant else "out"
    lines = _wrapped("[bold]relevance[/bold]", f"{verdict} · rule: {r.rule}", width)
    if r.counterparts:
        lines += _wrapped("[bold]partners[/bold]", ", ".join(r.counterparts), width)
    if r.cues:
        lines += _wrapped("[bold]matters[/bold]", ", ".join(r.cues), width)
    if r.off_topic:
        lines += _wrapped("[bold]off-topic[/bold]", ", ".join(r.off_topic), width)
    return lines


def print_analysis(out: Any, analysis: Analysis, file: str, spec: ReportSpec) -> None:
    """Print one file's passages for a person: attribution, dates, countries, scores, section and why."""
    from rich.markup import escape
    from rich.panel import Panel

    item = analysis.item
    out.print(f"[bold]{escape(file)}[/bold] — {escape(item.title)}")
    out.print(
        f"  {escape(item.outlet or '(no outlet)')} · {item.published.date().isoformat()}"
        f" ({item.date_source}, {item.date_precision})"
        f" · {len(analysis.passages)} passage(s)"
    )
    for note in analysis.notes:
        out.print(f"  [yellow]note:[/yellow] {escape(note)}")
    for p in analysis.passages:
        preview = " ".join(p.text.split())
        preview = preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 1] + "…"
        lines = [
            f"[bold]source[/bold]    {escape(_attribution_line(p))}",
        ]
        if p.heading:
            lines.append(f"[bold]heading[/bold]   {escape(p.heading)}")
        if p.dates:
            dates = ", ".join(
                f"{d.text} → {d.value.isoformat()}"
                f"{'…' + d.end_value.isoformat() if d.end_value else ''} ({d.precision})"
                for d in p.dates
            )
            lines.append(f"[bold]dates[/bold]     {escape(dates)}")
        if p.countries:
            lines.append(f"[bold]countries[/bold] {escape(_countries_line(p, spec.subject))}")
        if p.scores:
            lines.append("[bold]scores[/bold]    " + escape(", ".join(f"{s} {w:.1f}" for s, w in p.scores)))
        width = max(40, out.width - 16)  # the panel's border and the labels' column
        for reason in p.reasons:
            lines.extend(_wrapped("[dim]why[/dim]", reason, width))
        if p.relevance is not None:
            lines.extend(_relevance_lines(p, width))
        lines.append("")
        lines.append(escape(preview))
        relevant = "" if p.relevant else " · [red]not relevant[/red]"
        title = (
            f"#{p.index} [bold]{escape(p.section or '-')}[/bold] ({p.confidence:.0%}) · {p.style}"
            f" · chars {p.start}–{p.end} · {len(p.sentences)} sentence(s){relevant}"
        )
        out.print(
            Panel(
                "\n".join(lines),
                title=title,
                title_align="left",
                border_style="dim" if not p.relevant else "blue",
            )
        )
