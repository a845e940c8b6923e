"""The overview: template sentences from counts, then the lead facts of the most-covered stories.

Nothing here is invented prose: counts fill fixed templates, and each top story is named by its
headline (the item's title, from metadata) with the outlet and date it came from. Body sentences are
not repeated here, so no sentence appears twice in a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reporter.compose.leads import join_names, when
from reporter.models import Period

MAX_STORIES = 3
MAX_PARTNERS = 3


@dataclass(frozen=True, slots=True)
class Story:
    """A paragraph as the overview sees it: its section, lead fact, source and spread."""

    section: str
    headline: str | None  # the item's title; None for a digest's paragraph, whose title names the digest
    outlet: str | None
    day: date | None  # with `precision`
    precision: str | None
    others: tuple[str, ...]  # outlets that also reported it
    order: int  # the paragraph's place in the report


def _items(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


def _period_word(period: Period) -> str:
    months = (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month)
    return "This month's" if months == 1 else "This period's"


def partners_sentence(counts: Mapping[str, int], period: Period, *, exclude: str | None) -> str | None:
    """'This month's coverage centred on North Korea (4 items), China (3) and Russia and Ukraine (3).'"""
    ranked = sorted(
        ((name, n) for name, n in counts.items() if n and name != exclude),
        key=lambda kv: -kv[1],  # stable: ties keep the report's section order
    )[:MAX_PARTNERS]
    if not ranked:
        return None
    parts = [f"{ranked[0][0]} ({_items(ranked[0][1])})", *(f"{name} ({n})" for name, n in ranked[1:])]
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


def story_sentence(story: Story, year: int) -> str:
    """'In North Korea: “<headline>” (Geopolitical Monitor, November 10; also reported by X).'"""
    source = story.outlet or "unattributed"
    on = when(story.day, story.precision, year)
    credit = f"{source}, {on}" if on else source
    if story.others:
        credit += f"; also reported by {join_names(story.others)}"
    headline = (story.headline or "").strip().rstrip(".")
    return f"In {story.section}: “{headline}” ({credit})."


def overview(
    stories: Sequence[Story],
    counts: Mapping[str, int],
    period: Period,
    *,
    subject: str,
    overview_section: str | None,
    previous: Mapping[str, int] | None = None,
    cited: int | None = None,
    outlets: int | None = None,
) -> tuple[str, ...]:
    """The overview's sentences, in reading order."""
    if not stories:
        return (f"No coverage of {subject}'s foreign relations was found for {period.label}.",)
    out = [s for s in (partners_sentence(counts, period, exclude=overview_section),) if s]
    total = cited if cited is not None else sum(counts.values())
    if outlets is None:
        outlets = len({s.outlet for s in stories if s.outlet} | {o for s in stories for o in s.others})
    sections = len({s.section for s in stories})
    out.append(
        f"In all, the report cites {_items(total)} from {outlets} "
        f"outlet{'s' if outlets != 1 else ''} in {sections} section{'s' if sections != 1 else ''}."
    )
    if change := change_sentence(counts, previous):
        out.append(change)
    # The most-covered stories first; among equals, those of the most-covered sections, then report order.
    ranked = sorted(
        (s for s in stories if s.headline), key=lambda s: (-len(s.others), -counts.get(s.section, 0), s.order)
    )
    seen_sections: set[str] = set()
    seen_headlines: set[str] = set()
    for story in ranked:
        if len(seen_sections) >= MAX_STORIES:
            break
        # A country section's top story, once per item: "In Overview: ..." would say nothing.
        if (
            story.section in seen_sections
            or story.section == overview_section
            or story.headline in seen_headlines
        ):
            continue
        seen_sections.add(story.section)
        seen_headlines.add(story.headline or "")
        out.append(story_sentence(story, period.last_month.year))
    return tuple(out)
