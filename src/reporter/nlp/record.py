"""The report-independent analysis of one item, as it is stored: the typed record and its codec.

The spaCy pass (`nlp/analyze.py`) makes an `ItemAnalysis` once per item; the store keeps it
(`store/analyses.py`); every build reads it back and places its units in one report's sections
(`nlp/placing.py`). Nothing here depends on a report: sections, relevance and the subject are decided
at build time.

The codec is generic: any frozen dataclass made of str, int, float, bool, None, date, datetime, bytes,
tuples and other such dataclasses is encoded as JSON (each object as a list of its field values, in
field order), then zlib-compressed. A field someone adds to these classes is stored without a schema
change; because `SCHEMA` (a hash of every field name and type reachable from `ItemAnalysis`) is part of
the analyzer version, the change also re-analyzes stored items lazily, so a record is only ever decoded
by the classes that wrote it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import types
import typing
import zlib
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from reporter.models import Attribution, DateMention, Span
from reporter.nlp.mentions import RawMention
from reporter.nlp.passages import Block
from reporter.nlp.storyvectors import StoryVector

# Bump when the analysis itself changes (rules, thresholds, what is found) without a field changing.
# 2: "U.S.-Japan" splits at the hyphen; lists and yardsticks marked in titles. 3: story vectors stored.
CODE_VERSION = 3
MAX_CHARS = 400_000  # only this much of an item's text is analysed; offsets are into it


@dataclass(frozen=True, slots=True)
class Unit:
    """A stretch of the item that becomes a passage (report and heading styles) or a block of one.

    In topic style (an article without headings) every block is a unit, and the build merges
    consecutive units on the same topic for its own report's sections; otherwise units are final.
    """

    blocks: tuple[Block, ...]
    heading: Block | None = None
    dates: tuple[DateMention, ...] = ()
    attribution: Attribution | None = None  # None: the item's own attribution
    reason: str | None = None  # why this attribution (report style)
    topical: bool = False  # uses words of foreign relations ("summit", "sanctions", "talks")
    relative: bool = False  # has a date read from the text before it ("the previous day", "the 15th")
    sentences: tuple[Span, ...] = ()  # of its paragraphs and list items, clipped to each and trimmed

    @property
    def start(self) -> int:
        """Where the unit's body starts."""
        return self.blocks[0].start

    @property
    def end(self) -> int:
        """Where the unit's body ends."""
        return self.blocks[-1].end


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """What the analyzer found in one item, for any report: units (with sentences), mentions, attribution."""

    item_id: str
    version: str  # the analyzer version that made it (see `nlp/model.analyzer_version`)
    style: str  # "report" (a digest citing outlets) | "headings" | "topic"
    units: tuple[Unit, ...]
    attribution: Attribution  # the item's own: outlet, authors, date, title, URL
    mentions: tuple[RawMention, ...] = ()  # in the body, listed ones marked, in text order
    title_mentions: tuple[RawMention, ...] = ()
    notes: tuple[str, ...] = ()  # what the analyzer could not infer (report-independent)
    vector: StoryVector | None = None  # the item's content vector for story-finding (nlp/storyvectors.py)


# --- codec ----------------------------------------------------------------------------------------


def encode(record: ItemAnalysis) -> bytes:
    """The record as compressed JSON."""
    return zlib.compress(json.dumps(_plain(record), separators=(",", ":")).encode("utf-8"), 1)


def decode(data: bytes) -> ItemAnalysis:
    """A record back from `encode`'s bytes."""
    return _decoder(ItemAnalysis)(json.loads(zlib.decompress(data)))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [_plain(getattr(value, f.name)) for f in _fields(type(value))]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, bytes):
        return b64encode(value).decode("ascii")
    return value


@cache
def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(cls)


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function turning the JSON form of type `tp` back into a value of it.

    It is written as Python source (one expression per field, nested classes inlined) and compiled once:
    a build decodes thousands of records, and a call per field costs more than the decoding itself.
    """
    names: dict[str, Any] = {}
    source = f"def decode(v):\n    return {_expression(tp, 'v', names, 0)}\n"
    exec(compile(source, f"<decoder of {getattr(tp, '__name__', tp)}>", "exec"), names)
    return names["decode"]


def _expression(tp: Any, var: str, names: dict[str, Any], depth: int) -> str:
    """Python source for the value of type `tp` whose JSON form is the expression `var`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return var
        inner = _expression(args[0], var, names, depth)
        return var if inner == var else f"(None if {var} is None else {inner})"
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            x = f"x{depth}"
            each = _expression(args[0], x, names, depth + 1)
            return f"tuple({var})" if each == x else f"tuple([{each} for {x} in {var}])"
        parts = [_expression(a, f"{var}[{n}]", names, depth) for n, a in enumerate(args)]
        return "(" + "".join(f"{p}, " for p in parts) + ")"
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        name = _name(tp, names)
        fields = [_expression(hints[f.name], f"{var}[{n}]", names, depth) for n, f in enumerate(_fields(tp))]
        return f"{name}({', '.join(fields)})"
    if tp is datetime:
        return f"{_name(datetime.fromisoformat, names, 'datetime_from')}({var})"
    if tp is date:
        return f"{_name(date.fromisoformat, names, 'date_from')}({var})"
    if tp is bytes:
        return f"{_name(b64decode, names, 'b64decode')}({var})"
    return var


def _name(value: Any, names: dict[str, Any], label: str | None = None) -> str:
    """The name `value` has in the decoder's namespace (given one on first use)."""
    for name, known in names.items():
        if known is value:
            return name
    name = f"_{label or value.__name__}_{len(names)}"
    names[name] = value
    return name


@cache
def schema_hash() -> str:
    """A short hash of every field (name and type) the record holds, so any change shows in the version."""
    seen: list[str] = []

    def walk(tp: Any) -> None:
        for arg in typing.get_args(tp):
            walk(arg)
        if dataclasses.is_dataclass(tp) and tp.__name__ not in seen:
            seen.append(tp.__name__)
            hints = typing.get_type_hints(tp)
            seen.append(",".join(f"{f.name}:{_type_text(hints[f.name])}" for f in _fields(tp)))
            for f in _fields(tp):
                walk(hints[f.name])

    walk(ItemAnalysis)
    return hashlib.sha256(";".join(seen).encode()).hexdigest()[:8]


def _type_text(tp: Any) -> str:
    """A type as text without the modules its classes live in: moving a class changes no stored record."""
    return _MODULE_PATH.sub("", str(tp))


_MODULE_PATH = re.compile(r"\b(?:[a-z_][a-z0-9_]*\.)+(?=[A-Z])")  # "reporter.models.analysis." of "...Span"
