"""Printed lists are bounded: the first rows and "and 29,700 more"; the JSON edition keeps every row.

A month of 300 feeds can leave tens of thousands of items out and cite thousands of sources; printed
in full they make a 16 MB HTML page and a PDF that cannot be rendered. Every printed list (HTML,
Markdown, PDF) goes through `bounded`; the JSON renderer does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PRINTED_ROWS = 300  # rows of one printed list; the rest are counted, and all of them are in the JSON


@dataclass(frozen=True, slots=True)
class Bounded(Generic[T]):
    """The rows to print, and how many were held back."""

    shown: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """How many rows are not printed."""
        return self.total - len(self.shown)

    @property
    def more_text(self) -> str:
        """'and 29,700 more (every one is in the JSON edition)', or '' when nothing was held back."""
        return f"and {self.more:,} more (every one is in the JSON edition)" if self.more else ""


def bounded(rows: Sequence[T], limit: int = PRINTED_ROWS) -> Bounded[T]:
    """The first `limit` rows of a printed list, and the count of the others."""
    return Bounded(tuple(rows[: max(0, limit)]), len(rows))
