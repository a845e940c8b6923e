"""The one orchestrator: ingest → analyze → compose → render → archive → deliver, in that order.

The CLI, the scheduler and the web app all call these functions; none re-implements the order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from reporter.config import Config, load_config
from reporter.errors import ReporterError
from reporter.models import (
    FORMATS,
    SEED_SOURCE,
    BuildResult,
    BuildSkip,
    FeedSpec,
    IngestResult,
    Period,
    Report,
    ReportSpec,
    SourceResult,
)
from reporter.progress import NO_PROGRESS, Progress, counted
from reporter.store import RunRecord, Store

if TYPE_CHECKING:
    from reporter.deliver.outbox import DeliveryResult
    from reporter.models import Analysis, Item
    from reporter.nlp.analyze import Analyzer
    from reporter.nlp.placing import Placer
    from reporter.nlp.record import ItemAnalysis
    from reporter.nlp.stored import AnalyseOutcome, Analysing

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What every stage needs: the configuration, the store, the clock, and the analyzer (made once)."""

    config: Config
    store: Store
    clock: Callable[[], datetime] = _utcnow
    analyzer_factory: Callable[[], Analyzer] | None = None
    analysis_workers: int | None = None  # processes for a large first analysis; None: one per core
    progress: Progress = NO_PROGRESS  # who hears of each feed, item, format and message as it is done
    _analyzer: Analyzer | None = field(default=None, repr=False)
    _placer: Placer | None = field(default=None, repr=False)

    def now(self) -> datetime:
        """The current time, from the context's clock."""
        return self.clock()

    def analyzer(self) -> Analyzer:
        """The analyzer, loaded on first use and kept for the life of the process."""
        if self._analyzer is None:
            if self.analyzer_factory is not None:
                self._analyzer = self.analyzer_factory()
            else:
                from reporter.nlp.analyze import Analyzer

                self._analyzer = Analyzer.create()
        return self._analyzer

    def analysing(self) -> Analysing:
        """How this process analyses: the store, the analyzer version, the analyzer, the workers."""
        from reporter.nlp.model import current_version
        from reporter.nlp.pool import default_workers
        from reporter.nlp.stored import Analysing

        if self._analyzer is not None or self.analyzer_factory is not None:
            # A given analyzer (tests, `reporter analyze`) is the one to use, in this process.
            return Analysing(self.store, self.analyzer().version, self.analyzer, workers=1)
        workers = self.analysis_workers if self.analysis_workers is not None else default_workers()
        return Analysing(self.store, current_version(), self.analyzer, workers=workers)

    def placer(self) -> Placer:
        """Places stored analyses in a report's sections (needs the gazetteer, not spaCy)."""
        if self._placer is None:
            from reporter.nlp.model import load_gazetteer
            from reporter.nlp.placing import Placer

            self._placer = self._analyzer.placer if self._analyzer is not None else Placer(load_gazetteer())
        return self._placer

    def close(self) -> None:
        """Release the database."""
        self.store.close()


def open_context(config_path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Context:
    """Load the configuration and open (and migrate) the store."""
    config = load_config(config_path, env)
    workers = config.settings.analysis_workers or None  # 0 in the file: one per core
    return Context(config=config, store=Store.open(config.settings.database_url), analysis_workers=workers)


# --- ingest ---------------------------------------------------------------------------------------


def ingest(
    ctx: Context,
    report: ReportSpec | None = None,
    *,
    analyze: bool = False,
) -> IngestResult:
    """Read the seeds and fetch the feeds of one report (or all), storing what is new (and analysing it)."""
    reports = [report] if report else list(ctx.config.reports)
    return ingest_sources(
        ctx,
        _feeds_of(ctx.config, reports),
        seeds=any(r.seeds for r in reports),
        report=report,
        analyze=reports if analyze else None,
    )


def ingest_sources(
    ctx: Context,
    feeds: Sequence[FeedSpec],
    *,
    seeds: bool,
    report: ReportSpec | None = None,
    analyze: Sequence[ReportSpec] | None = None,
) -> IngestResult:
    """Fetch these feeds (and read the seeds) into the store: one run of `ingest`, or one worker task."""
    results: list[SourceResult] = []
    ctx.progress.begin("ingest", len(feeds) + seeds, "sources")

    def done(result: SourceResult) -> None:
        said = f"{result.source}: {result.new_items} new" if result.ok else f"failed: {result.error}"
        ctx.progress.step("ingest", "done" if result.ok else "failed", said)

    with ctx.store.runs.record("ingest", report=report.slug if report else None) as run:
        try:
            if seeds:
                found = ingest_seeds(ctx)
                results.extend(found)
                done(found[0])
            if feeds:
                from reporter.sources.feeds import ingest_feeds
                from reporter.sources.fetch import FetchPolicy

                settings = ctx.config.settings
                results.extend(
                    ingest_feeds(
                        feeds,
                        store=ctx.store,
                        user_agent=settings.user_agent,
                        now=ctx.now(),
                        progress=done,
                        policy=FetchPolicy(
                            allow_private_networks=settings.allow_private_networks,
                            max_entry_chars=settings.max_entry_chars,
                        ),
                        bound=settings.ingest_timeout,
                    )
                )
        finally:
            ctx.progress.end("ingest")
        outcome = IngestResult(tuple(results))
        if analyze is not None:
            analyze_stale(ctx, analyze, since=ctx.now() - timedelta(days=ANALYZE_AT_INGEST_DAYS))
        run.end(
            "ok" if not outcome.failures else "partial",
            detail={
                "new_items": outcome.new_items,
                "failed": [f.source for f in outcome.failures],
                "sources": len(outcome.sources),
            },
        )
    return outcome


def ingest_seeds(ctx: Context) -> list[SourceResult]:
    """Read every seed file into the store; a file that cannot be read is reported and skipped."""
    from reporter.normalize import cut_note, normalize_entry
    from reporter.sources.seeds import read_seeds

    now = ctx.now()
    cap = ctx.config.settings.max_entry_chars
    entries, failures = read_seeds(ctx.config.settings.seeds_dir, now=now)
    items, notes = [], []
    for entry in entries:
        item, full_length = normalize_entry(entry, now=now, max_chars=cap)
        items.append(item)
        if full_length is not None:
            notes.append(f"{entry.path}: " + cut_note(item.title, full_length, cap))
    added = ctx.store.items.add(items, source=SEED_SOURCE)
    ok = SourceResult(SEED_SOURCE, ok=True, new_items=added.new, seen_items=added.seen, warnings=tuple(notes))
    return [ok, *failures]


def _feeds_of(config: Config, reports: Sequence[ReportSpec]) -> list[FeedSpec]:
    wanted = {name for r in reports for name in r.feeds}
    return [f for f in config.feeds if f.enabled and f.name in wanted]


# --- analyze --------------------------------------------------------------------------------------

# Items this recent are analysed when ingested; older ones when a build first needs them.
ANALYZE_AT_INGEST_DAYS = 100


def analyze_stale(
    ctx: Context,
    reports: Sequence[ReportSpec] | None = None,
    *,
    since: datetime | None = None,
    reanalyze: bool = False,
) -> AnalyseOutcome:
    """Analyse the stored items of these reports' sources (or all) that have no current analysis.

    With `reanalyze`, every such item is analysed again, whatever is stored.
    """
    from reporter.nlp.stored import analyse_stale

    how = ctx.analysing()
    sources = None if reports is None else _sources_of(reports)
    stale = ctx.store.analyses.stale(None if reanalyze else how.version, sources=sources, since=since)
    return analyse_stale(how, stale)


def analyses_for(ctx: Context, items: Sequence[Item], spec: ReportSpec) -> list[Analysis]:
    """The items' analyses placed in one report's sections: stored ones read, missing ones made once."""
    return list(ctx.placer().place_all(_analysed(ctx, items), spec))


def _analysed(ctx: Context, items: Sequence[Item]) -> list[tuple[Item, ItemAnalysis]]:
    """Each item with its stored analysis (made now if missing), counted for the progress display."""
    from reporter.nlp.stored import analyses_for as stored_analyses

    pairs = stored_analyses(ctx.analysing(), items)
    return list(counted(ctx.progress, "analysis", pairs, total=len(items), unit="items"))


def _sources_of(reports: Sequence[ReportSpec]) -> list[str]:
    sources = {name for r in reports for name in r.feeds}
    if any(r.seeds for r in reports):
        sources.add(SEED_SOURCE)
    return sorted(sources)


# --- build ----------------------------------------------------------------------------------------


class PeriodNotOver(ReporterError):
    """A build asked for a period that has not ended yet (or lies in the future)."""


# Tagged for screen readers (structure, reading order, language and title: PDF/UA-1, WeasyPrint's own).
PDF_VARIANT = "pdf/ua-1"
PARTIAL_DIR = "partial"  # under data_dir: previews of periods not over, never published or sent


def check_period(spec: ReportSpec, period: Period, now: datetime, *, partial: bool = False) -> None:
    """Refuse a period that is not over, unless a partial build (a preview) is asked for."""
    if partial or spec.is_over(period, now):  # the report's own calendar, as the scheduler's
        return
    ends = f"{period.end_dt:%Y-%m-%d}"
    when = "lies in the future" if now < period.start_dt else f"is not over until {ends}"
    raise PeriodNotOver(
        f"{spec.slug} {period.key} {when}; a report is built once its period has ended",
        hint=f"build it on or after {ends} (the scheduler does), or add --partial for a preview of what "
        "is in so far (written apart, never sent, and not in the way of the real build)",
    )


def build(
    ctx: Context,
    spec: ReportSpec,
    period: Period,
    *,
    formats: Sequence[str] = FORMATS,
    force: bool = False,
    partial: bool = False,
) -> BuildResult:
    """Compose one report for one period from what the store holds, render it and archive it, once.

    The (report, period) is claimed in the store first: a build that is done (unless forced) or being
    built by another process is skipped; a build that fails is recorded as failed, to be retried.
    A period that is not over is refused unless `partial`: a partial build is a preview, written under
    data_dir/partial/, with no claim, so it is never sent and never blocks the period's real build.
    """
    from reporter.archive import write_index, write_report
    from reporter.store.builds import process_owner

    check_period(spec, period, ctx.now(), partial=partial)
    if partial and not spec.is_over(period, ctx.now()):
        return _partial_build(ctx, spec, period, formats)
    with ctx.store.runs.record("build", report=spec.slug, period=period.key) as run:
        if not force and (gone := _files_gone(ctx, spec, period)):
            # The store says built, the disk says otherwise: trust the disk and build it again.
            log.warning("%s %s: built before, but %s gone; building it again", spec.slug, period.key, gone)
            force = True
        claim = ctx.store.builds.claim(spec.slug, period.key, process_owner(), force=force)
        if claim is None:
            return _skipped_build(ctx, spec, period, run)
        try:
            with ctx.store.builds.keep_alive(claim):
                report = compose_report(ctx, spec, period)
                settings = ctx.config.settings
                rendered = _render(ctx, report, formats)
                # A retry replaces whatever an interrupted attempt left; only a first build refuses to.
                paths = write_report(
                    report, rendered.files, output_dir=settings.output_dir, force=force or claim.attempt > 1
                )
                write_index(settings.output_dir, templates_dir=settings.templates_dir)
        except BaseException as exc:
            ctx.store.builds.fail(claim, f"{type(exc).__name__}: {exc}")
            raise
        paragraphs = sum(len(s.paragraphs) for s in report.sections)
        written = {k: str(v) for k, v in paths.items()}
        if not ctx.store.builds.finish(claim, written, paragraphs):
            # Another process judged this build abandoned and took it over: it builds and sends it.
            run.error = "the build's claim was taken over by another process before it finished"
            raise ReporterError(
                run.error, hint="check that the clocks agree and that one scheduler runs per database"
            )
        detail: dict[str, object] = {
            "paragraphs": paragraphs,
            "files": written,
            "build": claim.build_id,
            "attempt": claim.attempt,
        }
        if rendered.missing:
            detail["missing"] = rendered.missing
            log.warning(
                "%s %s: a partial build: %s", spec.slug, period.key, "; ".join(rendered.missing.values())
            )
        run.end("partial" if rendered.missing else "ok", detail=detail)
    return BuildResult(report=report, files=written, missing=rendered.missing, build_id=claim.build_id)


def _render(ctx: Context, report: Report, formats: Sequence[str]) -> Rendered:
    """Render a report in the given formats with the configured templates and PDF limits."""
    settings = ctx.config.settings
    return render_report(
        report,
        formats=formats,
        templates_dir=settings.templates_dir,
        pdf_limits=(settings.pdf_timeout, settings.pdf_memory_mb),
        progress=ctx.progress,
    )


def _partial_build(ctx: Context, spec: ReportSpec, period: Period, formats: Sequence[str]) -> BuildResult:
    """A preview of a period not over: composed up to now, written apart, not claimed, not sent."""
    from dataclasses import replace

    from reporter.archive import write_report

    now = ctx.now()
    with ctx.store.runs.record("build", report=spec.slug, period=period.key) as run:
        report = compose_report(ctx, spec, period)
        report = replace(report, title=f"{report.title} — partial, up to {now:%-d %B %Y}")
        settings = ctx.config.settings
        rendered = _render(ctx, report, formats)
        paths = write_report(report, rendered.files, output_dir=settings.data_dir / PARTIAL_DIR, force=True)
        written = {k: str(v) for k, v in paths.items()}
        run.end("ok", detail={"partial_period": True, "files": written, "missing": rendered.missing})
    return BuildResult(report=report, files=written, missing=rendered.missing, partial=True)


def _files_gone(ctx: Context, spec: ReportSpec, period: Period) -> str | None:
    """Which files of a done build are missing from the disk ("japan-2025-11.pdf is"), or None."""
    existing = ctx.store.builds.get(spec.slug, period.key)
    if existing is None or existing.status != "done" or not existing.files:
        return None
    missing = sorted(Path(path).name for path in existing.files.values() if not Path(path).exists())
    if not missing:
        return None
    return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'}"


def _skipped_build(ctx: Context, spec: ReportSpec, period: Period, run: RunRecord) -> BuildResult:
    """Record and return a build that was not done because it is done or under way elsewhere."""
    existing = ctx.store.builds.get(spec.slug, period.key)
    done = existing is not None and existing.status == "done"
    if existing is not None and done:
        when = f" on {existing.finished_at:%Y-%m-%d %H:%M} UTC" if existing.finished_at else ""
        skip = BuildSkip(True, f"already built{when}; --force rebuilds it", existing.paragraphs or 0)
    elif existing is not None:
        since = f"{existing.started_at:%Y-%m-%d %H:%M} UTC"
        skip = BuildSkip(False, f"being built by {existing.owner} since {since}")
    else:
        skip = BuildSkip(False, "being built by another process")
    run.end("skipped", detail={"reason": skip.reason, "build": existing.id if existing else None})
    log.info("%s %s: %s", spec.slug, period.key, skip.reason)
    # The stored report is not read back: callers get its title, period and files, and the skip.
    placeholder = Report(
        spec=spec,
        period=period,
        title=spec.title_for(period),
        generated=(existing.finished_at if existing and existing.finished_at else ctx.now()),
        overview=(),
        sections=(),
        sources=(),
    )
    return BuildResult(
        report=placeholder,
        files=dict(existing.files) if done and existing else {},
        skip=skip,
        build_id=existing.id if existing else None,
    )


# --- run: ingest + build + send -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What `run` did: the ingest, the build, and the delivery (or why nothing was sent)."""

    ingest: IngestResult
    build: BuildResult
    delivery: DeliveryResult | None = None
    not_sent: str | None = None  # why nothing was sent, when nothing was


def run(
    ctx: Context,
    spec: ReportSpec,
    period: Period,
    *,
    force: bool = False,
    send: bool = True,
    formats: Sequence[str] = FORMATS,
) -> RunOutcome:
    """Ingest, build and send one report for one period: the monthly job, or `reporter run`."""
    check_period(spec, period, ctx.now())  # before any fetching: only a period that is over is sent
    ingested = ingest(ctx, spec)
    built = build(ctx, spec, period, formats=formats, force=force)
    if not send:
        return RunOutcome(ingested, built, not_sent="not asked to send")
    reason = why_not_send(ctx, spec, period, built)
    if reason is not None:
        with ctx.store.runs.record("send", report=spec.slug, period=period.key) as sending:
            sending.end("skipped", detail={"reason": reason})
        log.info("%s %s not sent: %s", spec.slug, period.key, reason)
        return RunOutcome(ingested, built, not_sent=reason)
    return RunOutcome(ingested, built, delivery=deliver_report(ctx, built))


def why_not_send(ctx: Context, spec: ReportSpec, period: Period, built: BuildResult) -> str | None:
    """None if the build should be sent; else the reason it should not."""
    if built.skip is not None:
        # A done build is sent again through the outbox, which skips whoever already has it: that is
        # how a send interrupted by a crash is completed. One still being built is its owner's to send.
        if not built.skip.done:
            return "being built by another process, which sends it"
        empty = not built.skip.paragraphs
    else:
        empty = built.report.is_empty
    if empty and not spec.send_empty:
        return "nothing was reported in the period (set send_empty: true to send empty reports)"
    if not _has_subscribers(ctx, spec):
        return "the report has no subscribers"
    return None


def deliver_report(ctx: Context, built: BuildResult) -> DeliveryResult:
    """Email a finished build to the report's subscribers: the Report in hand, or read back if skipped.

    The outbox is keyed by (build, subscriber), so calling this again sends only what was not sent.
    """
    from reporter.deliver import send_built, send_report

    spec, period = built.report.spec, built.report.period
    if built.skipped or built.build_id is None:
        # Built earlier (a send interrupted by a crash is completed this way): read back from its JSON.
        return send_report(
            ctx.config, spec.slug, period.key, now=ctx.now(), store=ctx.store, progress=ctx.progress
        )
    files = {fmt: Path(path) for fmt, path in built.files.items()}
    return send_built(
        ctx.store, ctx.config, built.report, files, built.build_id, now=ctx.now(), progress=ctx.progress
    )


def _has_subscribers(ctx: Context, spec: ReportSpec) -> bool:
    return bool(ctx.store.subscribers.active(spec.slug))


def compose_report(ctx: Context, spec: ReportSpec, period: Period) -> Report:
    """Analyze the items near the period and compose the report (nothing is written)."""
    from reporter.compose import compose

    # A margin either side: digests published just after a period report on it, and the
    # composer records what falls outside with its reason.
    items = ctx.store.items.for_sources(
        _sources_of([spec]),
        since=period.start_dt - timedelta(days=62),
        until=period.end_dt + timedelta(days=31),
    )
    from reporter.nlp import storyvectors

    analysed = _analysed(ctx, items)
    return compose(
        list(ctx.placer().place_all(analysed, spec)),
        spec,
        period,
        now=ctx.now(),
        problems=feed_problems(ctx, spec),
        previous_counts=previous_counts(ctx.config.settings.output_dir, spec, period),
        vectors=storyvectors.stored(record.vector for _, record in analysed),
    )


def previous_counts(output_dir: Path, spec: ReportSpec, period: Period) -> dict[str, int] | None:
    """Items per section in the period before, from its published JSON; None if there is none."""
    import json

    last = period.previous()
    path = output_dir / spec.slug / last.key / f"{spec.slug}-{last.key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {row["section"]: int(row["items"]) for row in data.get("coverage", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class Rendered:
    """The formats that rendered, and for each one that did not, why (message and hint)."""

    files: dict[str, bytes]
    missing: dict[str, str] = field(default_factory=dict)


def render_report(
    report: Report,
    *,
    formats: Sequence[str],
    templates_dir: Path | None,
    pdf_limits: tuple[float, int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Rendered:
    """Render the report in each requested format; a PDF that fails leaves the other formats written.

    `pdf_limits` is the renderer's (seconds, MB of address space), from the settings.
    """
    from reporter.errors import RenderError
    from reporter.render import render_html, render_json, render_markdown, render_pdf

    files: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    html: str | None = None
    progress.begin("rendering", len(formats), "formats")
    if "html" in formats or "pdf" in formats:
        html = render_html(report, templates_dir=templates_dir)
    if "html" in formats and html is not None:
        files["html"] = html.encode("utf-8")
        progress.step("rendering", detail="html")
    if "pdf" in formats and html is not None:
        timeout, memory_mb = pdf_limits or (300.0, 2048)
        try:
            files["pdf"] = render_pdf(
                html,
                templates_dir=templates_dir,
                timeout=timeout,
                memory_mb=memory_mb,
                pdf_variant=PDF_VARIANT,
            )
        except RenderError as exc:  # the PDF is the heaviest format; its failure must not cost the rest
            missing["pdf"] = f"{exc} (hint: {exc.hint})" if exc.hint else str(exc)
        progress.step("rendering", "failed" if "pdf" in missing else "done", "pdf")
    if "json" in formats:
        files["json"] = render_json(report).encode("utf-8")
        progress.step("rendering", detail="json")
    if "md" in formats:
        files["md"] = render_markdown(report).encode("utf-8")
        progress.step("rendering", detail="md")
    progress.end("rendering")
    return Rendered(files, missing)


def feed_problems(ctx: Context, spec: ReportSpec) -> tuple[str, ...]:
    """One line per feed of this report whose last fetch failed, to be said in the report."""
    wanted = set(spec.feeds)
    return tuple(
        f"{state.name}: {state.last_error}"
        for state in ctx.store.feeds.all()
        if state.name in wanted and state.last_error and state.consecutive_failures > 0
    )
