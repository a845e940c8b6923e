"""Build time: one item's stored analysis seen by one report: passages placed in its sections, and why.

No spaCy here: everything comes from the `ItemAnalysis` the store keeps (nlp/record.py) and the item's
text, so a build of any report over stored items costs only this. Relevance for the report's subject and
the section of each passage are decided here (with `nlp/sections.place`), once per report.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from reporter.models import (
    Analysis,
    Attribution,
    CountryMention,
    DateMention,
    Item,
    Passage,
    ReportSpec,
)
from reporter.nlp.dates import anchor_for, find_dates
from reporter.nlp.mentions import RawMention, mark_bilateral, weigh
from reporter.nlp.passages import Block, Group, group_by_topic
from reporter.nlp.record import MAX_CHARS, ItemAnalysis, Unit
from reporter.nlp.relevance import RelevanceRules
from reporter.nlp.sections import SectionMap, place
from reporter.nlp.vocabulary import Vocabulary

CONTINUATION_PRIOR = 0.6  # a continuing paragraph leans this much (× its own weight) to the section before
HEADING_FADE = 0.7  # report style: a heading's weight fades with each paragraph further from it


class Placer:
    """Places stored analyses in reports' sections; keeps one SectionMap per report."""

    def __init__(self, gazetteer: Any | None):
        self._gazetteer = gazetteer
        self._maps: dict[tuple, SectionMap] = {}
        self._rules: dict[tuple, RelevanceRules] = {}
        self._vocabulary: Vocabulary | None = None
        self._last: tuple[ReportSpec | None, Any] = (None, None)
        self._last_rules: tuple[ReportSpec | None, Any] = (None, None)

    def section_map(self, report: ReportSpec) -> SectionMap:
        """The report's code → section map (made once per report)."""
        if report is self._last[0]:  # a build places all its items for one spec: skip hashing it
            return self._last[1]
        key = (report.slug, report.subject, report.sections)
        if key not in self._maps:
            self._maps[key] = SectionMap(report, getattr(self._gazetteer, "expand", None))
        self._last = (report, self._maps[key])
        return self._maps[key]

    def relevance(self, report: ReportSpec) -> RelevanceRules:
        """The report's relevance rules (nlp/relevance.py), made once per report."""
        if report is self._last_rules[0]:  # as in section_map: one spec for all of a build's items
            return self._last_rules[1]
        key = (report.slug, report.subject, report.sections, report.relevance)
        if key not in self._rules:
            if self._vocabulary is None:
                self._vocabulary = Vocabulary.load()
            smap = self.section_map(report)
            self._rules[key] = RelevanceRules(report, smap, self._vocabulary, self.name)
        self._last_rules = (report, self._rules[key])
        return self._rules[key]

    def name(self, code: str) -> str:
        """A code's display name, or the code."""
        if self._gazetteer is None:
            return code
        try:
            return self._gazetteer.name(code)
        except (KeyError, ValueError):
            return code

    def place_all(self, pairs: Iterable[tuple[Item, ItemAnalysis]], report: ReportSpec) -> Iterator[Analysis]:
        """Each item's analysis for this report, in order."""
        for item, record in pairs:
            yield self.place(item, record, report)

    def place(self, item: Item, record: ItemAnalysis, report: ReportSpec) -> Analysis:
        """One item's passages for one report: grouped, weighed, placed in a section, relevant or not."""
        return self.relevance(report).apply(_ItemPlacement(self, item, record, report).run())


class _ItemPlacement:
    """The work of placing one item for one report (kept together so the steps read in order)."""

    def __init__(self, placer: Placer, item: Item, record: ItemAnalysis, report: ReportSpec):
        self.placer = placer
        self.item = item
        self.record = record
        self.report = report
        self.smap = placer.section_map(report)
        self.text = item.text[:MAX_CHARS]
        self.mentions = mark_bilateral(list(record.mentions), self.text, report.subject)
        self.starts = [m.start for m in self.mentions]

    def run(self) -> Analysis:
        record, report = self.record, self.report
        notes = list(record.notes)
        subject_in_item = self.item.subject_focused or any(
            m.code == report.subject for m in (*self.mentions, *record.title_mentions)
        )
        if not subject_in_item:
            notes.insert(0, f"{report.subject_name} is not mentioned: passages marked not relevant")
        passages: list[Passage] = []
        previous: Passage | None = None
        for index, (group, unit) in enumerate(self._groups()):
            passage = self._passage(index, group, unit, previous)
            if not subject_in_item and passage.relevant:
                passage = replace(passage, relevant=False)
            passages.append(passage)
            previous = passage
        return Analysis(item=self.item, passages=tuple(passages), notes=tuple(notes))

    def _groups(self) -> list[tuple[Group, Unit]]:
        """Each passage's group and unit: as stored, or (topic style) merged by this report's sections."""
        units = self.record.units
        if self.record.style != "topic":
            return [(Group(u.blocks, u.heading), u) for u in units]
        blocks = [u.blocks[0] for u in units]
        groups = group_by_topic(blocks, [self._topic(b) for b in blocks])
        unit_starts = [u.start for u in units]
        out = []
        for group in groups:
            members = units[bisect_left(unit_starts, group.start) : bisect_right(unit_starts, group.end)]
            out.append((group, self._merged(group, members)))
        return out

    def _topic(self, block: Block) -> str | None:
        """The section most mentioned in a block, the subject aside."""
        lo, hi = bisect_right(self.starts, block.start - 1), bisect_right(self.starts, block.end)
        weights: dict[str, float] = {}
        for m in self.mentions[lo:hi]:
            if m.code == self.report.subject:
                continue
            section = self.smap.section_for(m.code)
            if section:
                weights[section] = weights.get(section, 0.0) + 1.0
        return max(weights, key=lambda s: weights[s]) if weights else None

    def _merged(self, group: Group, members: tuple[Unit, ...]) -> Unit:
        """One unit for a group of topic-style units: their dates, read again if one leans on another."""
        if len(members) == 1:
            return members[0]
        if any(u.relative for u in members[1:]):
            anchor = anchor_for(self.item.published.date(), self.item.date_precision)
            dates: tuple[DateMention, ...] = tuple(find_dates(self.text, anchor, group.start, group.end))
        else:
            dates = tuple(d for u in members for d in u.dates)
        starts = {b.start for b in group.blocks}
        sentences = tuple(s for u in members if u.start in starts for s in u.sentences)
        return Unit(group.blocks, dates=dates, topical=any(u.topical for u in members), sentences=sentences)

    def _passage(self, index: int, group: Group, unit: Unit, previous: Passage | None) -> Passage:
        text, report = self.text, self.report
        report_style = self.record.style == "report"
        attribution: Attribution = unit.attribution or self.record.attribution
        sentences = unit.sentences
        lead_end = sentences[0].end if sentences else group.end
        mentions: list[CountryMention] = []
        if index == 0:
            mentions.extend(weigh(m, position="title") for m in self.record.title_mentions)
        if group.heading is not None:
            h = group.heading
            # In a report, a heading speaks surely for the paragraph under it, less for each one after.
            fade = HEADING_FADE ** _paragraphs_between(text, h.end, group.start) if report_style else 1.0
            mentions.extend(_scaled(weigh(m, position="heading"), fade) for m in self._within(h.start, h.end))
        for m in self._within(group.start, group.end):
            mentions.append(weigh(m, position="lead" if m.start < lead_end else "mention"))
        prior: dict[str, float] | None = None
        prior_reason = None
        if attribution.inherited and previous is not None and previous.section and previous.relevant:
            own = sum(m.weight for m in mentions if m.code != report.subject)
            prior = {previous.section: CONTINUATION_PRIOR * max(own, 2.0)}
            prior_reason = f"continues passage {previous.index} ({previous.section})"
        placement = place(
            mentions,
            self.smap,
            subject=report.subject,
            prior=prior,
            prior_reason=prior_reason,
            names=self.placer.name,
            topical=unit.topical,
            own_statement=attribution.kind == "speech"
            and any(m.code == report.subject and m.start < lead_end for m in mentions),
        )
        reasons = list(placement.reasons)
        if report_style:
            reasons.insert(0, "report-style paragraph")
        if group.heading is not None:
            reasons.insert(0, f"under the heading “{text[group.heading.start : group.heading.end]}”")
        if not placement.relevant:
            reasons.append(f"not about {report.subject_name}'s foreign relations")
        if unit.reason:
            reasons.insert(0, unit.reason)
        return Passage(
            item_id=self.item.id,
            index=index,
            start=group.start,
            end=group.end,
            text=text[group.start : group.end],
            attribution=attribution,
            sentences=sentences,
            heading=text[group.heading.start : group.heading.end] if group.heading else None,
            dates=unit.dates,
            countries=tuple(mentions),
            section=placement.section,
            confidence=placement.confidence,
            scores=placement.scores,
            relevant=placement.relevant,
            reasons=tuple(reasons),
            style="report" if report_style else "article",
        )

    def _within(self, start: int, end: int) -> list[RawMention]:
        """The mentions starting in [start, end)."""
        return self.mentions[bisect_left(self.starts, start) : bisect_left(self.starts, end)]


def _paragraphs_between(text: str, start: int, end: int) -> int:
    """How many paragraphs stand between two offsets (0 when `end` opens the paragraph after `start`)."""
    return sum(1 for line in text[start:end].split("\n") if line.strip())


def _scaled(mention: CountryMention, factor: float) -> CountryMention:
    return replace(mention, weight=round(mention.weight * factor, 3)) if factor != 1.0 else mention
