"""Pydantic's validation errors as one line each: 'line N: where: what (hint)'."""

from __future__ import annotations

import difflib
from typing import Any

from reporter.config.lines import LineIndex, dotted
from reporter.config.schema import fields_at


def describe(err: Any, index: LineIndex) -> str:
    """One pydantic error as 'line N: where: what (hint)'."""
    # Union and literal branches add their own names to the location; drop them.
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in {"str", "list[str]"})))
    line = index.line_of(loc)
    where = dotted(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent_fields = fields_at(loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), parent_fields, n=1)
        tip = (
            f" (did you mean '{guess[0]}'?)"
            if guess
            else (f" (known keys: {', '.join(sorted(parent_fields))})" if parent_fields else "")
        )
        return f"line {line}: {dotted(loc[:-1])}: unknown key '{loc[-1]}'{tip}"
    if kind == "missing":
        return f"line {line}: {where}: required key is missing"
    if loc in index.bool_words:
        word = index.bool_words[loc]
        return (
            f"line {line}: {where}: YAML read the bare word {word} as a boolean; "
            f'quote it ("{word}") if you meant the text'
        )
    msg = err["msg"].removeprefix("Value error, ")  # our validators' own words need no prefix
    return f"line {line}: {where}: {msg} (got {err.get('input')!r})"
