"""Is this machine able to build reports? Libraries, fonts, the spaCy model, folders, seeds."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess

from reporter.check.finding import Finding
from reporter.config import Config
from reporter.nlp.model import INSTALL_HINT, MODELS


def check_environment(config: Config) -> list[Finding]:
    """Check everything a build needs besides the configuration itself."""
    return [
        _weasyprint(),
        _fonts(),
        _spacy_model(),
        _tool("pdftotext", "poppler-utils", required=False),
        _writable("output folder", config.settings.output_dir),
        _writable("data folder", config.settings.data_dir),
        _database(config.settings.database_url),
        _seeds(config),
    ]


def _weasyprint() -> Finding:
    try:
        import weasyprint
    except OSError as exc:  # Pango or HarfBuzz missing: WeasyPrint fails while loading them
        return Finding(
            "WeasyPrint",
            False,
            f"its system libraries are missing ({exc})",
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        )
    except ImportError:
        return Finding("WeasyPrint", False, "not installed", "run scripts/setup")
    return Finding("WeasyPrint", True, f"version {weasyprint.__version__}")


def _fonts() -> Finding:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return Finding("fonts", False, "fontconfig not found", "apt-get install fontconfig", required=False)
    out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False).stdout
    missing = [f for f in ("Noto Serif", "Noto Sans CJK JP") if f not in out]
    if missing:
        return Finding(
            "fonts",
            False,
            f"missing {', '.join(missing)}: accents or CJK names may print as boxes",
            "apt-get install fonts-noto-core fonts-noto-cjk",
            required=False,
        )
    return Finding("fonts", True, "Noto Serif and Noto CJK found")


def _spacy_model() -> Finding:
    for name in MODELS:
        if importlib.util.find_spec(name) is not None:
            return Finding("spaCy model", True, name)
    return Finding(
        "spaCy model",
        False,
        "no English model: analysis falls back to rules and the gazetteer (no people or organisations)",
        f"run scripts/setup, or {INSTALL_HINT}",
        required=False,
    )


def _tool(name: str, package: str, *, required: bool) -> Finding:
    path = shutil.which(name)
    if path:
        return Finding(name, True, path)
    return Finding(name, False, "not found", f"apt-get install {package}", required=required)


def _writable(label: str, path: os.PathLike[str] | str) -> Finding:
    """Write (and remove) a small file there: permission bits say nothing to root or to a full disk."""
    import tempfile
    from pathlib import Path

    p = Path(path)
    probe = p
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".reporter-check-") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return Finding(
            label,
            False,
            f"{p} is not writable: {exc.strerror or exc}",
            "fix its permissions, free some space, or set another folder in feeds.yaml",
        )
    free_mb = shutil.disk_usage(probe).free / 1024 / 1024
    if free_mb < 1:
        return Finding(
            label, False, f"{p}: the disk is full ({free_mb * 1024:.0f} KB free)", "free some space"
        )
    if free_mb < 100:
        return Finding(
            label,
            False,
            f"{p}: only {free_mb:.0f} MB free",
            "free some space: a month's PDF and HTML take tens of MB",
            required=False,
        )
    return Finding(label, True, f"{p} ({free_mb:,.0f} MB free)")


def _database(url: str) -> Finding:
    """Open the store and try a write (rolled back): a read-only database fails here, not mid-build."""
    from sqlalchemy import text

    from reporter.errors import ReporterError
    from reporter.store import Store

    shown = url.split("@")[-1] if "@" in url else url
    try:
        store = Store.open(url)
    except ReporterError as exc:
        return Finding("database", False, str(exc), exc.hint)
    except Exception as exc:
        return _database_failure(exc)
    try:
        with store.engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    except Exception as exc:
        return _database_failure(exc)
    finally:
        store.close()
    return Finding("database", True, f"{shown} (writable)")


def _database_failure(exc: Exception) -> Finding:
    """A database error we know, as a failed finding; any other is raised again (a bug, not a state)."""
    from reporter.errors import database_error

    handled = database_error(exc)
    if handled is None:
        raise exc
    return Finding("database", False, str(handled), handled.hint)


def _seeds(config: Config) -> Finding:
    """Seeds are checked against what the reports want: a missing folder is an error if one wants them."""
    from reporter.errors import SeedError
    from reporter.sources.seeds import MANIFEST, read_manifest, seed_files

    folder = config.settings.seeds_dir
    wanting = [r.slug for r in config.reports if r.seeds]
    if not wanting:  # with no reports at all, the reports' finding says so
        why = "(seeds: false)" if config.reports else "(no reports are configured)"
        return Finding("seeds", True, f"no report reads seed documents {why}", required=False)
    if not folder.is_dir():
        return Finding(
            "seeds",
            False,
            f"{folder} is not a folder, but {', '.join(wanting)} read seed documents",
            "fix settings.seeds_dir in feeds.yaml, or set seeds: false on the report",
        )
    files = seed_files(folder)
    if not files:
        return Finding(
            "seeds",
            False,
            f"no seed documents in {folder} ({', '.join(wanting)} read them; feeds only for now)",
            "put .txt, .md, .html or .pdf documents there, or set seeds: false on the report",
            required=False,
        )
    try:
        described = read_manifest(folder)
    except SeedError as exc:  # ingest would read every seed without its manifest's dates and outlets
        return Finding("seeds", False, str(exc), exc.hint)
    manifest = f", {len(described)} described in {MANIFEST}" if described else ""
    return Finding("seeds", True, f"{len(files)} file(s) in {folder}{manifest}")
