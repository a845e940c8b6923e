"""Read the seed documents in seeds/, with the optional seeds/seeds.yaml manifest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml

from reporter.errors import SeedError
from reporter.models import SEED_SOURCE, RawEntry, SourceResult
from reporter.nlp.sniff import sniff
from reporter.normalize import tidy_text
from reporter.sources.encoding import guess_encoding, looks_binary, utf8_despite

log = logging.getLogger(__name__)

MANIFEST = "seeds.yaml"
SEED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
_MANIFEST_KEYS = {"date", "outlet", "author", "title", "url", "encoding"}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What seeds.yaml says about one file."""

    date: date | None = None
    outlet: str | None = None
    author: str | None = None
    title: str | None = None
    url: str | None = None
    encoding: str = "utf-8"


def read_manifest(seeds_dir: Path) -> dict[str, ManifestEntry]:
    """Parse seeds/seeds.yaml (absent is fine); a broken manifest is a SeedError naming the problem."""
    path = seeds_dir / MANIFEST
    if not path.exists():
        return {}
    from reporter.config.lines import LineIndex

    hint = f"fix {path}: one mapping per file name, with keys {', '.join(sorted(_MANIFEST_KEYS))}"
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        index = LineIndex(node)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeedError(f"{path}: not valid YAML: {exc}", hint) from None
    try:
        data = yaml.safe_load(text) or {}
    except ValueError as exc:  # a date YAML reads but the calendar refuses: 2025-13-45
        raise SeedError(f"{path}: {_bad_date(node)}: not a date ({exc}); write YYYY-MM-DD", hint) from None
    if not isinstance(data, dict):
        raise SeedError(f"{path}: expected a mapping of file names to metadata", hint)
    entries: dict[str, ManifestEntry] = {}
    problems: list[str] = list(index.duplicates)
    for name, meta in data.items():
        if not isinstance(meta, dict):
            problems.append(f"{name}: expected a mapping, got {meta!r}")
            continue
        unknown = set(meta) - _MANIFEST_KEYS
        if unknown:
            problems.append(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
        raw_date = meta.get("date")
        if raw_date is not None and not isinstance(raw_date, date):
            problems.append(f"{name}: date must be YYYY-MM-DD, got {raw_date!r}")
            raw_date = None
        entries[str(name)] = ManifestEntry(
            date=raw_date,
            outlet=_text(meta.get("outlet")),
            author=_text(meta.get("author")),
            title=_text(meta.get("title")),
            url=_text(meta.get("url")),
            encoding=_text(meta.get("encoding")) or "utf-8",
        )
    if problems:
        raise SeedError(f"{path}: " + "; ".join(problems), hint)
    return entries


def _bad_date(node: yaml.Node | None) -> str:
    """Where the first date the calendar refuses is ('line 4: a.txt: 2025-13-45'), found in the YAML tree."""
    for name, meta in node.value if isinstance(node, yaml.MappingNode) else []:
        for key, value in meta.value if isinstance(meta, yaml.MappingNode) else []:
            if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":timestamp"):
                try:
                    date.fromisoformat(value.value[:10])
                except ValueError:
                    return f"line {key.start_mark.line + 1}: {name.value}: {key.value} {value.value}"
    return "a date"


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip() or None


def decode_seed(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    """Decode a seed's bytes strictly; a wrong encoding is a SeedError that says how to fix it.

    Bytes declared as another encoding that are valid UTF-8 are read as UTF-8, with a warning: a
    declaration that turns them into mojibake is the mistake, not the file.
    """
    if (text := utf8_despite(data, encoding)) is not None:
        log.warning(
            "seeds/%s: declared %s in %s, but the file is UTF-8; read as UTF-8 (remove its `encoding:`)",
            path.name,
            encoding,
            MANIFEST,
        )
        return text
    try:
        return data.decode("utf-8-sig" if encoding.lower() in {"utf-8", "utf8"} else encoding)
    except LookupError:
        raise SeedError(f"{path.name}: unknown encoding {encoding!r} in {MANIFEST}") from None
    except UnicodeDecodeError as exc:
        guess = guess_encoding(data)
        guessed = f" (it looks like {guess})" if guess else ""
        raise SeedError(
            f"{path.name}: not valid {encoding} at byte {exc.start}{guessed}",
            f"re-save it as UTF-8 (e.g. `iconv -f {guess or 'cp1252'} -t utf-8`), or declare "
            f"`encoding: {guess or 'cp1252'}` for it in seeds/{MANIFEST}",
        ) from None


def read_seed_file(
    path: Path, entry: ManifestEntry | None = None, *, now: datetime | None = None
) -> RawEntry:
    """One seed file as a RawEntry: the manifest's metadata first, then what the text itself says."""
    entry = entry or ManifestEntry()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SeedError(f"{path.name}: cannot read: {exc.strerror}", "check the file's permissions") from None
    doc = _document(path, data, entry.encoding)
    text = doc.text
    if not text.strip():
        raise SeedError(f"{path.name}: the file is empty", "remove it or add the document's text")
    # Sniffed as normalize will store the text, so the offsets it finds hold in Item.text, and read once:
    # the header travels with the Item and analysis reads it (Item.header).
    tidied = tidy_text(text)
    meta = sniff(tidied)

    published: datetime | None = None
    date_source: str | None = None
    if entry.date:
        published, date_source = datetime.combine(entry.date, time(), tzinfo=UTC), "manifest"
    elif meta.date:
        published = datetime.combine(meta.date, time(), tzinfo=UTC)
        date_source = "text" if meta.date_precision == "day" else "title"
    elif doc.date:
        published, date_source = doc.date, "file"
    return RawEntry(
        source=SEED_SOURCE,
        kind="seed",
        content=text,
        content_type="text/plain",
        title=entry.title or doc.title or meta.title or _first_sentence(tidied[meta.body_start :]),
        link=entry.url,
        author=entry.author or (", ".join(meta.authors) if meta.authors else None) or doc.author,
        outlet=entry.outlet or meta.outlet or doc.outlet,
        published=published,
        date_source=date_source,
        fetched_at=now,
        path=path.name,
        pages=doc.pages,
        header=meta,
    )


def _document(path: Path, data: bytes, encoding: str):  # type: ignore[no-untyped-def]
    """The file's text (and any metadata its format carries), by its suffix."""
    from reporter.sources import seed_formats

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return seed_formats.pdf_text(path)
    if why := looks_binary(data):
        raise SeedError(
            f"{path.name}: not a text file ({why}); skipped",
            "remove it from the seeds folder, or save it as UTF-8 text, Markdown, HTML or PDF",
        )
    if suffix in {".html", ".htm"}:
        return seed_formats.html_text(path, data)
    text = decode_seed(path, data, encoding)
    if suffix in {".md", ".markdown"}:
        return seed_formats.markdown_text(text)
    return seed_formats.Document(text=text)


def _first_sentence(body: str, limit: int = 120) -> str | None:
    first = body.strip().split("\n", 1)[0]
    end = first.find(". ")
    sentence = first[: end + 1] if 0 < end < limit else first
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def seed_files(seeds_dir: Path) -> list[Path]:
    """The seed documents in a folder, by name."""
    if not seeds_dir.is_dir():
        return []
    return sorted(p for p in seeds_dir.iterdir() if p.is_file() and p.suffix.lower() in SEED_SUFFIXES)


def read_seeds(seeds_dir: Path, *, now: datetime) -> tuple[list[RawEntry], list[SourceResult]]:
    """Every readable seed as a RawEntry, and a failed SourceResult for each file that was not."""
    entries: list[RawEntry] = []
    failures: list[SourceResult] = []
    try:
        manifest = read_manifest(seeds_dir)
    except SeedError as exc:
        failures.append(SourceResult(f"seeds/{MANIFEST}", ok=False, error=str(exc), hint=exc.hint))
        manifest = {}
    for path in seed_files(seeds_dir):
        try:
            entries.append(read_seed_file(path, manifest.get(path.name), now=now))
        except SeedError as exc:
            log.warning("skipping seed %s", exc)
            failures.append(SourceResult(f"seeds/{path.name}", ok=False, error=str(exc), hint=exc.hint))
    for name in sorted(set(manifest) - {p.name for p in seed_files(seeds_dir)}):
        log.warning("seeds/%s names %s, which is not in %s", MANIFEST, name, seeds_dir)
    return entries, failures
