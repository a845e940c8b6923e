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
        self.feed_name = feed_name
        self.reason = reason
        super().__init__(
            f"{feed_name}: {reason}",
            hint or f"check the url of '{feed_name}' in feeds.yaml; `reporter ingest -v` shows the response",
        )


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


class NotBuiltYet(ReporterError):
    """A command whose stage is not built yet."""
