"""Analyses + period → Report: filter, merge stories, place in sections, write paragraphs, number sources."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from reporter.compose import decisions, dedup, leads, overview, paragraphs, sources
from reporter.compose import period as periods
from reporter.compose.paragraphs import Candidate, Unit, Written
from reporter.compose.sentences import word_count
from reporter.models import (
    Analysis,
    Item,
    LeftOut,
    Paragraph,
    Passage,
    Period,
    Report,
    ReportSection,
    ReportSpec,
    Section,
)

log = logging.getLogger(__name__)

DUPLICATE, OUT_OF_PERIOD, NOT_RELEVANT = "duplicate", "out of period", "not relevant"


@dataclass(frozen=True, slots=True)
class Dropped:
    """A passage (or a whole item, `passage` None) left out, before grouping per item."""

    item: Item
    passage: Passage | None
    reason: str
    detail: str


def _section_of(passage: Passage, by_name: Mapping[str, Section], fallback: Section | None) -> Section | None:
    if passage.section:
        found = by_name.get(passage.section.strip().lower())
        if found is not None:
            return found
    return fallback


def _source_key(c: Candidate) -> tuple[str, ...]:
    """What counts as one item for coverage: the item, or for a digest each source it summarises."""
    if c.passage.style != "report":
        return (c.item.id,)
    a = c.passage.attribution
    return (c.item.id, a.outlet or "", a.date.isoformat() if a.date else "", a.issue or "", *a.authors)


def select(
    spec: ReportSpec, period: Period, analyses: Sequence[Analysis]
) -> tuple[list[Candidate], list[Dropped]]:
    """Keep the relevant passages of the period that a section takes; record why the rest are out."""
    by_name = {s.name.strip().lower(): s for s in spec.sections}
    # Passages the analyzer could not place go to the catch-all section, if the report has one.
    fallback = next((s for s in spec.sections if s.overview), None)
    kept: list[Candidate] = []
    dropped: list[Dropped] = []
    for analysis in analyses:
        item = analysis.item
        if not analysis.passages:
            note = "; ".join(analysis.notes) or "no passage about foreign relations"
            dropped.append(Dropped(item, None, NOT_RELEVANT, note))
            continue
        for passage in analysis.passages:
            if not passage.relevant:
                why = "; ".join(passage.reasons) or "not about the subject's foreign relations"
                dropped.append(Dropped(item, passage, NOT_RELEVANT, why))
                continue
            placement = periods.place(passage, item)
            if not periods.in_period(placement, period):
                dropped.append(Dropped(item, passage, OUT_OF_PERIOD, periods.describe(placement)))
                continue
            section = _section_of(passage, by_name, fallback)
            if section is None:
                dropped.append(Dropped(item, passage, NOT_RELEVANT, "no section of this report fits it"))
                continue
            text = item.text[passage.start : passage.end]
            kept.append(Candidate(len(kept), passage, item, section, placement, word_count(text)))
    return kept, dropped


def _primary(group: Sequence[Candidate]) -> Candidate:
    """The first source to report a story; among the same day, the fullest."""
    return min(group, key=lambda c: (c.placement.day, -c.words, c.key))


def _story(unit: Unit, done: Written, order: int) -> overview.Story:
    """How the overview sees a paragraph: a digest's paragraph is credited to the digest."""
    head = unit.head
    report_style = head.passage.style == "report"
    return overview.Story(
        section=head.section.name,
        headline=None if report_style else head.item.title,
        outlet=leads.known_outlet(head.item.outlet) if report_style else done.paragraph.outlet,
        day=None if report_style else done.paragraph.date,
        precision=leads.date_of(head.passage, head.item)[1],
        others=done.paragraph.also_reported_by,
        order=order,
    )


def _outcome(c: Candidate, story: str | None) -> decisions.Outcome:
    """A kept passage's outcome: relevant, in its section and story."""
    why = "; ".join(c.passage.reasons[:2]) or f"about {c.section.name}"
    return decisions.Outcome(c.item.id, c.passage.index, True, c.section.name, story, why)


def _left_out(dropped: Sequence[Dropped]) -> tuple[LeftOut, ...]:
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
        out.append(LeftOut(item_id=item_id, title=first.item.title, reason=reason, detail=detail))
    return tuple(out)


def compose(
    analyses: Sequence[Analysis],
    spec: ReportSpec,
    period: Period,
    *,
    now: datetime,
    problems: Sequence[str] = (),
    previous_counts: Mapping[str, int] | None = None,
) -> Report:
    """Compose the report for one period from analysed items: overview, sections, sources, left out."""
    candidates, dropped = select(spec, period, analyses)
    groups = dedup.clusters(
        [dedup.Doc(c.key, c.item.id, c.item.text[c.passage.start : c.passage.end]) for c in candidates]
    )
    stories: list[tuple[Candidate, list[Candidate]]] = []
    story_of: dict[int, str] = {}  # candidate key → story id
    for keys in groups:
        group = [candidates[k] for k in keys]
        primary = _primary(group)
        others = [c for c in group if c is not primary]
        stories.append((primary, others))
        sid = decisions.story_id(primary.item.id, primary.passage.index)
        story_of.update((c.key, sid) for c in group)
        for other in others:
            detail = f"same story as {primary.item.outlet}, “{primary.item.title}”"
            dropped.append(Dropped(other.item, other.passage, DUPLICATE, detail))

    year = period.last_month.year
    taken: set[str] = set()  # sentence texts already in the report: none appears twice
    written: dict[str, list[tuple[Unit, Written]]] = defaultdict(list)
    for unit in sorted(paragraphs.units(stories), key=Unit.order_key):
        done = paragraphs.write(unit, spec, taken, year=year)
        if done is None:
            for c in unit.primaries:
                dropped.append(
                    Dropped(c.item, c.passage, DUPLICATE, "its sentences are already in the report")
                )
            continue
        written[unit.head.section.name].append((unit, done))

    sections: list[ReportSection] = []
    cited: dict[str, list[str]] = {}
    story_views: list[overview.Story] = []
    counts: dict[str, int] = {}
    outlets: set[str] = set()
    for section in spec.sections:
        entries = written.get(section.name, [])
        if not entries:
            continue  # empty sections are omitted
        base = sources.slug(section.name)
        out: list[Paragraph] = []
        for n, (unit, done) in enumerate(entries, start=1):
            anchor = f"p-{base}-{n}"
            members = (*unit.primaries, *unit.others)
            cited[anchor] = list(dict.fromkeys(c.item.id for c in members))
            out.append(replace(done.paragraph, anchor=anchor))
            story_views.append(_story(unit, done, len(story_views)))
            outlets.update(o for o in (done.paragraph.outlet, *done.paragraph.also_reported_by) if o)
        counts[section.name] = len(
            {_source_key(c) for unit, _ in entries for c in (*unit.primaries, *unit.others)}
        )
        sections.append(ReportSection(name=section.name, anchor=base, paragraphs=tuple(out)))

    in_paragraph = {
        item_id: section.name
        for section in sections
        for p in section.paragraphs
        for item_id in cited.get(p.anchor, (p.item_id,))
    }
    outcomes = [_outcome(c, story_of.get(c.key)) for c in candidates]
    outcomes += [
        decisions.Outcome(d.item.id, d.passage.index if d.passage else None, False, None, None, d.detail)
        for d in dropped
        if d.reason == NOT_RELEVANT
    ]
    items = {a.item.id: a.item for a in analyses}
    numbered, source_refs = sources.number_sources(sections, cited, items)
    distinct = {_source_key(c) for c in candidates if c.section.name in counts}
    sentences = overview.overview(
        story_views,
        counts,
        period,
        subject=spec.subject_name,
        overview_section=next((s.name for s in spec.sections if s.overview), None),
        previous=previous_counts,
        cited=len(distinct),
        outlets=len(outlets),
    )
    coverage = tuple(
        (s.name, counts.get(s.name, 0), previous_counts.get(s.name) if previous_counts is not None else None)
        for s in spec.sections
        if counts.get(s.name) or (previous_counts or {}).get(s.name)
    )
    log.info("composed %s %s: %d paragraphs", spec.slug, period.key, sum(len(s.paragraphs) for s in numbered))
    return Report(
        spec=spec,
        period=period,
        title=spec.title_for(period),
        generated=now,
        overview=sentences,
        sections=numbered,
        sources=source_refs,
        left_out=_left_out(dropped),
        problems=tuple(problems),
        coverage=coverage,
        decisions=decisions.decide(analyses, period, outcomes, in_paragraph=in_paragraph),
    )
