"""Write rendered reports into output/ atomically, and keep output/index.html listing them all."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
    log.info("wrote %s %s: %s", slug, key, ", ".join(written))
    return written


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `path`, fsync it, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; published files are for everyone to read
        os.replace(tmp, path)
    except OSError as exc:  # a full disk says ENOSPC but not where: name the file being written
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    # Two builds of one period at once (cron and a manual run) must not both think they are first.
    with open(folder / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One published report period, as the archive index lists it."""

    slug: str
    title: str
    period_key: str
    period_label: str
    generated: str
    paragraphs: int
    links: dict[str, str]
    overview: tuple[str, ...] = ()  # the overview's sentences, for the web archive's summaries


def scan(output_dir: Path) -> list[IndexEntry]:
    """Every report period on disk (found by its .json), newest period first."""
    entries: list[IndexEntry] = []
    root = Path(output_dir)
    for json_path in sorted(root.glob("*/*/*.json")):
        slug, key = json_path.parent.parent.name, json_path.parent.name
        if not SLUG_RE.match(slug) or not PERIOD_KEY_RE.match(key) or json_path.name != f"{slug}-{key}.json":
            continue
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("skipping %s in the index: %s", json_path, exc)
            continue
        links = {
            ext: f"{slug}/{key}/{slug}-{key}.{ext}"
            for ext in FORMATS
            if (json_path.parent / f"{slug}-{key}.{ext}").exists()
        }
        period = data.get("period") or {}
        entries.append(
            IndexEntry(
                slug=slug,
                title=str(data.get("title") or slug),
                period_key=key,
                period_label=str(period.get("label") or key),
                generated=_day(data.get("generated")),
                paragraphs=sum(len(s.get("paragraphs") or ()) for s in data.get("sections") or ()),
                links=links,
                overview=tuple(str(s) for s in data.get("overview") or ()),
            )
        )
    entries.sort(key=lambda e: (e.period_key, e.slug), reverse=True)
    return entries


def _day(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).date().isoformat()
    except ValueError:
        return ""


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
