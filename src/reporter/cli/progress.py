"""Progress on the command line: a Rich bar per stage on a terminal, plain lines when not one.

With -v, every feed and every message gets its own line as well (above the bars on a terminal).
Everything goes to stderr, so stdout keeps only the command's result.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import IO, Any

from rich.console import Console


class _Stage:
    def __init__(self, total: int | None, unit: str) -> None:
        self.total, self.unit = total, unit
        self.outcomes: Counter[str] = Counter()
        self.started = time.monotonic()
        self.task: Any = None


def _summary(stage: str, s: _Stage) -> str:
    done = sum(s.outcomes.values())
    parts = [f"{n} {outcome}" for outcome, n in sorted(s.outcomes.items()) if outcome != "done"]
    tail = f" ({', '.join(parts)})" if parts else ""
    unit = s.unit[:-1] if done == 1 and s.unit.endswith("s") else s.unit
    return f"{stage}: {done} {unit}{tail} in {time.monotonic() - s.started:.1f}s"


class LineProgress:
    """Plain lines (logs, cron mail, a pipe): one line when a stage ends; with -v, one per step too."""

    def __init__(self, stream: IO[str] | None = None, *, verbose: int = 0) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.narrates = verbose > 0
        self.stages: dict[str, _Stage] = {}

    def begin(self, stage: str, total: int | None, unit: str) -> None:
        """A stage starts."""
        self.stages[stage] = _Stage(total, unit)

    def step(self, stage: str, outcome: str = "done", detail: str | None = None) -> None:
        """One unit done; said on its own line with -v when it has a name."""
        s = self.stages.setdefault(stage, _Stage(None, "items"))
        s.outcomes[outcome] += 1
        if self.verbose and detail:
            self.stream.write(f"{stage}: {detail}\n")
            self.stream.flush()

    def end(self, stage: str) -> None:
        """The stage's one-line summary."""
        s = self.stages.pop(stage, None)
        if s is not None and (s.outcomes or s.total):
            self.stream.write(_summary(stage, s) + "\n")
            self.stream.flush()


class TerminalProgress:
    """Rich bars on a terminal (stderr): done / failed counts as they happen, a summary line after."""

    def __init__(self, console: Console, *, verbose: int = 0) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console, self.verbose = console, verbose
        self.narrates = verbose > 0
        self.bars = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]} {task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.stages: dict[str, _Stage] = {}

    def begin(self, stage: str, total: int | None, unit: str) -> None:
        """A stage starts: a new bar."""
        if not self.stages:
            self.bars.start()
        s = self.stages[stage] = _Stage(total, unit)
        s.task = self.bars.add_task(stage, total=total, unit=unit, note="")

    def step(self, stage: str, outcome: str = "done", detail: str | None = None) -> None:
        """Advance the bar; its note counts what did not simply succeed."""
        s = self.stages.get(stage)
        if s is None:
            self.begin(stage, None, "items")
            s = self.stages[stage]
        s.outcomes[outcome] += 1
        note = ", ".join(f"{n} {o}" for o, n in sorted(s.outcomes.items()) if o not in ("done", "sent"))
        if s.outcomes["sent"]:
            note = f"{s.outcomes['sent']} sent" + (f", {note}" if note else "")
        self.bars.update(s.task, advance=1, note=note)
        if self.verbose and detail:
            self.bars.console.print(f"{stage}: {detail}", markup=False, highlight=False)

    def end(self, stage: str) -> None:
        """Remove the bar and print its summary line."""
        s = self.stages.pop(stage, None)
        if s is None:
            return
        self.bars.remove_task(s.task)
        self.bars.console.print(_summary(stage, s), markup=False, highlight=False)
        if not self.stages:
            self.bars.stop()


def make_progress(verbose: int = 0, *, stream: IO[str] | None = None) -> LineProgress | TerminalProgress:
    """Bars when stderr is a terminal, plain lines when it is not (cron, a pipe, a log file)."""
    stream = stream or sys.stderr
    console = Console(file=stream, highlight=False, soft_wrap=True)
    if console.is_terminal:
        return TerminalProgress(console, verbose=verbose)
    return LineProgress(stream, verbose=verbose)
