"""Who is cited in a passage: outlet, author(s), journal issue, kind, from metadata and from the text.

Report-style documents cite their sources in running text ("Tomita Koji in Yomiuri on January 15 warned",
"In Kokusai Mondai, No. 2, Mifune Emi asked", "A Yomiuri editorial on January 15 ..."); articles carry
theirs in metadata (outlet, byline, date line). Both end up as an `Attribution`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reporter.nlp.outlets import Outlet, Outlets

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_NAME_WORD = r"[A-Z][a-z’'\-]+(?:-[a-z]+)?"
_NAME = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})"
_HONORIFIC = (
    r"(?:(?:Ambassador|Professor|Prof\.|Dr\.|Former|former|Senior|senior|Fellow|Researcher|"
    r"Editor|editor|columnist|analyst|commentator|scholar|journalist|correspondent|retired)\s+)*"
)
_ISSUE = rf"(?P<issue>(?:[Nn]o|[Vv]ol|[Ii]ssue)\.?\s*\d+|{_MONTH}(?:\s*/\s*{_MONTH})?(?:\s+(?:19|20)\d\d)?)"
_DATE_PHRASE = rf"(?:(?:on\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?)"

# Author before the outlet: "Tomita Koji in Yomiuri", "Kohari Susumu in the January Toa".
_AUTHOR_BEFORE = re.compile(
    rf"{_NAME}\s+(?:in|for|writing in|wrote in)\s+(?:the\s+)?(?:{_MONTH}\s+(?:\d{{1,2}}\s+)?)?$"
)
# Author after the outlet: "Yomiuri carried Takemori Shunpei’s analysis", "Geopolitical Monitor's Jon Bak",
# "In Kokusai Mondai, No. 2, Mifune Emi asked", "In the November/December Gaiko, Ishii Akira took".
_AUTHOR_CARRIED = re.compile(
    rf"^\s+(?:carried|published|ran|featured|printed)\s+(?:an?\s+(?:\w+\s+){{0,2}}by\s+)?{_HONORIFIC}{_NAME}['’]s?\b"
)
_AUTHOR_POSSESSIVE = re.compile(rf"^['’]s?\s+{_HONORIFIC}{_NAME}\b(?=\s+[a-z])")
_AUTHOR_AFTER_ISSUE = re.compile(rf"^(?:,?\s*{_ISSUE})?,\s+{_HONORIFIC}{_NAME}(?=,?\s+[a-z])")
_ISSUE_AFTER = re.compile(rf"^,?\s*{_ISSUE}\b")
_ISSUE_BEFORE = re.compile(
    rf"(?P<issue>{_MONTH}\s*/\s*{_MONTH}|(?:[Nn]o|[Vv]ol)\.\s*\d+)\s+(?:issue\s+of\s+)?$"
)
_SAME_ISSUE = re.compile(r"(?:same|latest|new|current)\s+issue\s+of\s+(?:the\s+)?$")
_EDITORIAL = re.compile(r"\b[Ee]ditorial(?:i[sz]ing|i[sz]ed)?\b")
# "A December 12 article", "The paper": a source named before, referred to again.
_GENERIC_SOURCE = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Tt]his|[Tt]hat|[Aa]nother|[Aa]n earlier|[Aa] later)\s+(?:[\w-]+\s+){0,3}?"
    r"(?P<noun>article|editorial|piece|column|paper|op-ed|essay|commentary|report)\b"
)
_SPEECH = re.compile(r"\b(?:speech|address|remarks|statement|press conference|interview|policy speech)\b")
_NOT_NAMES = {
    "The", "In", "On", "A", "An", "As", "At", "By", "For", "From", "With", "Foreign", "Minister", "Prime",
    "President", "Ambassador", "Japan", "Japanese", "Chinese", "Korean", "Russian", "American", "It", "He",
    "She", "They", "This", "That", "These", "Those", "Its", "His", "Her", "Their", "After", "Before", "While",
    "When", "Since", "Despite", "Given", "Yet", "But", "And", "Or", "Now", "Then", "Also", "Four", "Three",
    "Two", "One", "Five", "Several", "Many", "Some", "No", "Vol", "Issue", "Editorial", "Editorializing",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Citation:
    """A source cited in a paragraph's text."""

    outlet: Outlet | None
    authors: tuple[str, ...] = ()
    issue: str | None = None
    kind: str = "article"  # "article" | "editorial" | "journal" | "speech" | "report"
    source_text: str | None = None
    at_start: bool = False  # named in the paragraph's first sentence
    generic: bool = False  # "A December 12 article": refers back to a source named before


def split_names(names: str | None) -> tuple[str, ...]:
    """'Noriko Watanabe and Lee Jay Walker' → ('Noriko Watanabe', 'Lee Jay Walker')."""
    if not names:
        return ()
    names = re.sub(r"^\s*[Bb]y\s+", "", names)
    parts = re.split(r"\s*(?:,|;|\band\b|&)\s*", names)
    return tuple(" ".join(p.split()) for p in parts if p.strip())


def _first_sentence_end(text: str, start: int, end: int) -> int:
    m = re.search(r"[.!?](?:[”\"’)]?)(?=\s+[A-Z“\"]|\s*$)", text[start:end])
    # "No. 2" and "Dr." are not sentence ends
    while m and re.search(
        r"(?:\b[Nn]o|\bVol|\bDr|\bMr|\bMs|\bProf|\bSt|\b[A-Z])\.$", text[start : start + m.end()]
    ):
        m = re.compile(r"[.!?](?:[”\"’)]?)(?=\s+[A-Z“\"]|\s*$)").search(text[start:end], m.end())
    return start + m.end() if m else end


def _valid_name(name: str, is_place: Callable[[str], bool] | None, outlets: Outlets) -> bool:
    words = name.split()
    if any(w in _NOT_NAMES for w in words) or outlets.get(name) is not None:
        return False
    return not (is_place is not None and is_place(name))


def find_citation(
    text: str,
    start: int,
    end: int,
    outlets: Outlets,
    *,
    is_place: Callable[[str], bool] | None = None,
) -> Citation | None:
    """The source a paragraph (`text[start:end]`) cites in its own words, if any."""
    first_end = _first_sentence_end(text, start, end)
    mentions = outlets.find(text, start, end)
    if not mentions:
        head = text[start:first_end]
        generic = _GENERIC_SOURCE.search(head)
        if generic:
            kind = "editorial" if generic.group("noun") == "editorial" else "article"
            return Citation(outlet=None, kind=kind, source_text=generic.group(0), at_start=True, generic=True)
        if _SPEECH.search(head):
            return Citation(outlet=None, kind="speech", source_text=None, at_start=True)
        return None
    mention = mentions[0]
    outlet = mention.outlet
    before = text[max(start, mention.start - 90) : mention.start]
    after = text[mention.end : min(end, mention.end + 140)]
    authors: tuple[str, ...] = ()
    for m in (_AUTHOR_BEFORE.search(before),):
        if m and _valid_name(m.group("name"), is_place, outlets):
            authors = (m.group("name"),)
    if not authors:
        for pattern in (_AUTHOR_CARRIED, _AUTHOR_POSSESSIVE, _AUTHOR_AFTER_ISSUE):
            m = pattern.match(after)
            if m and _valid_name(m.group("name"), is_place, outlets):
                authors = (m.group("name"),)
                break
    issue = None
    m = _ISSUE_AFTER.match(after)
    if m and not re.match(r"^,?\s*" + _DATE_PHRASE, after):
        issue = " ".join(m.group("issue").split())
    else:
        m = _ISSUE_BEFORE.search(before)
        if m:
            issue = " ".join(m.group("issue").split())
        elif _SAME_ISSUE.search(before):
            issue = "same issue"
    dot = text.rfind(". ", start, mention.start)
    sentence_start = dot + 2 if dot >= 0 else start
    sentence = text[sentence_start : _first_sentence_end(text, mention.start, end)]
    if _EDITORIAL.search(sentence):
        kind = "editorial"
    elif issue or outlet.kind in ("journal", "magazine"):
        kind = "journal"
    else:
        kind = "article"
    source_start = min(mention.start, sentence_start)
    return Citation(
        outlet=outlet,
        authors=authors,
        issue=issue,
        kind=kind,
        source_text=text[source_start : min(first_end, mention.end + 60)].strip()
        if mention.start < first_end
        else mention.text,
        at_start=mention.start < first_end,
    )
