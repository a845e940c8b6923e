"""Write one attributed paragraph: a lead from metadata, then whole sentences verbatim, in source order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reporter.compose import leads, salience
from reporter.compose.period import Placement
from reporter.compose.sentences import passage_sentences
from reporter.models import Item, Paragraph, Passage, ReportSpec, Section, SentenceRef


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage that passed relevance and period, with its item, section and placement."""

    key: int
    passage: Passage
    item: Item
    section: Section
    placement: Placement
    words: int


@dataclass(slots=True)
class Unit:
    """What becomes one paragraph: passages of one item in one section, and the stories' other tellers.

    An article's passages that land in the same section make one paragraph, as an analyst would write
    it; a digest's report-style passages stay one paragraph each.
    """

    primaries: list[Candidate]
    others: list[Candidate] = field(default_factory=list)

    @property
    def head(self) -> Candidate:
        """The passage whose attribution the lead uses: the first in the item."""
        return self.primaries[0]

    def order_key(self) -> tuple[object, ...]:
        """Chronological by the date reported on; undated pieces (journal issues) last, in source order."""
        first = min(self.primaries, key=lambda c: (not c.placement.known, c.placement.day))
        return (
            not first.placement.known,
            first.placement.day,
            self.head.item.published,
            self.head.item.id,
            self.head.passage.index,
        )


@dataclass(frozen=True, slots=True)
class Written:
    """A paragraph (without anchor or source numbers yet) and its first sentence, whole."""

    paragraph: Paragraph
    first_sentence: str


def _also(unit: Unit, outlet: str | None) -> tuple[str, ...]:
    """The other outlets that told the story, each once, the paragraph's own left out."""
    names = []
    for other in unit.others:
        name = leads.known_outlet(other.item.outlet) or "an unattributed source"
        if name != outlet:
            names.append(name)
    return tuple(dict.fromkeys(names))


def write(unit: Unit, spec: ReportSpec, taken: set[str], *, year: int) -> Written | None:
    """Write a unit's paragraph, skipping sentences already in the report; None if nothing is left."""
    head = unit.head
    item, passage = head.item, head.passage
    if passage.style == "report":
        # A digest's own paragraph keeps all its words: it already is what an analyst wrote.
        spans = [s for s in passage_sentences(passage, item) if item.text[s.start : s.end] not in taken]
    else:
        scored: list[salience.Scored] = []
        for c in unit.primaries:
            spans_c = passage_sentences(c.passage, item)
            scored += salience.score_sentences(
                c.passage, item, spans_c, section=c.section, subject=spec.subject
            )
        spans = salience.select(scored, taken=taken, text=item.text)
    if not spans:
        return None
    first_sentence = item.text[spans[0].start : spans[0].end]
    lead = leads.make_lead(passage, item, first_sentence, year=year)
    refs = []
    for i, span in enumerate(spans):
        start = span.start + (lead.absorbed if i == 0 else 0)
        refs.append(SentenceRef(item.text[start : span.end], item.id, start, span.end))
        taken.add(item.text[span.start : span.end])
    day, _ = leads.date_of(passage, item)
    outlet = leads.outlet_of(passage, item) or leads.known_outlet(item.outlet)
    paragraph = Paragraph(
        section=head.section.name,
        lead=lead.text,
        sentences=tuple(refs),
        item_id=item.id,
        outlet=outlet,
        authors=leads.authors_of(passage, item),
        date=day if isinstance(day, date) else None,
        url=passage.attribution.url or item.url,
        title=passage.attribution.title or item.title,
        also_reported_by=_also(unit, outlet),
    )
    return Written(paragraph, first_sentence)


def units(stories: Sequence[tuple[Candidate, list[Candidate]]]) -> list[Unit]:
    """Gather story primaries into paragraphs: an article's passages per section together."""
    out: list[Unit] = []
    by_item_section: dict[tuple[str, str], Unit] = {}
    for primary, others in sorted(stories, key=lambda s: (s[0].item.id, s[0].passage.index)):
        if primary.passage.style == "report":
            out.append(Unit([primary], list(others)))
            continue
        key = (primary.item.id, primary.section.name)
        unit = by_item_section.get(key)
        if unit is None:
            unit = by_item_section[key] = Unit([primary], list(others))
            out.append(unit)
        else:
            unit.primaries.append(primary)
            unit.others.extend(others)
    return out
