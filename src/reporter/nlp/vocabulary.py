"""Topic vocabularies (data/topics.yaml): which words of a passage say what it is about.

A term is a phrase of whole words. Written in lower case it matches in any case; with a capital it matches
as written ("SDF", "Grand Prix"). A plural -s/-es is always allowed, a trailing * allows any ending, and
words may be joined by spaces or hyphens. Matching is one compiled regular expression per topic, so a
build pays for it once and a passage costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

GROUPS = ("relations", "outward", "state", "acts", "justice", "leaning", "captions", "off_topic")
LEANING_KINDS = ("connectives", "references")
_WORD = r"[\w][\w'’&.\-]*\*?"
_TERM = re.compile(rf"{_WORD}(?: {_WORD})*\Z")


class VocabularyError(ValueError):
    """The topics file is not valid; `problems` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class TermSet:
    """The terms of one topic, compiled into two patterns: lower-case terms, and terms with capitals.

    Each pattern has a cue: an Aho-Corasick automaton of a literal piece of every term (its longest word,
    up to a `*` or an apostrophe). A text without any cue cannot match, and most texts have none of most
    topics, so one pass in C over the text replaces most runs of a pattern of a hundred alternatives.
    """

    name: str  # "relations.diplomacy", "state", "off_topic.sports", or a report's "include"/"exclude"
    terms: tuple[str, ...]
    folded: re.Pattern[str] | None  # the lower-case terms, run over the lower-cased text (re.I is slower)
    cased: re.Pattern[str] | None  # the terms with a capital, run over the text as written
    folded_cue: Any = None  # ahocorasick.Automaton of the lower-case terms' literal starts
    cased_cue: Any = None  # and of the terms with a capital

    def find(self, text: str, lowered: str | None = None) -> tuple[str, ...]:
        """The distinct terms found in `text`, in lower case, in order of first appearance.

        `lowered` is `text.lower()`, when the caller has it already (it looks for many topics in one text).
        """
        if not text:
            return ()
        hits: list[tuple[int, str]] = []
        if self.folded is not None:
            lowered = lowered or text.lower()
            if _may_match(self.folded_cue, lowered):
                hits.extend((m.start(), m.group(0)) for m in self.folded.finditer(lowered))
        if self.cased is not None and _may_match(self.cased_cue, text):
            hits.extend((m.start(), m.group(0).lower()) for m in self.cased.finditer(text))
        hits.sort()
        return tuple(dict.fromkeys(" ".join(t.split()) for _, t in hits))

    def opens(self, text: str) -> bool:
        """Whether `text` begins with one of the terms (after any opening quotation mark)."""
        head = text.lstrip(" \"“‘'(")
        if self.folded is not None and self.folded.match(head.lower()):
            return True
        return self.cased is not None and bool(self.cased.match(head))

    @property
    def topic(self) -> str:
        """The topic's own name: "diplomacy" for "relations.diplomacy"."""
        return self.name.rpartition(".")[2]


def compile_terms(name: str, terms: Iterable[str]) -> TermSet:
    """Compile terms (the topics-file syntax) into a TermSet; raises VocabularyError on a bad term."""
    terms = tuple(dict.fromkeys(" ".join(t.split()) for t in terms if t and t.strip()))
    bad = [t for t in terms if not _TERM.match(t)]
    if bad:
        why = "is not a term (words, each with an optional * at its end)"
        raise VocabularyError(name, [f"{t!r} {why}" for t in bad])
    by_length = sorted(terms, key=len, reverse=True)
    folded = [t for t in by_length if not _has_capital(t)]
    cased = [t for t in by_length if _has_capital(t)]
    return TermSet(
        name,
        terms,
        _alternation([_term_regex(t) for t in folded]),
        _alternation([_term_regex(t) for t in cased]),
        _cue(folded),
        _cue(cased),
    )


def _cue(terms: list[str]) -> Any:
    """An automaton of a literal that every match of each of these terms contains: the longest piece of
    one of its words, cut at a `*` and at apostrophes (the pattern lets them be ' or ’); the words
    themselves match as written, but for the last one's plural ending. None: no terms."""
    if not terms:
        return None
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for term in terms:
        pieces = [p for word in re.split(r"[ \-]+", term) for p in re.split("['’]", word.split("*")[0])]
        literal = max(pieces, key=len)
        automaton.add_word(literal, literal)
    automaton.make_automaton()
    return automaton


def _may_match(cue: Any, text: str) -> bool:
    """Whether `text` holds one of the cue's literals (if not, none of its terms can match)."""
    return cue is None or next(cue.iter(text), None) is not None


def _has_capital(term: str) -> bool:
    # Lower-case terms match in any case; a capital letter makes the term match as written.
    return any(c.isupper() for c in term)


def _alternation(parts: list[str]) -> re.Pattern[str] | None:
    # \b first lets the engine skip positions inside words; the lookahead keeps matches whole words.
    return re.compile(r"\b(?:" + "|".join(parts) + r")(?!\w)") if parts else None


def _term_regex(term: str) -> str:
    words = re.split(r"[ \-]+", term)
    parts = []
    for n, word in enumerate(words, start=1):
        star = word.endswith("*")
        part = re.sub("['’]", "['’]", re.escape(word.rstrip("*")))
        if star:
            part += r"\w*"
        elif n == len(words):
            part += r"(?:s|es)?"  # the plural of the phrase is the plural of its last word
        parts.append(part)
    return r"[\s\-]+".join(parts)


@dataclass(frozen=True, slots=True)
class Leaning:
    """How a sentence opens when it leans on the one before it (topics.yaml `leaning`), by kind.

    `connectives` lean on the argument before ("Indeed, ..."), which no headline can supply; `references`
    point back at something just told ("The suspension ..."), which the headline names.
    """

    connectives: TermSet
    references: TermSet

    def opens(self, text: str) -> bool:
        """Whether `text` opens so that it needs the sentence before it, of either kind."""
        return self.connectives.opens(text) or self.references.opens(text)


class Vocabulary:
    """The term sets of data/topics.yaml: relations, outward, state, acts, justice, off-topic; and the two
    lists compose reads sentences with (`leaning`: openers that need the sentence before them;
    `captions`: furniture that marks a photo caption)."""

    def __init__(
        self,
        relations: tuple[TermSet, ...],
        outward: TermSet,
        state: TermSet,
        off_topic: tuple[TermSet, ...],
        acts: TermSet | None = None,
        leaning: Leaning | None = None,
        captions: TermSet | None = None,
        justice: TermSet | None = None,
    ):
        self.relations = relations
        self.outward = outward
        self.state = state
        self.off_topic = off_topic
        self.acts = acts or compile_terms("acts", ())
        self.leaning = leaning or Leaning(
            compile_terms("leaning.connectives", ()), compile_terms("leaning.references", ())
        )
        self.captions = captions or compile_terms("captions", ())
        self.justice = justice or compile_terms("justice", ())

    @classmethod
    def load(cls, path: Path | None = None) -> Vocabulary:
        """Read and check a topics file (default: the one packaged with reporter)."""
        # The packaged file cannot change while the process runs: placing and composing share it.
        return _packaged() if path is None else cls._read(path)

    @classmethod
    def _read(cls, path: Path | None) -> Vocabulary:
        if path is None:
            source = "reporter/data/topics.yaml"
            text = resources.files("reporter").joinpath("data", "topics.yaml").read_text(encoding="utf-8")
        else:
            source, text = str(path), Path(path).read_text(encoding="utf-8")
        try:
            raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise VocabularyError(source, [f"not valid YAML: {exc}"]) from exc
        return cls.from_mapping(raw, source=source)

    @classmethod
    def from_mapping(cls, raw: object, *, source: str = "topics") -> Vocabulary:
        """Build from the parsed YAML document, collecting every problem before raising."""
        problems: list[str] = []
        if not isinstance(raw, Mapping):
            raise VocabularyError(source, ["the file must be a mapping with " + ", ".join(GROUPS)])
        for key in sorted(set(raw) - {*GROUPS, "version"}, key=str):
            problems.append(f"unknown top-level key {key!r} (expected {', '.join(GROUPS)})")

        def topics(group: str) -> tuple[TermSet, ...]:
            value = raw.get(group)
            if not isinstance(value, Mapping) or not value:
                problems.append(f"{group!r} must map topic names to lists of terms")
                return ()
            return tuple(s for name, terms in value.items() if (s := one(f"{group}.{name}", terms)))

        def one(name: str, terms: object) -> TermSet | None:
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                problems.append(f"{name}: must be a list of terms (strings)")
                return None
            repeated = sorted({t for t in terms if terms.count(t) > 1})
            if repeated:
                problems.append(f"{name}: listed twice: {', '.join(repeated)}")
            try:
                return compile_terms(name, terms)
            except VocabularyError as exc:
                problems.extend(f"{name}: {p}" for p in exc.problems)
                return None

        relations, off_topic = topics("relations"), topics("off_topic")
        outward, state = one("outward", raw.get("outward")), one("state", raw.get("state"))
        # Optional groups, read by compose: ranking's prominence and tie-break, openings, captions.
        acts, captions, justice = (
            one(g, raw[g]) if g in raw else None for g in ("acts", "captions", "justice")
        )
        leaning = None
        if "leaning" in raw:
            value = raw["leaning"]
            if not isinstance(value, Mapping) or set(value) != set(LEANING_KINDS):
                problems.append(f"'leaning' must map {' and '.join(LEANING_KINDS)} to lists of terms")
            else:
                connectives, references = (one(f"leaning.{k}", value[k]) for k in LEANING_KINDS)
                leaning = Leaning(connectives, references) if connectives and references else None
        if problems or state is None or outward is None:
            raise VocabularyError(source, problems or ["'outward' and 'state' must be lists of terms"])
        return cls(relations, outward, state, off_topic, acts, leaning, captions, justice)

    def relation_terms(self, text: str) -> dict[str, tuple[str, ...]]:
        """Relations topic → the terms of it found in `text` (topics with none are left out)."""
        return _found(self.relations, text)

    def off_topic_terms(self, text: str) -> dict[str, tuple[str, ...]]:
        """Off-topic topic (sports, crime, ...) → the terms of it found in `text`."""
        return _found(self.off_topic, text)


@cache
def _packaged() -> Vocabulary:
    """The packaged topics file, read once per process (a Vocabulary is read-only)."""
    return Vocabulary._read(None)


def _found(sets: Iterable[TermSet], text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    lowered = text.lower()
    for term_set in sets:
        hits = term_set.find(text, lowered)
        if hits:
            out[term_set.topic] = hits
    return out
