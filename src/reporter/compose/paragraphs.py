"""One paragraph per story: a lead from the best-attributed telling's metadata, then its sentences, verbatim.

A story's paragraph quotes one telling, and the lead credits that telling's outlet; the other tellings'
outlets are "also reported by". The telling chosen is the best attributed (a known outlet, named
authors, a date to the day) and, among those, the richest: the most words in whole sentences. A
sentence the feed cut off ("…") is never quoted: the paragraph stops at the last whole sentence, and
when the feed cut every one, it quotes the headline instead (`Paragraph.quoted` says which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reporter.compose import leads, salience
from reporter.compose.period import Timing
from reporter.compose.sentences import is_cut, passage_sentences, span_text, text_is_cut
from reporter.models import Item, Paragraph, Passage, ReportSpec, Section, SentenceRef


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage that passed relevance and period, with its item, section and timing."""

    key: int
    passage: Passage
    item: Item
    section: Section
    timing: Timing
    words: int


@dataclass(slots=True)
class Piece:
    """One telling: the passages of one item in one section (an article), or one passage of a digest.

    An article's passages that land in the same section make one paragraph, as an analyst would write
    it; a digest's report-style passages stay one each, since each already is a paragraph.
    """

    primaries: list[Candidate]

    @property
    def head(self) -> Candidate:
        """The passage whose attribution the lead uses: the first in the item."""
        return self.primaries[0]

    @property
    def item(self) -> Item:
        """The item that told it."""
        return self.head.item

    @property
    def text(self) -> str:
        """The telling's words, passage by passage."""
        return "\n".join(c.passage.text for c in self.primaries)

    def order_key(self) -> tuple[object, ...]:
        """Chronological by the date reported on; undated pieces (journal issues) last, in source order."""
        first = min(self.primaries, key=lambda c: (not c.timing.known, c.timing.day))
        return (
            not first.timing.known,
            first.timing.day,
            self.head.item.published,
            self.head.item.id,
            self.head.passage.index,
        )


@dataclass(frozen=True, slots=True)
class Written:
    """A paragraph (without anchor or source numbers yet) and its first sentence, whole."""

    paragraph: Paragraph
    first_sentence: str


def pieces(candidates: Sequence[Candidate]) -> list[Piece]:
    """Gather passages into tellings: an article's passages per section together, a digest's each alone."""
    out: list[Piece] = []
    by_item_section: dict[tuple[str, str], Piece] = {}
    for c in sorted(candidates, key=lambda c: (c.item.id, c.passage.index)):
        if c.passage.style == "report":
            out.append(Piece([c]))
            continue
        key = (c.item.id, c.section.name)
        if key in by_item_section:
            by_item_section[key].primaries.append(c)
        else:
            by_item_section[key] = unit = Piece([c])
            out.append(unit)
    return out


def richness(unit: Piece) -> int:
    """Words in the telling's whole, usable sentences: what it could give a paragraph."""
    total = 0
    for c in unit.primaries:
        for span in passage_sentences(c.passage):
            text = span_text(c.passage, span)
            n = salience.word_count(text)
            if salience.usable(text, n):
                total += n
    return total


def lead_telling(tellings: Sequence[Piece]) -> Piece:
    """The best-attributed telling (known outlet, authors, a day's date), then the richest, then the first."""

    def key(u: Piece) -> tuple[object, ...]:
        a = u.head.passage.attribution
        day, precision = leads.date_of(u.head.passage)
        return (
            leads.outlet_of(u.head.passage) is None and u.head.passage.style != "report",
            not a.authors,
            not (day and precision == "day"),
            -richness(u),
            u.order_key(),
        )

    return min(tellings, key=key)


def _also(others: Sequence[Piece], outlet: str | None) -> tuple[str, ...]:
    """The other outlets that told the story, each once, the paragraph's own left out."""
    names = []
    for other in others:
        name = leads.outlet_of(other.head.passage) or leads.known_outlet(other.item.outlet)
        if name and name != outlet:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _body(unit: Piece, spec: ReportSpec, taken: set[str]) -> list[salience.Scored]:
    """The sentences to quote: a digest's all (its own words), an article's most salient, all whole."""
    head = unit.head
    if head.passage.style == "report":
        scored = salience.score_sentences(
            head.passage, passage_sentences(head.passage), section=head.section, subject=spec.subject
        )
        return [s for s in scored if s.text not in taken and s.words and not is_cut(s.text)]
    scored = []
    for c in unit.primaries:
        spans = passage_sentences(c.passage)
        scored += salience.score_sentences(c.passage, spans, section=c.section, subject=spec.subject)
    return salience.select(scored, taken=taken)


def write(
    unit: Piece, others: Sequence[Piece], spec: ReportSpec, taken: set[str], *, year: int, story: str
) -> Written | None:
    """Write a story's paragraph from its lead telling, skipping sentences already in the report.

    None when nothing is left to quote (every sentence, and the headline, already in the report).
    """
    head = unit.head
    item, passage = head.item, head.passage
    chosen = _body(unit, spec, taken)
    quoted = "cut" if any(text_is_cut(c.passage) for c in unit.primaries) else "text"
    if chosen:
        first_sentence = chosen[0].text
        lead = leads.make_lead(passage, item, first_sentence, year=year)
        refs = []
        for i, s in enumerate(chosen):
            skip = lead.absorbed if i == 0 else 0
            refs.append(SentenceRef(s.text[skip:], item.id, s.span.start + skip, s.span.end))
            taken.add(s.text)
    else:
        headline = item.title.strip()
        if not headline or headline in taken or passage.style == "report":
            return None
        first_sentence, quoted = headline, "headline"
        lead = leads.headline_lead(passage, year=year)
        start = item.title.index(headline)
        refs = [SentenceRef(headline, item.id, start, start + len(headline), part="title")]
        taken.add(headline)
    day, _ = leads.date_of(passage)
    outlet = leads.outlet_of(passage) or leads.known_outlet(item.outlet)
    paragraph = Paragraph(
        section=head.section.name,
        lead=lead.text,
        sentences=tuple(refs),
        item_id=item.id,
        outlet=outlet,
        authors=leads.authors_of(passage),
        date=day if isinstance(day, date) else None,
        url=passage.attribution.url or item.url,
        title=passage.attribution.title or item.title,
        also_reported_by=_also(others, outlet),
        story=story,
        quoted=quoted,
    )
    return Written(paragraph, first_sentence)
