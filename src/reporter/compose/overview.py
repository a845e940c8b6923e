"""The overview: the month's top stories by rank across sections, then the counts.

The subject's own context follows it: the paragraphs of the report's catch-all (Overview) section.

Nothing here is invented prose: fixed templates are filled from metadata. Each story is named by its
headline (the lead telling's title), its section (with whom), and how widely it was told (outlets and
days); body sentences are not repeated, so no sentence appears twice in a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reporter.compose.leads import join_names, when
from reporter.compose.sentences import is_cut
from reporter.models import Period

MAX_STORIES = 5  # the top stories, across sections, by rank
MAX_PARTNERS = 3


@dataclass(frozen=True, slots=True)
class Headliner:
    """A story as the overview sees it: headline, section, first teller and how widely it was told."""

    section: str
    headline: str | None  # None for a digest's paragraph, whose title names the digest
    outlet: str | None
    day: date | None
    precision: str | None
    outlets: int  # distinct outlets that told it, the first included
    days: int  # distinct days it was told on
    rank: int


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


def _spread(story: Headliner, year: int) -> str:
    """'Japan Today, October 17; 6 outlets over 3 days' — who told it first, and how widely."""
    first = story.outlet or "an unattributed source"
    on = when(story.day, story.precision, year)
    credit = f"{first}, {on}" if on else first
    if story.outlets > 1:
        span = f" over {story.days} days" if story.days > 1 else ""
        credit += f"; {story.outlets} outlets{span}"
    elif story.days > 1:
        credit += f"; told on {story.days} days"
    return credit


def _named(story: Headliner, year: int, overview_section: str | None) -> str:
    """'“<headline>” (China; Japan Today, October 17; 6 outlets over 3 days)'.

    A story of the report's own catch-all section is not labelled with it ("Overview; ..." says nothing).
    """
    headline = (story.headline or "").strip().rstrip(".")
    where = "" if story.section == overview_section else f"{story.section}; "
    return f"“{headline}” ({where}{_spread(story, year)})"


def top_sentences(
    stories: Sequence[Headliner], period: Period, *, overview_section: str | None
) -> tuple[str, ...]:
    """'The month's top story: “A” (...).', then 'Other leading stories: “B” (...); and “C” (...).'"""
    year = period.last_month.year
    ranked: list[Headliner] = []
    for story in sorted((s for s in stories if s.headline), key=lambda s: s.rank):
        headline = (story.headline or "").strip()
        # An item told in two sections is named once; a headline the feed cut off is not quoted.
        if is_cut(headline) or any(headline == (r.headline or "").strip() for r in ranked):
            continue
        ranked.append(story)
        if len(ranked) == MAX_STORIES:
            break
    if not ranked:
        return ()
    word = _period_word(period).replace("This", "The")
    out = [f"{word} top story: {_named(ranked[0], year, overview_section)}."]
    rest = [_named(s, year, overview_section) for s in ranked[1:]]
    if len(rest) == 1:
        out.append(f"Next came {rest[0]}.")
    elif rest:
        out.append(f"Other leading stories: {'; '.join(rest[:-1])}; and {rest[-1]}.")
    return tuple(out)


def overview(
    stories: Sequence[Headliner],
    counts: Mapping[str, int],
    period: Period,
    *,
    subject: str,
    overview_section: str | None,
    previous: Mapping[str, int] | None = None,
    cited: int | None = None,
    outlets: int | None = None,
) -> tuple[str, ...]:
    """The overview's sentences, in reading order; `stories` are those with a paragraph."""
    if not stories:
        return (f"No coverage of {subject}'s foreign relations was found for {period.label}.",)
    out = list(top_sentences(stories, period, overview_section=overview_section))
    if partners := partners_sentence(counts, period, exclude=overview_section):
        out.append(partners)
    total = cited if cited is not None else sum(counts.values())
    if outlets is None:
        outlets = len({s.outlet for s in stories if s.outlet})
    sections = len({s.section for s in stories})
    out.append(
        f"In all, the report cites {_items(total)} from {outlets} "
        f"outlet{'s' if outlets != 1 else ''} in {sections} section{'s' if sections != 1 else ''}."
    )
    if change := change_sentence(counts, previous):
        out.append(change)
    return tuple(out)
