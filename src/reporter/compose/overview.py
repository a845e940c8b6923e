"""The overview: a short paragraph of the month's main developments, as a CrisisWatch entry reads.

It opens on where the month's coverage centred (the report's own counts), then tells the top stories by
rank, one sentence each, every one quoted verbatim and attributed as a body paragraph is ("On October 17,
Japan Today reported that ..."), and closes on how much the report cites. Nothing is invented: the
report's own words are the leads and the counts, made from metadata.

A development quotes a sentence the report does not quote elsewhere (no body sentence appears twice):
another telling's first whole sentence where the story has one, else the lead telling's next one, else
a headline ("... reported under the headline “…”."; a headline may name in the overview the story
whose paragraph quotes it, as a summary names what the body tells). A sentence cut off by the feed,
a photo caption, or one that leans on an antecedent it lacks ("The suspension mirrors ...") is never a
development. A story told by several outlets says so in its lead ("The Moscow Times, one of 3 outlets
to report it, reported ..."). Developments in a row from one outlet and day name it once: "On November
18, Modern Tokyo Times reported: …", then "The outlet also reported: …", "It also reported …" (leads.credit).

The Overview heading also holds the catch-all section's paragraphs: the stories with no one counterpart
(the G7, the G20, the UN and its agencies such as the IAEA) and the subject's own foreign policy. They
print after the summary under their own sub-heading (templates), so the summary is not read as their
introduction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporter.compose import leads, salience
from reporter.compose.leads import join_names
from reporter.compose.paragraphs import Piece
from reporter.compose.sentences import is_caption, is_cut, passage_sentences, span_text
from reporter.models import Period
from reporter.nlp.vocabulary import Leaning, TermSet

MAX_STORIES = 5  # the top stories, across sections, by rank
MAX_PARTNERS = 3
# Section names read in a sentence with "the": "the United States", "the Middle East", "the Philippines".
_TAKES_THE = re.compile(
    r"^(?:United |Middle East|Near East|Far East|Gulf|Baltic|Balkan|Caucasus|Caribbean|Pacific|Arctic|Sahel|"
    r"Horn of|Korean Peninsula|Indo-Pacific|Americas|Philippines|Netherlands|European Union)"
)


@dataclass(frozen=True, slots=True)
class Development:
    """One of the month's top stories as the overview tells it: one attributed, verbatim sentence."""

    section: str
    rank: int
    credit: leads.Credit  # who told it and when; worded in `overview`, which knows the sentence before
    spread: str  # ", one of 3 outlets to report it," or ""
    quoted: str  # the verbatim part (a sentence, or a headline): no sentence appears twice in a report
    item_id: str
    headline: bool = False  # `quoted` is the telling's headline, not a sentence of its text

    def text(self, *, year: int, again: int = 0) -> str:
        """The development in the report's words around the verbatim part (`again`: see leads.credit)."""
        who = leads.credit(self.credit, year=year, spread=self.spread, again=again)
        if self.headline:
            return f"{who} under the headline “{self.quoted.rstrip('.')}”."
        made = leads.reported(who, self.quoted)
        return f"{made.text} {self.quoted[made.absorbed :]}"


def _items(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


def _period_word(period: Period) -> str:
    return "This month's" if period.months == 1 else "This period's"


def partners_sentence(counts: Mapping[str, int], period: Period, *, exclude: str | None) -> str | None:
    """'This month's coverage centred on North Korea (4 items), China (3) and Russia and Ukraine (3).'"""
    ranked = sorted(
        ((name, n) for name, n in counts.items() if n and name != exclude),
        key=lambda kv: -kv[1],  # stable: ties keep the report's section order
    )[:MAX_PARTNERS]
    if not ranked:
        return None
    named = [f"the {name}" if _TAKES_THE.match(name) else name for name, _ in ranked]
    parts = [
        f"{named[0]} ({_items(ranked[0][1])})",
        *(f"{w} ({n})" for w, (_, n) in zip(named[1:], ranked[1:], strict=True)),
    ]
    return f"{_period_word(period)} coverage centred on {join_names(tuple(parts))}."


def change_sentence(counts: Mapping[str, int], previous: Mapping[str, int] | None) -> str | None:
    """The largest change against last period: 'Coverage of Europe rose from 1 item to 4.'"""
    if not previous:
        return None
    changes = [(name, previous.get(name, 0), n) for name, n in counts.items()]
    changes += [(name, n, 0) for name, n in previous.items() if name not in counts]
    name, before, now = max(changes, key=lambda c: abs(c[2] - c[1]), default=("", 0, 0))
    if before == now:
        return None
    verb = "rose" if now > before else "fell"
    return f"Coverage of {name} {verb} from {_items(before)} last period to {now}."


def _outlet(piece: Piece) -> str | None:
    return leads.outlet_of(piece.head.passage) or piece.item.outlet


def _sentence(piece: Piece, taken: set[str], leaning: Leaning, captions: TermSet | None) -> str | None:
    """The telling's first sentence that can stand alone in the overview, or None."""
    for c in piece.primaries:
        for span in passage_sentences(c.passage):
            text = span_text(c.passage, span)
            if text in taken or not salience.usable(text, salience.word_count(text)):
                continue
            if leaning.opens(text):
                continue
            if captions is not None and is_caption(text, captions):
                continue
            return text
    return None


def develop(
    section: str,
    rank: int,
    lead: Piece,
    tellings: Sequence[Piece],
    taken: set[str],
    *,
    leaning: Leaning,
    headlines: set[str] | None = None,
    captions: TermSet | None = None,
) -> Development | None:
    """Tell one story in one attributed sentence (None: none left; see the module's rule).

    A quoted sentence is added to `taken`; a headline to `headlines`, those the overview has named.
    """
    articles = [p for p in tellings if p.head.passage.style != "report" and _outlet(p)]
    others = [p for p in articles if p is not lead]
    told = len({_outlet(p) for p in tellings if _outlet(p)})
    spread = f", one of {told} outlets to report it," if told > 1 else ""
    for piece in [*others, *([lead] if lead in articles else [])]:
        sentence = _sentence(piece, taken, leaning, captions)
        if sentence is None:
            continue
        day, precision = leads.date_of(piece.head.passage)
        taken.add(sentence)
        told = leads.Credit(_outlet(piece), day, precision)
        return Development(section, rank, told, spread, sentence, piece.item.id)
    for piece in [lead, *others] if lead in articles else others:
        headline = piece.item.title.strip()
        named = headlines if headlines is not None else taken
        if not headline or headline in named or is_cut(headline):
            continue
        named.add(headline)
        told = leads.Credit(_outlet(piece), piece.head.timing.day, "day")
        return Development(section, rank, told, spread, headline, piece.item.id, headline=True)
    return None


def overview(
    developments: Sequence[Development],
    counts: Mapping[str, int],
    period: Period,
    *,
    subject: str,
    overview_section: str | None,
    previous: Mapping[str, int] | None = None,
    cited: int | None = None,
    outlets: int | None = None,
    sections: int | None = None,
) -> tuple[str, ...]:
    """The overview's sentences, in reading order: where coverage centred, the developments, the counts."""
    if not developments and not any(counts.values()):
        return (f"No coverage of {subject}'s foreign relations was found for {period.label}.",)
    out: list[str] = []
    if partners := partners_sentence(counts, period, exclude=overview_section):
        out.append(partners)
    # A development from the outlet and day just named does not name them again ("The outlet also
    # reported ..."); leads.credit words it.
    again, before = 0, None
    for d in sorted(developments, key=lambda d: d.rank)[:MAX_STORIES]:
        again = again + 1 if d.credit.follows(before) else 0
        out.append(d.text(year=period.last_month.year, again=again))
        before = d.credit
    total = cited if cited is not None else sum(counts.values())
    outlets = outlets if outlets is not None else 0
    sections = sections if sections is not None else len({d.section for d in developments})
    out.append(
        f"In all, the report cites {_items(total)} from {outlets} "
        f"outlet{'s' if outlets != 1 else ''} in {sections} section{'s' if sections != 1 else ''}."
    )
    if change := change_sentence(counts, previous):
        out.append(change)
    return tuple(out)
