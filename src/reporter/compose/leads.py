"""Attribution leads made only from metadata: outlet, authors, date, kind, issue, item title.

A lead ends so that the first body sentence follows it: "... wrote that" when the sentence can become
reported speech, otherwise a neutral "... wrote:". Reported speech needs the sentence's first word in
lower case, but body sentences are verbatim; so when that word is a common function word ("The", "A",
"This" ...) the lead carries it lowered ("... wrote that the") and the first body sentence starts right
after it, its offsets still exact. Proper nouns, quotations, questions and sentences opening with a
clause keep the neutral form. Report-style passages (a digest's own paragraphs) already attribute in
their first sentence and get no lead at all; those that do not say where they come from (a digest's
introduction, a paragraph continuing an article cited before) get a lead naming the digest.

Sentences the report strings together from several tellings (the overview's developments, a paragraph's
follow-ups) say who told each one and when (`credit`, `followed_up`). When the next one comes from the
outlet and day just named, the report does not name them again, as an analyst would not: "On November
18, Modern Tokyo Times reported: …" is followed by "The outlet also reported: …", then "It also reported
…"; the quotation itself is untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reporter.models import Item, Passage

# Words that may open a sentence and be lowered without changing its meaning.
_COMMON_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "his",
        "her",
        "our",
        "such",
        "many",
        "most",
        "some",
        "several",
        "both",
        "each",
        "every",
        "all",
        "any",
        "another",
        "no",
        "one",
        "two",
        "three",
        "four",
        "five",
        "it",
        "they",
        "there",
        "much",
        "more",
        "few",
        "other",
    ]
)
_FIRST_WORD_RE = re.compile(r"([A-Z][a-z]*)(\s+)(?=[a-z0-9“\"‘'(])")


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead, and how many characters of the first sentence it carried (lowered) into itself."""

    text: str
    absorbed: int = 0


def authors_of(passage: Passage) -> tuple[str, ...]:
    """The passage's authors, as the analyzer attributed them."""
    return tuple(a for a in passage.attribution.authors if a.strip())


def outlet_of(passage: Passage) -> str | None:
    """The outlet a passage is attributed to (None if unknown)."""
    return passage.attribution.outlet


def date_of(passage: Passage) -> tuple[date | None, str | None]:
    """The date a passage's lead names, with its precision ('day' | 'month'), or (None, None)."""
    a = passage.attribution
    if a.date is None:
        return None, None
    return a.date, "day" if a.date_precision in (None, "day") else "month"


def possessive(name: str) -> str:
    """ "Geopolitical Monitor's", "Modern Tokyo Times'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def join_names(names: tuple[str, ...]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def when(day: date | None, precision: str | None, year: int) -> str:
    """'November 10', 'December 30, 2023' (another year than the report's), 'November 2025'."""
    if day is None:
        return ""
    if precision == "month":
        return f"{day:%B} {day.year}"
    return f"{day:%B} {day.day}" + (f", {day.year}" if day.year != year else "")


@dataclass(frozen=True, slots=True)
class Credit:
    """Who told a sentence and when, as a lead names them: the outlet and the reported date."""

    outlet: str | None
    day: date | None
    precision: str | None = "day"  # "day" | "month"

    def follows(self, previous: Credit | None) -> bool:
        """Whether this comes from the same known outlet on the same known day as `previous`."""
        return (
            previous is not None
            and self.outlet is not None
            and self.day is not None
            and (self.outlet, self.day, self.precision) == (previous.outlet, previous.day, previous.precision)
        )


def credit(told: Credit, *, year: int, spread: str = "", again: int = 0) -> str:
    """'On November 18, Modern Tokyo Times reported'; `again` (1, 2, ...) counts the sentences in a row
    before this one from the same outlet and day: 'The outlet also reported', then 'It also reported'.

    `spread` says how widely the story was told (", one of 3 outlets to report it,"); it follows the
    outlet's name, or "The outlet", never "It".
    """
    if again == 1 or (again > 1 and spread):
        return f"The outlet{spread} also reported"
    if again > 1:
        return "It also reported"
    on = when(told.day, told.precision, year)
    time = (f"On {on}" if told.precision == "day" else f"In {on}") if on else "In an undated article"
    return f"{time}, {told.outlet or 'an unattributed source'}{spread} reported"


def followed_up(told: Credit, lead: Credit, *, year: int) -> str:
    """A later day's telling after a paragraph's own: 'On October 23, it followed up with' when the
    paragraph's outlet told it too, else 'On October 23, RT followed up with'."""
    who = "it" if told.outlet is not None and told.outlet == lead.outlet else told.outlet
    return f"On {when(told.day, told.precision, year)}, {who or 'an unattributed source'} followed up with"


def _clause(who_verb: str, first_sentence: str) -> Lead:
    """Finish a lead with reported speech where grammatical, otherwise with a colon."""
    stripped = first_sentence.rstrip()
    m = _FIRST_WORD_RE.match(first_sentence)
    if m and m.group(1).lower() in _COMMON_OPENERS and not stripped.endswith("?"):
        return Lead(f"{who_verb} that {m.group(1).lower()}", m.end())
    return Lead(f"{who_verb}:")


def reported(who_verb: str, first_sentence: str) -> Lead:
    """A lead of the report's own making ("On October 17, Japan Today reported") finished for a sentence."""
    return _clause(who_verb, first_sentence)


def self_attributes(passage: Passage, first_sentence: str) -> bool:
    """Whether a passage's own first sentence says where it comes from."""
    a = passage.attribution
    if a.inherited:
        return False
    names = [a.source_text, a.outlet, *a.authors]
    # A digest's paragraph that dates itself ("On February 8, when ...") speaks in the digest's voice.
    return a.date is not None or any(n and n in first_sentence for n in names)


def _report_lead(passage: Passage, item: Item, first_sentence: str) -> Lead:
    if self_attributes(passage, first_sentence):
        return Lead("")
    digest = item.outlet
    a = passage.attribution
    cited = a.outlet
    if a.inherited and cited:
        where = f"{cited}, {a.issue}" if a.issue else cited
        who = f"{join_names(a.authors)} in {where}" if a.authors else where
        return Lead(f"{digest or 'The unattributed digest'} went on, citing {who}:")
    if digest:
        return Lead(f"{digest} wrote in “{item.title}”:")
    return Lead(f"An unattributed report, “{item.title}”, said:")


def _on(time: str) -> str:
    """'On November 10' → 'on November 10', to follow a noun ('A Yomiuri editorial on ...')."""
    return time[0].lower() + time[1:]


def headline_lead(passage: Passage, *, year: int) -> Lead:
    """The lead for a paragraph that quotes only its telling's headline (the feed cut every sentence)."""
    outlet = outlet_of(passage)
    day, precision = date_of(passage)
    on = when(day, precision, year)
    time = (f"On {on}" if precision == "day" else f"In {on}") if on else "In an undated article"
    who = outlet or "an unattributed source"
    return Lead(f"{time}, {who} reported under the headline")


def make_lead(passage: Passage, item: Item, first_sentence: str, *, year: int) -> Lead:
    """The lead for a paragraph whose body starts with `first_sentence` (see the module's rules)."""
    if passage.style == "report":
        return _report_lead(passage, item, first_sentence)
    a = passage.attribution
    outlet = outlet_of(passage)
    authors = authors_of(passage)
    day, precision = date_of(passage)
    on = when(day, precision, year)
    time = (f"On {on}" if precision == "day" else f"In {on}") if on else ""
    names = join_names(authors)
    if outlet is None:
        source = "An unattributed article" + (f" by {names}" if names else "")
        if a.kind == "speech" and names:
            return _clause(f"In a speech{' ' + _on(time) if time else ''}, {names} said", first_sentence)
        return _clause(f"{source}{' ' + _on(time) if time else ''} reported", first_sentence)
    if a.kind == "editorial":
        return _clause(f"A {outlet} editorial{' ' + _on(time) if time else ''} argued", first_sentence)
    if a.kind == "speech" and names:
        return _clause(
            f"In a speech{' ' + _on(time) if time else ''} reported by {outlet}, {names} said", first_sentence
        )
    if a.kind == "journal" or (a.issue and day is None):
        where = f"In {outlet}, {a.issue}" if a.issue else f"In {outlet}{', ' + on if on else ''}"
        return _clause(f"{where}, {names or 'an article'} {'wrote' if names else 'stated'}", first_sentence)
    if not time:
        time = "In an undated article"
    if len(authors) > 2:
        return _clause(f"{time}, {names} of {outlet} wrote", first_sentence)
    if authors:
        return _clause(f"{time}, {possessive(outlet)} {names} wrote", first_sentence)
    return _clause(f"{time}, {outlet} reported", first_sentence)
