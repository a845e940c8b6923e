"""Write rendered reports into output/ atomically, and keep output/index.html listing them all."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

import orjson

from reporter.archive_index import IndexEntry, remove_summary, scan, summarise, write_summary
from reporter.atomic import atomic_write
from reporter.errors import ReporterError
from reporter.models import FORMATS, PERIOD_KEY_RE, SLUG_RE, Report

log = logging.getLogger(__name__)

INDEX = "index.html"


class ArchiveError(ReporterError):
    """The output folder could not be written or read."""


class AlreadyPublished(ArchiveError):
    """This report's period was published before; the previous version is kept."""

    def __init__(self, slug: str, period_key: str, existing: dict[str, Path]):
        self.slug = slug
        self.period_key = period_key
        self.existing = existing
        super().__init__(
            f"{slug} {period_key} is already published ({', '.join(sorted(existing))}); "
            "kept the previous version",
            hint=f"use --force to replace it: reporter build {slug} --period {period_key} --force",
        )


def report_paths(output_dir: Path, slug: str, period_key: str) -> dict[str, Path]:
    """Where each format of one report period lives: output/<slug>/<YYYY-MM>/<slug>-<YYYY-MM>.<ext>."""
    if not SLUG_RE.match(slug):
        raise ArchiveError(f"report slug {slug!r} cannot be used as a folder name", hint="use a-z, 0-9 and -")
    if not PERIOD_KEY_RE.match(period_key):
        raise ArchiveError(f"period {period_key!r} is not YYYY-MM")
    folder = Path(output_dir) / slug / period_key
    return {ext: folder / f"{slug}-{period_key}.{ext}" for ext in FORMATS}


def published(output_dir: Path, slug: str, period_key: str) -> dict[str, Path]:
    """The formats of this report period already on disk."""
    return {ext: p for ext, p in report_paths(output_dir, slug, period_key).items() if p.exists()}


def write_report(
    report: Report, files: dict[str, bytes], *, output_dir: Path, force: bool = False
) -> dict[str, Path]:
    """Write each format atomically; refuse (AlreadyPublished) to replace a published period unless forced."""
    slug, key = report.spec.slug, report.period.key
    paths = report_paths(output_dir, slug, key)
    unknown = sorted(set(files) - set(FORMATS))
    if unknown:
        raise ArchiveError(
            f"unknown output format(s): {', '.join(unknown)}", hint=f"use {', '.join(FORMATS)}"
        )
    folder = paths["json"].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(
            f"cannot create {folder}: {exc.strerror}", hint="check output_dir in feeds.yaml"
        ) from exc
    with _locked(folder):
        existing = published(output_dir, slug, key)
        if existing and not force:
            raise AlreadyPublished(slug, key, existing)
        written: dict[str, Path] = {}
        for ext in FORMATS:  # json last-but-one, so the index never lists a period without its html
            if ext in files:
                atomic_write(paths[ext], files[ext])
                written[ext] = paths[ext]
        if force:
            # A forced rebuild with fewer formats must not leave a stale file from the old version.
            for ext, old in existing.items():
                if ext not in files:
                    old.unlink(missing_ok=True)
        _keep_summary(folder, paths["json"], files.get("json"))
    log.info("wrote %s %s: %s", slug, key, ", ".join(written))
    return written


def _keep_summary(folder: Path, json_path: Path, data: bytes | None) -> None:
    """Make the folder's index summary match the JSON just written, or remove it with the JSON."""
    if data is None:
        if not json_path.exists():
            remove_summary(folder)
        return
    try:
        summary = summarise(orjson.loads(data))
    except (ValueError, TypeError) as exc:  # the index will skip this JSON too, and say why
        log.warning("%s is not a report's JSON (%s); the index cannot list it", json_path, exc)
        remove_summary(folder)
        return
    try:
        write_summary(folder, summary, json_path.stat())
    except OSError as exc:  # the report is written; the index reads its JSON instead, as for old reports
        log.warning("cannot write the index summary of %s: %s", json_path, exc)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    # Two builds of one period at once (cron and a manual run) must not both think they are first.
    with open(folder / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_index(output_dir: Path, *, templates_dir: Path | None = None) -> Path:
    """Write output/index.html listing every report period on disk, newest first, with links."""
    from reporter.render.templates import environment, stylesheet

    entries = scan(output_dir)
    reports: dict[str, list[IndexEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.slug):
        reports.setdefault(entry.slug, []).append(entry)
    for group in reports.values():
        group.sort(key=lambda e: e.period_key, reverse=True)
    env = environment(templates_dir)
    html = env.get_template("index.html.j2").render(
        entries=entries, reports=reports, css=stylesheet(env, "report.css")
    )
    path = Path(output_dir) / INDEX
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(path, html.encode("utf-8"))
    return path
