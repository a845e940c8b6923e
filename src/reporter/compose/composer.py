"""Analyses + period → Report: select passages, find stories, rank them, write one paragraph per story."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from reporter.compose import citations, decisions, leads, leftout, overview, paragraphs, ranking, stories
from reporter.compose import period as periods
from reporter.compose.leftout import NOT_RELEVANT, OUT_OF_PERIOD, Dropped
from reporter.compose.paragraphs import Candidate, Piece, Written
from reporter.compose.ranking import Ranked
from reporter.compose.sentences import word_count
from reporter.models import (
    Analysis,
    Headline,
    Item,
    Paragraph,
    Passage,
    Period,
    Report,
    ReportSection,
    ReportSpec,
    Section,
    Story,
    Telling,
)
from reporter.nlp import storyvectors
from reporter.nlp.vocabulary import TermSet, Vocabulary, compile_terms

log = logging.getLogger(__name__)

_DEFAULT = object()


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
            timing = periods.timing(passage, item)
            if not periods.in_period(timing, period):
                dropped.append(Dropped(item, passage, OUT_OF_PERIOD, periods.describe(timing)))
                continue
            section = _section_of(passage, by_name, fallback)
            if section is None:
                dropped.append(Dropped(item, passage, NOT_RELEVANT, "no section of this report fits it"))
                continue
            kept.append(Candidate(len(kept), passage, item, section, timing, word_count(passage.text)))
    return kept, dropped


def find_stories(
    tellings: Sequence[Piece],
    rest: Sequence[Item],
    analyses: Sequence[Analysis],
    embed: stories.Embed | None,
    subject: str = "",
    acts: TermSet | None = None,
    known: storyvectors.Known | None = None,
) -> tuple[list[Ranked], dict[str, str]]:
    """Group the tellings into stories (see `stories`), each with its section and a stable id.

    The period's other items (`rest`, which the report does not use) are clustered along, so that every
    item has a story id in the JSON's decisions; they never join two of the report's stories together.
    Returns the report's stories and the story id of each of the other items. `subject` and `acts` (the
    vocabulary's acts of state) say whom and what the tellings' headlines name.
    """
    acts = acts or compile_terms("acts", ())
    docs = [
        stories.Doc(
            n,
            u.item.id,
            "" if u.head.passage.style == "report" else u.item.title,
            u.text,
            u.item.published,
            actors=frozenset(_actors(u, subject)),
            first_actor=next(iter(_actors(u, subject)), None),
            acts=stories.act_stems(acts.find(u.item.title))
            if u.head.passage.style != "report"
            else frozenset(),
        )
        for n, u in enumerate(tellings)
    ]
    docs += [
        stories.Doc(len(tellings) + n, it.id, it.title, it.text, it.published, relevant=False)
        for n, it in enumerate(rest)
    ]
    background = [f"{a.item.title}. {a.item.text}" for a in analyses]
    out: list[Ranked] = []
    others: dict[str, str] = {}
    for keys in stories.clusters(docs, background=background, embed=embed, known=known):
        mine = [k for k in keys if k < len(tellings)]
        if mine:
            group = sorted((tellings[k] for k in mine), key=Piece.order_key)
            first = group[0].head
            sid = decisions.story_id(first.item.id, first.passage.index)
            out.append(Ranked(sid, ranking.section_of(group), group))
        else:
            sid = decisions.story_id(rest[keys[0] - len(tellings)].id, 0)
        others.update((rest[k - len(tellings)].id, sid) for k in keys if k >= len(tellings))
    return out, others


def _actors(u: Piece, subject: str) -> tuple[str, ...]:
    """The counterparts a telling's headline names, in order: who the story is between, subject aside."""
    if u.head.passage.style == "report":
        return ()  # a digest's title names the digest, not the event
    named = sorted(
        (m for m in u.head.passage.countries if m.role == "title" and m.code != subject),
        key=lambda m: m.start,
    )
    return tuple(dict.fromkeys(m.code for m in named))


def _title(u: Piece) -> str:
    """A telling's headline for story-finding; a digest's title names the digest, not the event."""
    return "" if u.head.passage.style == "report" else u.item.title


def _telling(u: Piece) -> Telling:
    a = u.head.passage.attribution
    outlet = leads.outlet_of(u.head.passage) or u.item.outlet
    return Telling(
        u.item.id, u.head.passage.index, outlet, u.head.timing.day, a.title or u.item.title, u.item.url
    )


def _headline(story: Ranked) -> Headline:
    lead = paragraphs.lead_telling(story.tellings)
    told = _telling(lead)
    others = {t.outlet for t in map(_telling, story.tellings) if t.outlet and t.outlet != told.outlet}
    return Headline(story.id, lead.item.title, lead.item.url, told.outlet, told.day, len(others))


def _embedding(
    embed: stories.Embed | object | None,
    known: storyvectors.Known,
    candidates: int,
) -> stories.Embed | None:
    """How tellings are embedded: the given model or WordLlama (loaded only if a vector is missing)."""
    if embed is _DEFAULT:
        if candidates <= 1 or not stories.wordllama_installed():
            return None
        return storyvectors.reusing(stories.wordllama, known)
    if callable(embed):
        return storyvectors.reusing(lambda: embed, known)
    return None


def compose(
    analyses: Sequence[Analysis],
    spec: ReportSpec,
    period: Period,
    *,
    now: datetime,
    problems: Sequence[str] = (),
    previous_counts: Mapping[str, int] | None = None,
    embed: stories.Embed | object | None = _DEFAULT,
    vectors: storyvectors.Known | Mapping[str, bytes] | None = None,
) -> Report:
    """Compose the report for one period from analysed items: overview, sections, sources, left out.

    `embed` is the word-embedding model stories are found with (default: WordLlama, loaded once per
    process and only when a text has no known vector; None for TF-IDF alone). `vectors`: the story
    vectors and near-copy signatures known before the build (the items' records, earlier builds'
    tellings), reused where they fit; what the build makes is added to its `made` (nlp/storyvectors.py).
    """
    candidates, dropped = select(spec, period, analyses)
    known = vectors if isinstance(vectors, storyvectors.Known) else storyvectors.Known(dict(vectors or {}))
    model = _embedding(embed, known, len(candidates))
    used = {c.item.id for c in candidates}
    rest = [a.item for a in analyses if a.item.id not in used and decisions.of_period(a, period)]
    vocabulary = Vocabulary.load()
    found, story_of_rest = find_stories(
        paragraphs.pieces(candidates),
        rest,
        analyses,
        model,
        spec.subject,
        vocabulary.acts,
        known,
    )
    ordered = ranking.rank(found, spec, vocabulary)

    year = period.last_month.year
    taken: set[str] = set()  # sentence texts already in the report: none appears twice
    written: dict[str, tuple[Piece, Written]] = {}

    def write(story: Ranked) -> bool:
        lead = paragraphs.lead_telling(story.tellings)
        others = [u for u in story.tellings if u is not lead]
        done = paragraphs.write(
            lead,
            others,
            spec,
            taken,
            year=year,
            story=story.id,
            leaning=vocabulary.leaning,
            captions=vocabulary.captions,
        )
        if done is not None:
            written[story.id] = (lead, done)
        return done is not None

    ranking.allot(ordered, spec, write)

    sections: list[ReportSection] = []
    cited: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    outlets: set[str] = set()
    in_paragraph: dict[str, str] = {}
    in_also: dict[str, str] = {}
    for section in spec.sections:
        mine = [s for s in ordered if s.section.name == section.name]
        if not mine:
            continue  # empty sections are omitted
        base = citations.slug(section.name)
        placed = sorted(
            (s for s in mine if s.placement == ranking.PARAGRAPH), key=lambda s: written[s.id][0].order_key()
        )
        out: list[Paragraph] = []
        for n, story in enumerate(placed, start=1):
            lead, done = written[story.id]
            anchor = f"p-{base}-{n}"
            members = [lead, *(u for u in story.tellings if u is not lead)]
            cited[anchor] = list(dict.fromkeys(u.item.id for u in members))
            out.append(replace(done.paragraph, anchor=anchor, section=section.name))
            outlets.update(o for o in (done.paragraph.outlet, *done.paragraph.also_reported_by) if o)
            in_paragraph.update((item_id, section.name) for item_id in cited[anchor])
        also = tuple(_headline(s) for s in mine if s.placement == ranking.ALSO)
        for story in mine:
            if story.placement == ranking.ALSO:
                in_also.update((u.item.id, section.name) for u in story.tellings)
        counts[section.name] = len({_source_key(c) for s in mine for u in s.tellings for c in u.primaries})
        if out or also:
            sections.append(ReportSection(section.name, base, tuple(out), also, section.overview))

    dropped += leftout.tellings_left_out(ordered, {sid: lead for sid, (lead, _) in written.items()})
    outcomes = leftout.outcomes(candidates, ordered, dropped, story_of_rest)
    items = {a.item.id: a.item for a in analyses}
    numbered, source_refs = citations.number_sources(sections, cited, items)
    distinct = {_source_key(c) for c in candidates if c.section.name in counts}
    developments, headlines = [], set()
    for story in ordered:  # best first: the overview tells the top stories that have a paragraph
        if story.placement != ranking.PARAGRAPH or len(developments) == overview.MAX_STORIES:
            continue
        told = overview.develop(
            story.section.name,
            story.rank,
            written[story.id][0],
            story.tellings,
            taken,
            headlines=headlines,
            leaning=vocabulary.leaning,
            captions=vocabulary.captions,
        )
        if told is not None:
            developments.append(told)
    sentences = overview.overview(
        developments,
        counts,
        period,
        subject=spec.subject_name,
        overview_section=next((s.name for s in spec.sections if s.overview), None),
        previous=previous_counts,
        cited=len({n for s in numbered for p in s.paragraphs for n in p.source_numbers}),
        outlets=len(outlets),
        sections=sum(1 for s in numbered if s.paragraphs),
    )
    coverage = tuple(
        (s.name, counts.get(s.name, 0), previous_counts.get(s.name) if previous_counts is not None else None)
        for s in spec.sections
        if counts.get(s.name) or (previous_counts or {}).get(s.name)
    )
    log.info(
        "composed %s %s: %d stories, %d paragraphs (%d candidate passages)",
        spec.slug,
        period.key,
        len(ordered),
        sum(len(s.paragraphs) for s in numbered),
        len(distinct),
    )
    return Report(
        spec=spec,
        period=period,
        title=spec.title_for(period),
        generated=now,
        overview=sentences,
        sections=numbered,
        sources=source_refs,
        left_out=leftout.left_out(dropped),
        problems=tuple(problems),
        coverage=coverage,
        decisions=decisions.decide(analyses, period, outcomes, in_paragraph=in_paragraph, in_also=in_also),
        stories=tuple(
            Story(s.id, s.section.name, tuple(map(_telling, s.tellings)), s.score, s.rank, s.placement)
            for s in ordered
        ),
        source_count=len(spec.feeds) + (1 if spec.seeds else 0),
    )
