"""What a report leaves out and why, and what became of each passage it weighed.

Composition drops passages at several steps (not relevant, out of period, told by another telling of
the same story, over the budget); this module names those reasons once, groups them per item for the
report's left-out list, and turns every passage's fate into the rows `decisions` aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporter.compose import decisions, ranking
from reporter.compose.paragraphs import Candidate, Piece
from reporter.compose.ranking import Ranked
from reporter.models import Item, LeftOut, Passage
from reporter.normalize import text_cut

DUPLICATE, OUT_OF_PERIOD, NOT_RELEVANT = "duplicate", "out of period", "not relevant"
ALSO, OVER_BUDGET = "also this month", "over the paragraph budget"

_PLACED = {
    ranking.PARAGRAPH: "its story has a paragraph",
    ranking.ALSO: "its story is listed under Also this month",
    ranking.LEFT_OUT: "its story is over the paragraph budget",
}


@dataclass(frozen=True, slots=True)
class Dropped:
    """A passage (or a whole item, `passage` None) left out, before grouping per item."""

    item: Item
    passage: Passage | None
    reason: str
    detail: str


def tellings_left_out(ordered: Sequence[Ranked], leads: Mapping[str, Piece]) -> list[Dropped]:
    """The tellings no paragraph quotes: the other tellings of a written story, and unwritten stories'."""
    out: list[Dropped] = []
    for story in ordered:
        lead = leads.get(story.id)
        for u in story.tellings:
            if u is lead:
                continue
            if story.placement == ranking.PARAGRAPH and lead is not None:
                detail = f"same story as {lead.item.outlet or 'an unknown outlet'}, “{lead.item.title}”"
                out += [Dropped(u.item, c.passage, DUPLICATE, detail) for c in u.primaries]
            elif story.placement != ranking.PARAGRAPH:
                reason = ALSO if story.placement == ranking.ALSO else OVER_BUDGET
                detail = f"story ranked {story.rank} of {len(ordered)}, score {story.score}"
                out += [Dropped(u.item, c.passage, reason, detail) for c in u.primaries]
    return out


def outcomes(
    candidates: Sequence[Candidate],
    ordered: Sequence[Ranked],
    dropped: Sequence[Dropped],
    story_of_rest: Mapping[str, str],
) -> list[decisions.Outcome]:
    """Each weighed passage's outcome: the relevant ones with their story and placement, then the rest."""
    story_of = {(c.item.id, c.passage.index): s for s in ordered for u in s.tellings for c in u.primaries}
    out = []
    for c in candidates:
        story = story_of[(c.item.id, c.passage.index)]
        rank = f"story {story.rank} of {len(ordered)}, score {story.score}"
        why = f"{_PLACED[story.placement]} ({rank}); {_why(c)}"
        out.append(decisions.Outcome(c.item.id, c.passage.index, True, c.section.name, story.id, why))
    out += [
        decisions.Outcome(
            d.item.id,
            d.passage.index if d.passage else None,
            False,
            None,
            story_of_rest.get(d.item.id),
            d.detail,
        )
        for d in dropped
        if d.reason == NOT_RELEVANT
    ]
    return out


def left_out(dropped: Sequence[Dropped]) -> tuple[LeftOut, ...]:
    """One entry per item and reason, saying how many of its passages it concerns."""
    grouped: dict[tuple[str, str], list[Dropped]] = defaultdict(list)
    for d in dropped:
        grouped[(d.item.id, d.reason)].append(d)
    out: list[LeftOut] = []
    for (item_id, reason), group in grouped.items():
        first = group[0]
        details = list(dict.fromkeys(d.detail for d in group if d.detail))
        if first.passage is None:
            detail = details[0] if details else ""
        else:
            shown = "; ".join(details[:3]) + (f"; and {len(details) - 3} more" if len(details) > 3 else "")
            count = f"{len(group)} passage{'s' if len(group) != 1 else ''}"
            detail = f"{count}: {shown}" if shown else count
        out.append(
            LeftOut(
                item_id=item_id,
                title=first.item.title,
                reason=reason,
                detail=detail,
                text_cut=text_cut(first.item),
            )
        )
    return tuple(out)


def _why(c: Candidate) -> str:
    return "; ".join(c.passage.reasons[:2]) or f"about {c.section.name}"
