"""The gazetteer's data: its entities as gazetteer.yaml gives them, read and checked against the schema.

nlp/gazetteer.py builds the lookups and the spaCy patterns from these; the file's own header documents
the keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

KINDS = ("country", "territory", "group", "region")
ROLES = ("name", "demonym", "metonym", "person", "place", "company")

_FIELDS = ("code", "kind", "name", "names", "demonyms", "metonyms", "people", "members")
_OPTIONAL = ("places", "companies")  # most entities list none, so the keys may be left out
_PHRASE_FIELDS = (
    ("names", "name"),
    ("demonyms", "demonym"),
    ("metonyms", "metonym"),
    ("people", "person"),
    ("places", "place"),
    ("companies", "company"),
)
CURLY_APOSTROPHE = "\u2019"


@dataclass(frozen=True, slots=True)
class Entity:
    """A country, territory, group or region and the phrases that name it."""

    code: str  # ISO 3166-1 alpha-2, or an UPPER_CASE mnemonic for groups and regions
    kind: str  # one of KINDS
    name: str  # display name
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    metonyms: tuple[str, ...]
    people: tuple[str, ...]
    members: tuple[str, ...]  # member codes (groups, regions) or the owning state (territories)
    places: tuple[str, ...] = ()  # regions and cities inside it that stand for it in the news ("Okinawa")
    companies: tuple[str, ...] = ()  # its large companies, which act abroad ("Toyota", "Huawei")

    def phrases(self) -> Iterator[tuple[str, str]]:
        """Yield every phrase of this entity with its role (one of ROLES)."""
        for field, role in _PHRASE_FIELDS:
            for phrase in getattr(self, field):
                yield phrase, role


class GazetteerError(ValueError):
    """The gazetteer data is not valid; `problems` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count}:\n" + "\n".join(f"  {p}" for p in problems))


def phrase_problems(where: str, phrase: str) -> list[str]:
    """What is wrong with how a phrase is written (empty, extra spaces, a typographic apostrophe)."""
    if not phrase.strip():
        return [f"{where}: empty phrase"]
    if phrase != " ".join(phrase.split()):
        return [f"{where}: {phrase!r} has extra whitespace"]
    if CURLY_APOSTROPHE in phrase:
        return [f"{where}: {phrase!r} has a typographic apostrophe; write ' (the ’ form is matched too)"]
    return []


def parse_document(raw: object) -> tuple[list[Entity], list[str], list[str]]:
    """Turn the YAML document into entities and ignore phrases, collecting every schema problem."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return [], [], ["the file must be a mapping with the keys 'entities' and 'ignore'"]
    for key in sorted(set(raw) - {"entities", "ignore"}, key=str):
        problems.append(f"unknown top-level key {key!r} (expected 'entities' and 'ignore')")
    raw_entities = raw.get("entities")
    if not isinstance(raw_entities, list):
        problems.append("'entities' must be a list")
        raw_entities = []
    raw_ignore = raw.get("ignore", [])
    if raw_ignore is None:
        raw_ignore = []
    ignore, ignore_problems = _strings("ignore", raw_ignore)
    problems.extend(ignore_problems)

    entities: list[Entity] = []
    for number, item in enumerate(raw_entities, start=1):
        code = item.get("code") if isinstance(item, Mapping) else None
        where = f"entity #{number}" + (f" ({code})" if isinstance(code, str) else "")
        if not isinstance(item, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        item_problems: list[str] = []
        missing = [f for f in _FIELDS if f not in item]
        unknown = sorted(str(k) for k in item if k not in (*_FIELDS, *_OPTIONAL))
        if missing:
            item_problems.append(f"{where}: missing keys: {', '.join(missing)}")
        if unknown:
            item_problems.append(f"{where}: unknown keys: {', '.join(unknown)}")
        scalars: dict[str, str] = {}
        for field in ("code", "kind", "name"):
            value = item.get(field)
            if field in item and not isinstance(value, str):
                hint = " (quote it: YAML reads NO as false)" if value is False else ""
                item_problems.append(f"{where}: {field} must be a string, not {value!r}{hint}")
            scalars[field] = value if isinstance(value, str) else ""
        lists: dict[str, tuple[str, ...]] = {}
        for field in (*_FIELDS[3:], *_OPTIONAL):
            values, list_problems = _strings(f"{where}: {field}", item.get(field, []))
            item_problems.extend(list_problems)
            lists[field] = tuple(values)
        problems.extend(item_problems)
        if scalars["code"]:
            # Keep a damaged entity so that its code still counts and no false "unknown member" follows.
            scalars["name"] = scalars["name"] or scalars["code"]
            entities.append(Entity(**scalars, **lists))
    return entities, ignore, problems


def _strings(where: str, value: object) -> tuple[list[str], list[str]]:
    if value is None:
        return [], []
    if not isinstance(value, list):
        return [], [f"{where} must be a list"]
    strings = [v for v in value if isinstance(v, str)]
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        hint = " (quote it: YAML reads NO as false)" if False in bad else ""
        return strings, [f"{where} must hold strings only, found {', '.join(map(repr, bad))}{hint}"]
    return strings, []
