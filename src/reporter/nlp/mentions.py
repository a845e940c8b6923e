"""Country mentions in a spaCy Doc, and the weight each carries.

Only this module and `analyze.py` touch spaCy objects; what leaves here is plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from reporter.models import CountryMention

GAZ_LABEL = "GPE_GAZ"
IGNORE_LABEL = "GAZ_IGNORE"
_NER_LABELS = {"GPE", "LOC", "NORP", "ORG", "FAC", "PERSON"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_ATTACHED_DEPS = {"poss", "compound", "amod", "conj", "nmod", "appos"}

# How much one mention counts, by how the gazetteer knows the phrase and where it stands.
ROLE_WEIGHT = {"name": 1.0, "metonym": 1.0, "demonym": 0.7, "person": 0.8, "place": 0.8, "company": 0.7}
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
HEADING_WEIGHT = 2.0
GRAMMATICAL_SUBJECT_WEIGHT = 1.5
BILATERAL_WEIGHT = 2.0  # hyphenated with the subject: "Japan-ASEAN summit", "US-Japan alliance"
LIST_WEIGHT = 0.5  # one of three or more places listed together ("the US, China, the EU and Australia")
LIST_MIN = 3
YARDSTICK_WEIGHT = 0.3  # a place named only to compare with ("overtake Japan", "after China, Russia bans")
# Words just before a place that make it a yardstick, not an actor or the one acted on.
_YARDSTICK = re.compile(
    r"(?:\bthan|\bsuch as|\blike|\bunlike|\boutpac\w*|\bovertak\w*|\bovertook|\bsurpass\w*|\bahead of|"
    r"\bbehind)\s+(?:the\s+)?\Z",
    re.IGNORECASE,
)
# "After China, Russia bans ...": a clause-opening "after X," names who went first, not the actor.
_OPENING_AFTER = re.compile(r"(?:^|[.!?]\s+)(?:After|Following)\s+(?:the\s+)?\Z")
_BEFORE = 24  # characters looked at before a mention
_JOINERS = {"-", "–", "—", "/"}
_LIST_GAP = re.compile(r"^[\s,;]*(?:(?:and|or|as well as|nor|plus)\s+)?(?:the\s+)?$")


@dataclass(frozen=True, slots=True)
class RawMention:
    """A country, group or region named in the text, before weighting."""

    code: str
    text: str
    start: int
    end: int
    kind: str  # the gazetteer's role: "name" | "demonym" | "metonym" | "person"
    grammatical_subject: bool = False
    listed: bool = False  # one item of an enumeration of places
    bilateral: bool = False  # joined to the report's subject: "Japan-Philippines", "Sino-Japanese"
    actor: bool = False  # itself its clause's subject ("China arrested", "a U.S. Marine was"), no possessor
    yardstick: bool = False  # only a point of comparison: "more than Japan", "after China"


def mark_bilateral(mentions: list[RawMention], text: str, subject: str) -> list[RawMention]:
    """Mark partners written together with the subject ("Japan-ROK ties"): the pair is the topic."""
    out = list(mentions)
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        if (a.code == subject) == (b.code == subject) or text[a.end : b.start] not in _JOINERS:
            continue
        j = i + 1 if a.code == subject else i
        m = out[j]
        out[j] = replace(m, bilateral=True)
    return out


def mark_lists(mentions: list[RawMention], text: str) -> list[RawMention]:
    """Mark mentions that stand in an enumeration of three or more places: each says less on its own."""
    out = list(mentions)
    run: list[int] = []

    def close() -> None:
        if len(run) >= LIST_MIN:
            for i in run:
                m = out[i]
                out[i] = replace(m, listed=True)

    for i, m in enumerate(mentions):
        if run and _LIST_GAP.match(text[mentions[run[-1]].end : m.start]):
            run.append(i)
            continue
        close()
        run = [i]
    close()
    return out


def mark_yardsticks(mentions: list[RawMention], text: str) -> list[RawMention]:
    """Mark places named only as a point of comparison ("faster than Japan", "After China, Russia ...")."""
    return [replace(m, yardstick=True) if _is_yardstick(m, text) else m for m in mentions]


def _is_yardstick(m: RawMention, text: str) -> bool:
    before = text[max(0, m.start - _BEFORE) : m.start]
    if _YARDSTICK.search(before):
        return True
    return bool(_OPENING_AFTER.search(text[: m.start][-_BEFORE:])) and text[m.end : m.end + 3].startswith(
        (",", "'s,", "’s,")
    )


def _is_grammatical_subject(ent: Any) -> bool:
    token = ent.root
    for _ in range(3):  # "China's foreign ministry said": China → ministry (nsubj)
        if token.dep_ in _SUBJECT_DEPS:
            return True
        if token.dep_ not in _ATTACHED_DEPS or token.head is token:
            return False
        token = token.head
    return False


def _is_actor(ent: Any) -> bool:
    """The place itself is the clause's subject, or modifies it ("U.S. Marine", "Chinese coast guard")."""
    token = ent.root
    if token.dep_ in _SUBJECT_DEPS:
        return True
    return token.dep_ in ("compound", "amod") and token.head is not token and token.head.dep_ in _SUBJECT_DEPS


def doc_mentions(doc: Any, lookup: Callable[[str], tuple[str, str] | None] | None) -> list[RawMention]:
    """The mentions in a Doc: the gazetteer's entities, then NER places the gazetteer knows otherwise."""
    parsed = doc.has_annotation("DEP")
    found: list[RawMention] = []
    for ent in doc.ents:
        label = ent.label_
        if label == IGNORE_LABEL:
            continue
        if label == GAZ_LABEL:
            code, _, kind = ent.ent_id_.partition("|")
        elif label in _NER_LABELS and lookup is not None:
            hit = lookup(ent.text)
            if hit is None:
                continue
            code, kind = hit
        else:
            continue
        if not code:
            continue
        found.append(
            RawMention(
                code=code,
                text=ent.text,
                start=ent.start_char,
                end=ent.end_char,
                kind=kind or "name",
                grammatical_subject=parsed and _is_grammatical_subject(ent),
                actor=parsed and _is_actor(ent),
            )
        )
    return found


def weigh(raw: RawMention, *, position: str = "mention", base: float | None = None) -> CountryMention:
    """A CountryMention with its weight: gazetteer role × position (title, lead, heading) × grammar."""
    weight = ROLE_WEIGHT.get(raw.kind, 1.0) if base is None else base
    role = position
    if position == "title":
        weight *= TITLE_WEIGHT
    elif position == "lead":
        weight *= LEAD_WEIGHT
    elif position == "heading":
        weight *= HEADING_WEIGHT
        role = "title"
    if raw.bilateral:
        weight *= BILATERAL_WEIGHT
    if raw.yardstick:
        weight *= YARDSTICK_WEIGHT
    if raw.listed:
        weight *= LIST_WEIGHT
    elif raw.grammatical_subject:
        weight *= GRAMMATICAL_SUBJECT_WEIGHT
        if position == "mention":
            role = "subject"
    return CountryMention(
        code=raw.code,
        text=raw.text,
        start=raw.start,
        end=raw.end,
        weight=round(weight, 3),
        role=role,
        kind=raw.kind,
        actor=raw.actor,
        listed=raw.listed,
        yardstick=raw.yardstick,
    )
