"""One decision row per item of the period: relevant or not, section, story, placement and why.

The rows are the report's account of itself for evaluation (`bench/eval_*`) and for `reporter analyze`;
readers never see them. An item is of the period when any of its passages counts for the period (or,
having no passage, when it was published in it). It is relevant when any of its passages is.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reporter.compose import period as periods
from reporter.models import Analysis, Decision, Period
from reporter.normalize import text_cut

PARAGRAPH, ALSO, LEFT_OUT = "paragraph", "also", "left out"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one passage: relevant or not, its section and story, and the reason."""

    item_id: str
    passage_index: int | None  # None for an item without passages
    relevant: bool
    section: str | None
    story: str | None
    reason: str


def story_id(item_id: str, passage_index: int) -> str:
    """A stable id for the story first told by this passage: the same in every build of the period."""
    digest = hashlib.sha1(f"{item_id}#{passage_index}".encode()).hexdigest()
    return f"s-{digest[:12]}"


def decide(
    analyses: Sequence[Analysis],
    period: Period,
    outcomes: Iterable[Outcome],
    *,
    in_paragraph: Mapping[str, str],
    in_also: Mapping[str, str] | None = None,
) -> tuple[Decision, ...]:
    """The rows, in the order the analyses came; `in_paragraph`/`in_also` map an item to its section."""
    in_also = in_also or {}
    by_item: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_item[outcome.item_id].append(outcome)
    rows: list[Decision] = []
    for analysis in analyses:
        item = analysis.item
        if not of_period(analysis, period):
            continue
        mine = by_item.get(item.id, [])
        relevant = [o for o in mine if o.relevant]
        if item.id in in_paragraph:
            placement, section = PARAGRAPH, in_paragraph[item.id]
        elif item.id in in_also:
            placement, section = ALSO, in_also[item.id]
        else:
            placement, section = LEFT_OUT, relevant[0].section if relevant else None
        fallback = relevant[0] if relevant else next((o for o in mine if o.story), None)
        chosen = next((o for o in relevant if o.section == section), fallback)
        reasons = list(dict.fromkeys(o.reason for o in (relevant or mine) if o.reason))
        rows.append(
            Decision(
                item_id=item.id,
                url=item.url,
                title=item.title,
                outlet=item.outlet,
                published=item.published,
                relevant=bool(relevant),
                section=section if relevant else None,
                story=chosen.story if chosen else None,
                placement=placement,
                reason="; ".join(reasons[:3]) or "no passage about foreign relations",
                text_cut=text_cut(item),
            )
        )
    return tuple(rows)


def of_period(analysis: Analysis, period: Period) -> bool:
    """Whether an item belongs to the period: a passage counts for it, or (none) it was published in it."""
    if not analysis.passages:
        return period.contains(analysis.item.published)
    return any(periods.in_period(periods.timing(p, analysis.item), period) for p in analysis.passages)
