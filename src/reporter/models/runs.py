"""What a run did: the ingest of each source, and the build with its files or why it was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.models.items import SEED_SOURCE
from reporter.models.report import Report


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What ingesting one source did: how many items were new, or why it failed."""

    source: str
    ok: bool
    new_items: int = 0
    seen_items: int = 0
    error: str | None = None
    hint: str | None = None
    not_modified: bool = False
    warnings: tuple[str, ...] = ()  # it worked, but: a malformed feed read anyway, a feed that moved


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of one ingest run across all sources."""

    sources: tuple[SourceResult, ...]

    @property
    def new_items(self) -> int:
        """New items stored across all sources."""
        return sum(s.new_items for s in self.sources)

    @property
    def failures(self) -> tuple[SourceResult, ...]:
        """The sources that failed."""
        return tuple(s for s in self.sources if not s.ok)

    @property
    def all_failed(self) -> bool:
        """Whether nothing could be read: every source failed, and the seeds (if any) held no document."""
        worked = [
            s for s in self.sources if s.ok and (s.source != SEED_SOURCE or s.new_items or s.seen_items)
        ]
        return bool(self.failures) and not worked


@dataclass(frozen=True, slots=True)
class BuildSkip:
    """Why a build was not done: it was done before (and not forced), or another process is on it."""

    done: bool  # True: built before; False: being built by another process, which also sends it
    reason: str  # said to the user as is: "already built on 2025-12-01 06:02 UTC; --force rebuilds it"
    paragraphs: int = 0  # of the stored build, when done


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The outcome of one build: the report and the files written."""

    report: Report
    files: dict[str, str]  # format → path
    skip: BuildSkip | None = None  # why it was not built, when it was not
    missing: dict[str, str] = field(default_factory=dict)  # format → why it was not written
    partial: bool = False  # a preview of a period not over: written apart, never sent
    build_id: int | None = None  # the builds row (the outbox's key); None if nothing was claimed

    @property
    def skipped(self) -> bool:
        """Whether the build was skipped (see `skip`)."""
        return self.skip is not None
