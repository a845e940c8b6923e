"""The curated gazetteer: which country, territory, group or region a phrase is about.

The data is `reporter/data/gazetteer.yaml` (see the comments at its top); this module loads and validates
it, answers exact-phrase lookups, and turns it into spaCy EntityRuler patterns.

Matching, as the patterns implement it:

- Phrases are case-sensitive sequences of whole tokens ("Georgia", not "georgia"), except all-caps
  acronyms of four letters or more, which match in any case: "NATO", "Nato" and "nato" are the same.
  Shorter acronyms stay exact, because "US" must not match "us" (nor "UN" "Un").
- A phrase written with an ASCII apostrophe also matches with the typographic one ("People's Republic of
  China" and "People’s Republic of China").
- The EntityRuler keeps the longest match, so "North Korea" (KP) wins over "Korea" (KR) and an ignored
  phrase such as "Washington Post" hides the "Washington" (US) inside it.

Tokenisation, checked with `spacy.blank("en")` (spaCy 3.8): possessives split off, both "Japan's" and
"Japan’s" give "Japan" + "'s", so "Japan" matches in both; "US-Japan" and "Japan–China" split at the dash.
Two cases do not split and so are not matched: plurals are separate words (list "Koreans", not derive it),
and a hyphen after an abbreviation stays inside the token ("U.S.-Japan" is one token) unless the pipeline's
tokenizer is given `split_abbreviation_hyphens` (the analyzer's is). Build the patterns with the tokenizer of
the pipeline that will run them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from reporter.nlp.gazetteer_data import (
    CURLY_APOSTROPHE,
    KINDS,
    Entity,
    GazetteerError,
    parse_document,
    phrase_problems,
)

LABEL = "GPE_GAZ"
IGNORE_LABEL = "GAZ_IGNORE"

_CODE = re.compile(r"[A-Z][A-Z0-9_]*\Z")
# Codes people write that are not ISO 3166 alpha-2: the news's abbreviations and common alpha-3 codes.
_CODE_HINTS = {
    "NK": "KP", "DPRK": "KP", "PRK": "KP", "ROK": "KR", "KOR": "KR", "UK": "GB", "EN": "GB", "GBR": "GB",
    "USA": "US", "JPN": "JP", "CHN": "CN", "PRC": "CN", "RUS": "RU", "TWN": "TW", "ROC": "TW", "UKR": "UA",
    "IND": "IN", "AUS": "AU", "DEU": "DE", "GER": "DE", "FRA": "FR", "EL": "GR", "PHL": "PH", "VNM": "VN",
    "IDN": "ID", "THA": "TH", "MYS": "MY", "SGP": "SG", "IRN": "IR", "ISR": "IL", "SAU": "SA", "TUR": "TR",
    "BRA": "BR", "MEX": "MX", "CAN": "CA", "NZL": "NZ", "PAK": "PK", "ZAF": "ZA", "EGY": "EG", "MNG": "MN",
}  # fmt: skip
_ACRONYM_MIN = 4


class Gazetteer:
    """Phrases → codes for countries, territories, groups and regions, validated on construction."""

    __slots__ = ("_acronyms", "_by_code", "_entities", "_ignore", "_index", "codes")

    def __init__(self, entities: Iterable[Entity], ignore: Iterable[str] = (), *, source: str = "gazetteer"):
        self._entities = tuple(entities)
        self._ignore = tuple(ignore)
        phrases = [phrase for entity in self._entities for phrase, _ in entity.phrases()]
        self._acronyms = frozenset(
            word.lower()
            for phrase in (*phrases, *self._ignore)
            for word in phrase.split()
            if _is_acronym(word)
        )
        self._by_code: dict[str, Entity] = {}
        self._index: dict[str, tuple[str, str] | None] = {}
        problems = self._build()
        if problems:
            raise GazetteerError(source, problems)
        self.codes: frozenset[str] = frozenset(self._by_code)

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read and validate a gazetteer YAML file (default: the one packaged with reporter)."""
        # The packaged file cannot change while the process runs: config, analysis and placing share it.
        return _packaged() if path is None else cls._read(path)

    @classmethod
    def _read(cls, path: Path | None) -> Gazetteer:
        if path is None:
            source = "reporter/data/gazetteer.yaml"
            text = resources.files("reporter").joinpath("data", "gazetteer.yaml").read_text(encoding="utf-8")
        else:
            source = str(path)
            text = Path(path).read_text(encoding="utf-8")
        try:
            # The C loader, where PyYAML has it, reads the file several times faster.
            raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise GazetteerError(source, [f"not valid YAML: {exc}"]) from exc
        entities, ignore, problems = parse_document(raw)
        try:
            gazetteer = cls(entities, ignore, source=source)
        except GazetteerError as exc:
            problems.extend(exc.problems)
        if problems:
            raise GazetteerError(source, problems)
        return gazetteer

    @property
    def entities(self) -> tuple[Entity, ...]:
        """All entities, in file order."""
        return self._entities

    @property
    def ignore(self) -> tuple[str, ...]:
        """Phrases that contain a listed phrase but are not that place."""
        return self._ignore

    def __len__(self) -> int:
        return len(self._entities)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def entity(self, code: str) -> Entity:
        """The entity with this code; KeyError if there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no gazetteer entity with code {code!r}") from None

    def name(self, code: str) -> str:
        """The display name for a code."""
        return self.entity(code).name

    def lookup(self, phrase: str) -> tuple[str, str] | None:
        """Map an exact phrase to (code, role); None if it is unknown or ignored."""
        key = self._key(phrase)
        if key not in self._index and key.startswith(("the ", "The ")):
            # NER spans sometimes carry the article ("the Philippines"); "The Gambia" is listed as such.
            key = key[4:]
        return self._index.get(key)

    def suggest(self, wrong: str) -> str | None:
        """The code someone most likely meant by an unknown one: "NK" → KP, "jp" → JP, "Japan" → JP."""
        text = wrong.strip()
        if text.upper() in self._by_code:
            return text.upper()
        hint = _CODE_HINTS.get(text.upper())
        if hint in self._by_code:
            return hint
        hit = self.lookup(text) or self.lookup(text.title())
        if hit is not None:
            return hit[0]
        import difflib

        names = {e.name.lower(): e.code for e in self._entities}
        close = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.8)
        if close:
            return names[close[0]]
        close = difflib.get_close_matches(text.upper(), sorted(self._by_code), n=1, cutoff=0.75)
        return close[0] if close else None

    def listing(self) -> list[tuple[str, str, str, str]]:
        """(code, kind, name, what it stands for) for every entity, countries first, each kind by code."""
        order = {kind: n for n, kind in enumerate(KINDS)}
        rows = []
        for e in sorted(self._entities, key=lambda e: (order.get(e.kind, len(KINDS)), e.code)):
            if e.kind == "territory" and e.members:
                about = f"part of {', '.join(e.members)}"
            elif e.members:
                more = "…" if len(e.members) > 8 else ""
                about = f"{len(e.members)} members: {', '.join(e.members[:8])}{more}"
            else:
                about = ""
            rows.append((e.code, e.kind, e.name, about))
        return rows

    def expand(self, code: str) -> frozenset[str]:
        """A code plus its member codes (groups, regions, territories); a country is just itself."""
        return frozenset((code, *self.entity(code).members))

    def members_of_any(self, codes: Iterable[str]) -> frozenset[str]:
        """The union of `expand` over several codes."""
        return frozenset().union(*(self.expand(code) for code in codes))

    def containing(self, code: str) -> frozenset[str]:
        """The codes of the groups, regions and territories that list `code` as a member."""
        self.entity(code)
        return frozenset(e.code for e in self._entities if code in e.members)

    def patterns(self, tokenizer: Callable[[str], Iterable[Any]]) -> list[dict[str, Any]]:
        """EntityRuler patterns for every phrase: label GPE_GAZ with id "<code>|<role>", or GAZ_IGNORE."""
        patterns: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str]] = set()

        def add(label: str, phrase: str, ent_id: str | None) -> None:
            for variant in _apostrophe_variants(phrase):
                tokens = [token.text for token in tokenizer(variant)]
                pattern = [{"LOWER": t.lower()} if _is_acronym(t) else {"ORTH": t} for t in tokens]
                key = (label, ent_id or "", repr(pattern))
                if key in seen:
                    continue
                seen.add(key)
                entry: dict[str, Any] = {"label": label, "pattern": pattern}
                if ent_id is not None:
                    entry["id"] = ent_id
                patterns.append(entry)

        for entity in self._entities:
            for phrase, role in entity.phrases():
                add(LABEL, phrase, f"{entity.code}|{role}")
        for phrase in self._ignore:
            add(IGNORE_LABEL, phrase, None)
        return patterns

    def _key(self, phrase: str) -> str:
        # Same equivalences as the patterns: curly apostrophe = straight, long acronyms ignore case.
        words = phrase.replace(CURLY_APOSTROPHE, "'").split()
        return " ".join(w.lower() if w.lower() in self._acronyms else w for w in words)

    def _build(self) -> list[str]:
        """Fill the code and phrase indexes; return every consistency problem found."""
        problems: list[str] = []
        owner: dict[str, tuple[str, str, str]] = {}  # key → (code, role, phrase as written)
        for number, entity in enumerate(self._entities, start=1):
            where = f"entity #{number} ({entity.code})"
            if entity.code in self._by_code:
                problems.append(f"{where}: duplicate code {entity.code!r}")
            else:
                self._by_code[entity.code] = entity
            if not _CODE.match(entity.code):
                problems.append(f"{where}: code {entity.code!r} is not upper-case letters, digits and _")
            elif entity.kind == "country" and len(entity.code) != 2:
                problems.append(f"{where}: a country's code must be ISO 3166-1 alpha-2, not {entity.code!r}")
            if entity.kind not in KINDS:
                problems.append(f"{where}: kind {entity.kind!r} is not one of {', '.join(KINDS)}")
            if not entity.name.strip():
                problems.append(f"{where}: name is empty")
            for phrase, role in entity.phrases():
                problems.extend(phrase_problems(where, phrase))
                key = self._key(phrase)
                if key in owner:
                    code, other_role, written = owner[key]
                    if code == entity.code:
                        problems.append(f"{where}: {phrase!r} is listed twice ({other_role} {written!r})")
                    else:
                        both = f"{code} ({other_role}) and {entity.code} ({role})"
                        problems.append(f"{phrase!r} is mapped to two codes: {both}")
                    continue
                owner[key] = (entity.code, role, phrase)
                self._index[key] = (entity.code, role)
        for entity in self._entities:
            if entity.kind == "country" and entity.members:
                problems.append(f"{entity.code}: a country has no members, found {', '.join(entity.members)}")
            for member in entity.members:
                if member == entity.code:
                    problems.append(f"{entity.code}: lists itself as a member")
                elif member not in self._by_code:
                    problems.append(f"{entity.code}: member {member!r} is not a code in the gazetteer")
            repeated = sorted({m for m in entity.members if entity.members.count(m) > 1})
            if repeated:
                problems.append(f"{entity.code}: members listed twice: {', '.join(repeated)}")
        ignored: set[str] = set()
        for phrase in self._ignore:
            problems.extend(phrase_problems("ignore", phrase))
            key = self._key(phrase)
            if key in ignored:
                problems.append(f"ignore: {phrase!r} is listed twice")
            elif key in owner:
                code, role, _ = owner[key]
                problems.append(f"ignore: {phrase!r} is also listed for {code} ({role})")
            ignored.add(key)
            self._index[key] = None
        return problems


# A hyphen between an abbreviation's last dot and a capital: "U.S.-Japan", "Japan-U.S.-ROK".
_ABBREVIATION_HYPHEN = r"(?<=[A-Z]\.)[-–—](?=[A-Z])"


@cache
def _packaged() -> Gazetteer:
    """The packaged gazetteer, read once per process (it is read-only once built)."""
    return Gazetteer._read(None)


def split_abbreviation_hyphens(nlp: Any) -> None:
    """Split "U.S.-Japan" at the hyphen, as the tokenizer already splits "US-Japan", so both are found."""
    current = nlp.tokenizer.infix_finditer
    pattern = getattr(getattr(current, "__self__", None), "pattern", None)
    combined = f"{pattern}|{_ABBREVIATION_HYPHEN}" if pattern else _ABBREVIATION_HYPHEN
    nlp.tokenizer.infix_finditer = re.compile(combined).finditer


def parse_ent_id(ent_id: str) -> tuple[str, str]:
    """Split an EntityRuler id "<code>|<role>" into (code, role)."""
    code, _, role = ent_id.partition("|")
    return code, role


def _is_acronym(word: str) -> bool:
    return len(word) >= _ACRONYM_MIN and word.isalpha() and word.isupper()


def _apostrophe_variants(phrase: str) -> tuple[str, ...]:
    return (phrase, phrase.replace("'", CURLY_APOSTROPHE)) if "'" in phrase else (phrase,)
