"""Errors the user can act on: each says what failed, why, and (in `.hint`) how to fix it."""

from __future__ import annotations


class ReporterError(Exception):
    """Base class: a handled failure with a message and a hint for the fix."""

    hint: str | None = None

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(ReporterError):
    """feeds.yaml (or the environment) is not valid; `problems` lists every problem found."""

    def __init__(self, path: str, problems: list[str], hint: str | None = None):
        self.path = path
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(
            f"{path}: {count}:\n" + "\n".join(f"  {p}" for p in problems),
            hint or "fix the lines above; `reporter check` validates the file again",
        )


class SourceError(ReporterError):
    """A seed file or a feed could not be read."""


class FeedError(SourceError):
    """A feed could not be fetched or parsed."""

    def __init__(self, feed_name: str, reason: str, hint: str | None = None):
        # A reason or hint may quote the server (a page's feed link, a parser's complaint): one line,
        # with no terminal escapes, NUL or bidi overrides, for the terminal, the logs and the store.
        reason, hint = one_line(reason), one_line(hint) if hint else None
        self.feed_name = feed_name
        self.reason = reason
        super().__init__(
            f"{feed_name}: {reason}",
            hint or f"check the url of '{feed_name}' in feeds.yaml; `reporter ingest -v` shows the response",
        )


def one_line(text: str) -> str:
    """Text that may quote the network, as one line without control characters (for terminal and logs)."""
    from reporter.normalize import strip_controls

    return " ".join(strip_controls(text).split())


class SeedError(SourceError):
    """A seed file could not be read."""


class StoreError(ReporterError):
    """The database could not be opened or migrated."""


class AnalysisError(ReporterError):
    """The analysis stage failed (for example, no usable spaCy pipeline)."""


class RenderError(ReporterError):
    """A report could not be rendered to HTML or PDF."""


class DeliveryError(ReporterError):
    """A message could not be delivered."""


def os_error(exc: OSError) -> ReporterError:
    """An operating-system error as a message naming the file, with a hint for the usual causes."""
    import errno

    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    hints = {
        errno.ENOSPC: "the disk is full: free some space (or point output_dir / data_dir elsewhere) "
        "and run again",
        errno.EDQUOT: "the disk quota is used up: free some space and run again",
        errno.EROFS: "that file system is mounted read-only: point output_dir / data_dir at a writable "
        "folder",
        errno.EACCES: "this user may not write there: fix the folder's permissions, or point output_dir / "
        "data_dir at a writable folder",
        errno.EPERM: "this user may not write there: fix the folder's permissions",
    }
    return ReporterError(
        f"cannot write{where}: {reason}",
        hints.get(exc.errno or 0, "check the path and the disk, then run again"),
    )


def database_error(exc: BaseException) -> StoreError | None:
    """A database failure (read-only, locked, gone) as a StoreError with a hint; None if it is not one."""
    try:
        from sqlalchemy.exc import DBAPIError
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    if not isinstance(exc, DBAPIError):
        return None
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return StoreError(
            f"the database is read-only: {reason}",
            "make the database file and its folder writable by this user (SQLite writes a -wal file "
            "beside it), or set REPORTER_DATABASE_URL to a writable database",
        )
    if "disk" in lowered and "full" in lowered:
        return StoreError(f"the database's disk is full: {reason}", "free some space and run again")
    if "locked" in lowered:
        return StoreError(
            f"the database is locked: {reason}",
            "another reporter process holds it; wait for it and run again",
        )
    return StoreError(
        f"a database error: {reason}", "check REPORTER_DATABASE_URL and that the database server is up"
    )
