"""One thing `reporter check` looked at."""

from __future__ import annotations

from typing import NamedTuple


class Finding(NamedTuple):
    """One thing checked: whether it is fine, what was found, and how to fix it."""

    name: str
    ok: bool
    detail: str
    hint: str | None = None
    required: bool = True  # a failed required finding fails `reporter check`; others are warnings

    @property
    def mark(self) -> str:
        """'ok', 'warn' or 'FAIL', as printed."""
        return "ok  " if self.ok else ("FAIL" if self.required else "warn")

    def message(self) -> str:
        """'name: detail', with the hint when it is not fine."""
        hint = "" if self.ok or not self.hint else f" (hint: {self.hint})"
        return f"{self.name}: {self.detail}{hint}"

    def line(self) -> str:
        """The finding as one printed line of `reporter check`."""
        return f"  {self.mark} {self.message()}"
