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
from reporter.compose.sentences import is_caption, is_cut, passage_sentences, span_text, text_is_cut
from reporter.models import Item, Paragraph, Passage, ReportSpec, Section, SentenceRef
from reporter.nlp.vocabulary import Leaning, TermSet

MAX_FOLLOW_UPS = 2  # later tellings' headlines a paragraph names after its own sentences


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


def _also(
    others: Sequence[Piece], outlet: str | None, named: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The other outlets that told the story, each once, leaving out the paragraph's own and those
    its body already names ("On October 31, RT followed up with …")."""
    names = []
    for other in others:
        name = leads.outlet_of(other.head.passage) or other.item.outlet
        if name and name != outlet and name not in named:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _body(
    unit: Piece, spec: ReportSpec, taken: set[str], leaning: Leaning, captions: TermSet | None = None
) -> list[salience.Scored]:
    """The sentences to quote: a digest's all (its own words), an article's most salient, all whole."""
    head = unit.head
    if head.passage.style == "report":
        scored = salience.score_sentences(
            head.passage,
            passage_sentences(head.passage),
            section=head.section,
            subject=spec.subject,
            leaning=leaning,
        )
        return [s for s in scored if s.text not in taken and s.words and not is_cut(s.text)]
    scored = []
    for c in unit.primaries:
        spans = passage_sentences(c.passage)
        scored += salience.score_sentences(
            c.passage, spans, section=c.section, subject=spec.subject, leaning=leaning
        )
    # A photo caption describes a picture, not the event: never quoted as a sentence.
    scored = [s for s in scored if not (captions is not None and is_caption(s.text, captions))]
    return salience.select(scored, leaning=leaning, taken=taken)


def _title_ref(item: Item, lead_in: str = "") -> SentenceRef:
    headline = item.title.strip()
    start = item.title.index(headline)
    return SentenceRef(headline, item.id, start, start + len(headline), part="title", lead_in=lead_in)


def _quotable_headline(item: Item, taken: set[str]) -> bool:
    headline = item.title.strip()
    return bool(headline) and headline not in taken and not is_cut(headline)


def follow_ups(unit: Piece, others: Sequence[Piece], taken: set[str], *, year: int) -> list[SentenceRef]:
    """The headlines of the story's tellings on later days, each introduced by who told it and when.

    A story told on several days (talks announced, held, concluded) reads as one paragraph: its lead
    telling's sentences, then "On October 23, it followed up with “…”." for up to `MAX_FOLLOW_UPS` later
    days, the report's own words made from metadata, the headline verbatim.
    """
    own = leads.Credit(leads.outlet_of(unit.head.passage) or unit.item.outlet, unit.head.timing.day)
    days = {unit.head.timing.day}
    refs: list[SentenceRef] = []
    for other in sorted(others, key=Piece.order_key):
        day = other.head.timing.day
        outlet = leads.outlet_of(other.head.passage) or other.item.outlet
        if other.head.passage.style == "report" or not other.head.timing.known or day in days:
            continue
        if day < unit.head.timing.day or outlet is None or not _quotable_headline(other.item, taken):
            continue
        told = leads.Credit(outlet, day)
        refs.append(_title_ref(other.item, leads.followed_up(told, own, year=year)))
        taken.add(other.item.title.strip())
        days.add(day)
        if len(refs) == MAX_FOLLOW_UPS:
            break
    return refs


def write(
    unit: Piece,
    others: Sequence[Piece],
    spec: ReportSpec,
    taken: set[str],
    *,
    year: int,
    story: str,
    leaning: Leaning,
    captions: TermSet | None = None,
) -> Written | None:
    """Write a story's paragraph from its lead telling, skipping sentences already in the report.

    A first sentence that points back at something just told (`leaning.references`: "The suspension
    mirrors ...") is not quoted cold: the headline opens the paragraph and the sentences follow it.
    Later days' tellings are named after a headline-only body (`follow_ups`). None when nothing is left
    to quote (every sentence, and the headline, already in the report).
    """
    head = unit.head
    item, passage = head.item, head.passage
    chosen = _body(unit, spec, taken, leaning, captions)
    quoted = "cut" if any(text_is_cut(c.passage) for c in unit.primaries) else "text"
    points_back = bool(chosen) and leaning.references.opens(chosen[0].text)
    if points_back and passage.style != "report" and _quotable_headline(item, taken):
        first_sentence = item.title.strip()
        lead = leads.headline_lead(passage, year=year)
        refs = [_title_ref(item)]
        taken.add(first_sentence)
        for s in chosen:
            refs.append(SentenceRef(s.text, item.id, s.span.start, s.span.end))
            taken.add(s.text)
    elif chosen:
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
        refs = [_title_ref(item)]
        taken.add(headline)
        # A headline alone says little: the later days' headlines tell how the story went on.
        refs += follow_ups(unit, others, taken, year=year)
    day, _ = leads.date_of(passage)
    outlet = leads.outlet_of(passage) or item.outlet
    quoted_ids = {r.item_id for r in refs}
    named = frozenset(
        name
        for o in others
        if o.item.id in quoted_ids and (name := leads.outlet_of(o.head.passage) or o.item.outlet)
    )
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
        also_reported_by=_also(others, outlet, named),
        story=story,
        quoted=quoted,
    )
    return Written(paragraph, first_sentence)
