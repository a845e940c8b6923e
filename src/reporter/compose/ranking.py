"""Rank the period's stories and spend the report's paragraph budget on the best of them.

A story's score adds three things an analyst weighs:

- breadth: how many distinct outlets told it (the strongest sign that it mattered);
- persistence: how many days it was told on, beyond the first, at half weight;
- prominence, up to 3: the subject named in a headline (0.5), the section's counterpart named in a
  headline (0.5), how surely the analyzer placed it in its section (its confidence, 0 to 1), and a
  government act in a headline that names the subject (1: aid given, sanctions imposed, a visit, an
  agreement, a summit, a protest lodged; data/topics.yaml `acts`). Acts of state are what an analyst
  reads a brief for: a single day's aid package should not lose its paragraph to a survey told twice.

Of two stories that score the same, the one whose headline shows a state acting comes first (an act
of state, or what its courts and law officers do: topics.yaml `acts`, `justice`), then the earlier one:
a court ordering a looted statue returned is what a brief reports before an opinion survey of the same
weight, whichever was told first.

Stories are taken best first: each gets a paragraph while the report's budget (`max_paragraphs`,
default 45) and its section's cap (`sections[].max_paragraphs`) allow, except that the budget is first
owed to every section's best story: a section with a story to tell is never left with none while a
bigger one takes its fifth. The next ones become a short "Also this month" list of linked headlines in
their section (at most `ALSO_PER_SECTION`), and the rest are left out, counted in the JSON but not shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reporter.compose.paragraphs import Piece
from reporter.models import ReportSpec, Section
from reporter.nlp.vocabulary import TermSet, Vocabulary

ACT_WEIGHT = 1.0
MAX_PROMINENCE = 3.0

ALSO_PER_SECTION = 8
PARAGRAPH, ALSO, LEFT_OUT = "paragraph", "also", "left out"


@dataclass(slots=True)
class Ranked:
    """A story on its way through composition: its tellings, section, score and place in the report."""

    id: str
    section: Section
    tellings: list[Piece]  # earliest first
    score: float = 0.0
    rank: int = 0
    placement: str = LEFT_OUT


def section_of(tellings: Sequence[Piece]) -> Section:
    """The section most of the story's tellings were placed in; ties go to the surer placement."""
    votes: Counter[str] = Counter()
    sure: dict[str, float] = {}
    by_name: dict[str, Section] = {}
    for u in tellings:
        name = u.head.section.name
        votes[name] += 1
        sure[name] = sure.get(name, 0.0) + max(c.passage.confidence for c in u.primaries)
        by_name[name] = u.head.section
    best = max(votes, key=lambda n: (votes[n], sure[n]))
    return by_name[best]


def _outlet(u: Piece) -> str:
    a = u.head.passage.attribution
    return (a.outlet if u.head.passage.style != "report" else u.item.outlet) or f"unknown:{u.item.id}"


def state_act(story: Ranked, subject: str, acts: TermSet) -> bool:
    """Whether a headline of the story names the subject and a government act ("Japan to give aid")."""
    for u in story.tellings:
        if u.head.passage.style == "report":
            continue  # a digest's title names the digest
        if any(m.code == subject and m.role == "title" for m in u.head.passage.countries) and acts.find(
            u.item.title
        ):
            return True
    return False


def official(story: Ranked, vocabulary: Vocabulary) -> bool:
    """Whether a headline of the story shows a state acting: an act of state, a ruling, an arrest.

    Acts, not state organs: an embassy or a diplomat named in a headline is as often the one acted on
    ("nuisance calls made to Japan embassy") as the one acting.
    """
    sets = (vocabulary.acts, vocabulary.justice)
    for u in story.tellings:
        if u.head.passage.style != "report" and any(t.find(u.item.title) for t in sets):
            return True
    return False


def score(story: Ranked, subject: str, acts: TermSet | None = None) -> float:
    """Breadth + half the days beyond the first + prominence (see the module's rule)."""
    breadth = len({_outlet(u) for u in story.tellings})
    days = {u.head.timing.day for u in story.tellings}
    members = set(story.section.members)
    titles = [
        m for u in story.tellings for c in u.primaries for m in c.passage.countries if m.role == "title"
    ]
    prominence = (
        0.5 * any(m.code == subject for m in titles)
        + 0.5 * any(m.code in members for m in titles)
        + max(c.passage.confidence for u in story.tellings for c in u.primaries)
        + (ACT_WEIGHT if acts is not None and state_act(story, subject, acts) else 0.0)
    )
    return breadth + 0.5 * (len(days) - 1) + min(prominence, MAX_PROMINENCE)


def _has_headline(story: Ranked) -> bool:
    """Whether a story can be listed by headline: a digest's paragraph has only the digest's title."""
    return any(u.head.passage.style != "report" for u in story.tellings)


def rank(stories: Sequence[Ranked], spec: ReportSpec, vocabulary: Vocabulary | None = None) -> list[Ranked]:
    """Score and rank every story; returned best first (ties: a state acting first, then the earlier)."""
    acts = vocabulary.acts if vocabulary is not None else None
    for story in stories:
        story.score = round(score(story, spec.subject, acts), 3)
    acting = {id(s): vocabulary is not None and official(s, vocabulary) for s in stories}
    ordered = sorted(stories, key=lambda s: (-s.score, not acting[id(s)], s.tellings[0].order_key()))
    for n, story in enumerate(ordered, start=1):
        story.rank = n
    return ordered


def allot(ordered: Sequence[Ranked], spec: ReportSpec, write: Callable[[Ranked], bool]) -> None:
    """Give paragraphs to the best stories within the budget and caps, then "Also this month" lines.

    `write` makes a story's paragraph and says whether it could (it cannot when all its sentences
    are already in the report); a story that could not be written takes no budget. The budget is owed
    first to each section's best story: a story that would be its section's second or later paragraph
    takes a paragraph only while enough budget is left for every section still without one. What a
    section owed could not use (none of its stories could be written) goes to the best of the rest.
    """
    budget = spec.max_paragraphs
    per_section: Counter[str] = Counter()
    waiting = Counter(s.section.name for s in ordered)  # each section's stories not yet considered
    caps = {s.section.name: s.section.max_paragraphs for s in ordered}

    def fits(story: Ranked) -> bool:
        cap = story.section.max_paragraphs
        return cap is None or per_section[story.section.name] < cap

    def owed(besides: str) -> int:
        """Sections still without a paragraph that have a story further down to give them one."""
        return sum(
            1
            for name, left in waiting.items()
            if left and name != besides and not per_section[name] and caps[name] != 0
        )

    passed: list[Ranked] = []  # skipped for the budget, not because they could not be written
    for story in ordered:
        name = story.section.name
        waiting[name] -= 1
        held = owed(name) if per_section[name] else 0
        if budget > held and fits(story):
            if write(story):
                story.placement = PARAGRAPH
                per_section[name] += 1
                budget -= 1
        elif fits(story):
            passed.append(story)
    for story in passed:
        if budget > 0 and fits(story) and write(story):
            story.placement = PARAGRAPH
            per_section[story.section.name] += 1
            budget -= 1
    also: Counter[str] = Counter()
    for story in ordered:
        if story.placement == PARAGRAPH:
            continue
        name = story.section.name
        if also[name] < ALSO_PER_SECTION and _has_headline(story):
            story.placement = ALSO
            also[name] += 1
        else:
            story.placement = LEFT_OUT
