"""What every stage is handed: the configuration, the store, the clock, the analyzer and progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reporter.config import Config, load_config
from reporter.progress import NO_PROGRESS, Progress
from reporter.store import Store

if TYPE_CHECKING:
    from reporter.nlp.analyze import Analyzer
    from reporter.nlp.placing import Placer
    from reporter.nlp.stored import Analysing


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
