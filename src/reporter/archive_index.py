"""The archive's list of reports: each from a small summary kept beside it, so listing reads no report.

A report's JSON is its full text (a long month is megabytes); the index needs five things from it.
`archive.write_report` writes them to `.index-entry.json` in the report's folder, with the JSON
file's identity (size, mtime, ctime, inode) when the summary was made. `scan` trusts a summary only
while that identity still matches, so a report rebuilt, replaced by hand or restored from a backup
is read in full once more, and its summary rewritten where the folder is writable.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from reporter.atomic import atomic_write
from reporter.models import FORMATS, PERIOD_KEY_RE, SLUG_RE

log = logging.getLogger(__name__)

# A dot file: never served (web/files.py serves only names starting with a letter or digit), never a
# report (scan finds reports by <slug>-<YYYY-MM>.json) and never among a build's files.
SUMMARY = ".index-entry.json"
SUMMARY_VERSION = 1  # bump when Summary's fields change: older summaries are then remade from the JSON


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


@dataclass(frozen=True, slots=True)
class Summary:
    """What the index shows of one report, as read from its JSON (empty text where the JSON has none)."""

    title: str
    period_label: str
    generated: str  # the day, YYYY-MM-DD
    paragraphs: int
    overview: tuple[str, ...]

    def entry(self, slug: str, period_key: str, links: dict[str, str]) -> IndexEntry:
        """The index entry of the report in output/<slug>/<period_key>/ with these files."""
        return IndexEntry(
            slug=slug,
            title=self.title or slug,
            period_key=period_key,
            period_label=self.period_label or period_key,
            generated=self.generated,
            paragraphs=self.paragraphs,
            links=links,
            overview=self.overview,
        )


def summarise(data: Any) -> Summary:
    """The summary of a report's JSON data; ValueError if it is not a report's JSON object."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    period = data.get("period")
    sections = data.get("sections")
    return Summary(
        title=str(data.get("title") or ""),
        period_label=str((period.get("label") if isinstance(period, dict) else None) or ""),
        generated=_day(data.get("generated")),
        paragraphs=sum(
            len(s.get("paragraphs") or ())
            for s in (sections if isinstance(sections, list) else ())
            if isinstance(s, dict)
        ),
        overview=tuple(str(s) for s in data.get("overview") or ()),
    )


def _day(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).date().isoformat()
    except ValueError:
        return ""


def _identity(st: os.stat_result) -> list[int]:
    # ctime cannot be set back by hand (cp -p, touch -d and tar keep or set mtime, never ctime), and a
    # rename-over gives a new inode: together they tell any replaced JSON from the one summarised.
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def write_summary(folder: Path, summary: Summary, json_stat: os.stat_result) -> None:
    """Write the folder's summary for the JSON file whose stat is `json_stat` (OSError if it cannot)."""
    record = {"summary": SUMMARY_VERSION, "json": _identity(json_stat), **asdict(summary)}
    # Renamed into place whole, but not fsynced: a summary lost or torn in a crash fails its own
    # check and is remade from the JSON, so the report's durability does not depend on it.
    atomic_write(folder / SUMMARY, orjson.dumps(record), durable=False)


def remove_summary(folder: Path) -> None:
    """Remove the folder's summary (its report's JSON is gone)."""
    (folder / SUMMARY).unlink(missing_ok=True)


def read_summary(path: Path, json_stat: os.stat_result) -> Summary | None:
    """The summary at `path` if it is whole, of this version, and made from this very JSON file; else None."""
    try:
        record = orjson.loads(path.read_bytes())
        if (
            not isinstance(record, dict)
            or record.get("summary") != SUMMARY_VERSION
            or record.get("json") != _identity(json_stat)
        ):
            return None
        summary = Summary(
            title=record["title"],
            period_label=record["period_label"],
            generated=record["generated"],
            paragraphs=record["paragraphs"],
            overview=tuple(record["overview"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    texts = (summary.title, summary.period_label, summary.generated, *summary.overview)
    if not all(isinstance(t, str) for t in texts) or type(summary.paragraphs) is not int:
        return None
    return summary


def scan(output_dir: Path) -> list[IndexEntry]:
    """Every report period on disk (found by its .json), newest period first, read from its summary."""
    entries: list[IndexEntry] = []
    for slug, slug_dir in _folders(Path(output_dir), SLUG_RE):
        for key, folder in _folders(slug_dir, PERIOD_KEY_RE):
            entry = _entry(folder, slug, key)
            if entry is not None:
                entries.append(entry)
    entries.sort(key=lambda e: (e.period_key, e.slug), reverse=True)
    return entries


def _folders(parent: Path, pattern: re.Pattern[str]) -> list[tuple[str, Path]]:
    """The sub-folders of `parent` whose names match, sorted; none if it cannot be read."""
    try:
        with os.scandir(parent) as found:
            return sorted((e.name, Path(e.path)) for e in found if pattern.match(e.name) and e.is_dir())
    except OSError:
        return []


def _entry(folder: Path, slug: str, key: str) -> IndexEntry | None:
    """One report's entry: one listing of its folder, one stat of its JSON, and its summary or JSON."""
    stem = f"{slug}-{key}"
    try:
        with os.scandir(folder) as found:
            files = {e.name: e for e in found}
        report = files.get(f"{stem}.json")
        if report is None:
            return None
        json_stat = report.stat()
    except OSError as exc:
        log.warning("skipping %s in the index: %s", folder, exc)
        return None
    links = {
        ext: f"{slug}/{key}/{stem}.{ext}"
        for ext in FORMATS
        if (f := files.get(f"{stem}.{ext}")) is not None and _is_file(f)
    }
    summary = read_summary(folder / SUMMARY, json_stat) if SUMMARY in files else None
    if summary is None:
        summary = _from_json(folder / f"{stem}.json")
    return summary.entry(slug, key, links) if summary is not None else None


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _from_json(path: Path) -> Summary | None:
    """Summarise the report's JSON (a report without a current summary) and keep the summary if we may."""
    try:
        with open(path, "rb") as fh:
            # The stat of the open file is the stat of exactly the bytes read, even if a build renames
            # a new JSON into place meanwhile: the summary written here then fails its check next time.
            json_stat = os.fstat(fh.fileno())
            summary = summarise(orjson.loads(fh.read()))
    except (OSError, ValueError, TypeError) as exc:
        log.warning("skipping %s in the index: %s", path, exc)
        return None
    try:
        write_summary(path.parent, summary, json_stat)
    except OSError as exc:  # a read-only archive (another user's, a mounted copy) is listed all the same
        log.debug("cannot keep the index summary of %s: %s", path, exc)
    return summary
