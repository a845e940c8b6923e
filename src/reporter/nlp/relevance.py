"""Is a passage about the report subject's foreign relations? Decided per passage, per report, at build time.

A passage is in when the subject (its government, leaders, forces, companies abroad) and a counterpart act
on each other or on a shared issue. What it works from is the stored analysis of the passage: the
gazetteer's country mentions (who is named, how prominently, as a name, a capital or a leader) and its
words, matched against the topic vocabularies of data/topics.yaml, plus the report's own settings
(feeds.yaml `reports[].relevance`). The rules, in the order they are tried:

1. a report's `exclude` term → out;
2. the subject not named in the passage (nor implied: the item's feed is about it, or the passage is a
   paragraph of a digest about it) → out; named fewer times than the report's `min_mentions`, or only as a
   yardstick or a list item ("more than Japan", "China, South Korea, Japan and India") → out;
3. off-topic words (sports, entertainment, crime, weather, markets) at least as many as the
   foreign-relations words, unless a government acts on a foreign-relations matter ("China arrests a
   Japanese executive on spying charges") → out;
4. the subject and a counterpart with a foreign-relations word → in ("relations"), or with a government
   acting ("state action");
5. the subject and a counterpart named together on no such matter → out, unless the passage is a paragraph
   of a digest on the subject's foreign relations (a report-style seed: its author chose it) → in;
6. the subject alone, on its own diplomacy, sanctions or aid → in, for the Overview ("own foreign policy");
7. the subject alone on anything else → out ("domestic"). A domestic story fills no section and the
   Overview does not quote it either: the Overview tells the month's foreign-relations stories only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from reporter.models import Analysis, CountryMention, Item, Passage, Relevance, ReportSpec
from reporter.nlp.sections import SectionMap
from reporter.nlp.vocabulary import Vocabulary, compile_terms

EXCLUDED = "excluded term"
NOT_NAMED = "subject not named"
TOO_FEW = "too few mentions"
YARDSTICK = "subject as a yardstick"
OFF_TOPIC = "off topic"
RELATIONS = "relations"
STATE_ACTION = "state action"
NO_MATTER = "no foreign-relations matter"
DIGEST = "digest paragraph"
OWN_POLICY = "own foreign policy"
DOMESTIC = "domestic"
RULES = (EXCLUDED, NOT_NAMED, TOO_FEW, YARDSTICK, OFF_TOPIC, RELATIONS, STATE_ACTION, DIGEST, NO_MATTER,
         OWN_POLICY, DOMESTIC)  # fmt: skip

# Roles in which a counterpart is its state: "Beijing protested", "the Kremlin", "Xi".
STATE_ROLES = ("metonym", "person")


class RelevanceRules:
    """One report's relevance rules: its subject, its sections' countries, the vocabularies, its settings."""

    def __init__(
        self,
        spec: ReportSpec,
        smap: SectionMap,
        vocabulary: Vocabulary,
        names: Callable[[str], str] | None = None,
    ):
        self.spec = spec
        self.smap = smap
        self.vocabulary = vocabulary
        self._names = names or (lambda code: code)
        settings = spec.relevance
        self._include = compile_terms("include", settings.include)
        self._exclude = compile_terms("exclude", settings.exclude)

    @classmethod
    def for_report(
        cls, spec: ReportSpec, gazetteer: Any | None = None, vocabulary: Vocabulary | None = None
    ) -> RelevanceRules:
        """The rules for one report, with the packaged vocabularies unless others are given."""
        expand = getattr(gazetteer, "expand", None)
        names = _safe(gazetteer.name) if gazetteer is not None else None
        return cls(spec, SectionMap(spec, expand), vocabulary or Vocabulary.load(), names)

    def apply(self, analysis: Analysis) -> Analysis:
        """The analysis with each passage's relevance decided: `relevant`, `relevance` and a reason."""
        passages = []
        subject = self.spec.subject
        # A digest of the subject's own press (report style) speaks for the subject in every paragraph.
        digest = any(m.code == subject for p in analysis.passages for m in p.countries)
        for passage in analysis.passages:
            decision = self.judge(passage, analysis.item, digest=digest and passage.style == "report")
            reasons = tuple(r for r in passage.reasons if not r.startswith("not about "))
            # The decision comes first: whoever shows only the first reasons (decision rows) shows it.
            passages.append(
                replace(
                    passage,
                    relevant=decision.relevant,
                    relevance=decision,
                    reasons=(decision.reason, *reasons),
                )
            )
        return replace(analysis, passages=tuple(passages))

    def apply_all(self, analyses: Iterable[Analysis]) -> list[Analysis]:
        """`apply` to each analysis, in order."""
        return [self.apply(a) for a in analyses]

    def judge(self, passage: Passage, item: Item, *, digest: bool = False) -> Relevance:
        """Decide one passage (the item's title counts with its first passage).

        `digest`: the passage is a paragraph of a digest about the subject (a report-style item that names
        it), so the subject is its speaker even where the paragraph does not name it.
        """
        spec = self.spec
        subject, name = spec.subject, spec.subject_name
        text = passage.text if passage.index else f"{item.title}\n{passage.text}"
        excluded = self._exclude.find(text)
        if excluded:
            return Relevance(False, EXCLUDED, f"out: names an excluded term ({_list(excluded)})")

        own = [m for m in passage.countries if m.code == subject]
        others = self._counterparts(passage.countries)
        counterparts = tuple(others)
        implied = item.subject_focused or digest
        if not own and not implied:
            why = f"out: {name} is not named in this passage"
            return Relevance(False, NOT_NAMED, why, counterparts=counterparts)
        # A headline's list still puts the subject in the news; the body's list names it in passing.
        if own and all(m.yardstick or (m.listed and m.role != "title") for m in own):
            why = f"out: {name} is named only as a comparison or one of a list"
            return Relevance(False, YARDSTICK, why, counterparts=counterparts)
        # Its places named only in a comparison are a yardstick too: "24 times the power of the one dropped
        # on Hiroshima" measures a bomb by history, it is not the subject acting.
        if own and all(m.kind == "place" and _compared(m, passage, item) for m in own):
            why = f"out: {name} is named only as a comparison (“{own[0].text}”)"
            return Relevance(False, YARDSTICK, why, counterparts=counterparts)
        if own and len(own) < spec.relevance.min_mentions and not implied:
            why = f"out: {name} named {len(own)} time(s), the report asks for {spec.relevance.min_mentions}"
            return Relevance(False, TOO_FEW, why, counterparts=counterparts)

        relations = self.vocabulary.relation_terms(text)
        included = self._include.find(text)
        if included:
            relations = {**relations, "included": included}
        cues = tuple(dict.fromkeys(t for terms in relations.values() for t in terms))
        off = self.vocabulary.off_topic_terms(text)
        off_terms = tuple(f"{topic}: {t}" for topic, terms in off.items() for t in terms)
        # Who acts as a state: a government word that is not already a cue ("the ministry said"), or a
        # counterpart named as its government ("Beijing", "Putin") or as the subject of the sentence.
        government = [t for t in self.vocabulary.state.find(text) if t not in cues]
        mentioned = [m for m in passage.countries if m.code in others]
        as_state = [m for m in mentioned if m.kind in STATE_ROLES]
        as_actor = [m for m in mentioned if m.actor and m.kind in ("name", *STATE_ROLES)]
        partners = ", ".join(self._names(c) for c in counterparts[:3])
        found = dict(counterparts=counterparts, cues=cues, off_topic=off_terms)

        # Crime has a state dimension when a state is the one acting ("China arrested ..."); a country
        # that is the subject of a sports or market sentence is a team or an index, not a state.
        # So has a crime by a state's forces (a soldier abroad: the status of its forces).
        # And so has a court's ruling on a history issue between the two (a looted statue returned).
        state_acts = bool(government) or (
            "crime" in off and bool(as_actor or "security" in relations or "history" in relations)
        )
        # Statistics are data, not acts between states: trade volumes alone do not outweigh them. A rally
        # is people, not states: only a government acting outweighs it.
        if "statistics" in off and not (set(relations) - {"trade"}):
            why = f"out: statistics ({_list(off['statistics'])}), with no matter beyond trade volumes"
            return Relevance(False, OFF_TOPIC, why, **found)
        if "protests" in off and not government:
            why = f"out: protests ({_list(off['protests'])}), with no government acting"
            return Relevance(False, OFF_TOPIC, why, **found)
        if off and not (cues and state_acts) and len(cues) <= len(off_terms):
            topics = "; ".join(f"{topic} ({_list(terms)})" for topic, terms in off.items())
            why = f"out: {topics}" + (f", not outweighed by {_list(cues)}" if cues else "")
            return Relevance(False, OFF_TOPIC, why, **found)
        if counterparts and cues:
            matters = "; ".join(f"{topic}: {_list(terms)}" for topic, terms in relations.items())
            return Relevance(True, RELATIONS, f"in: {name} and {partners} ({matters})", **found)
        if counterparts and (as_state or (as_actor and government)):
            who = _list(dict.fromkeys(m.text for m in (*as_state, *as_actor)))
            return Relevance(
                True, STATE_ACTION, f"in: {name} and {partners}, a government acting ({who})", **found
            )
        if counterparts and digest:
            why = f"in: a paragraph of a digest on {name}'s foreign relations, about {partners}"
            return Relevance(True, DIGEST, why, **found)
        if counterparts:
            why = f"out: {name} and {partners} named together, but on no foreign-relations matter"
            return Relevance(False, NO_MATTER, why, **found)
        outward = self.vocabulary.outward.find(text) + included
        if outward:
            return Relevance(True, OWN_POLICY, f"in: {name}'s own foreign policy ({_list(outward)})", **found)
        return Relevance(False, DOMESTIC, f"out: about {name} alone, no counterpart (domestic)", **found)

    # --- internals -------------------------------------------------------------------------------

    def _counterparts(self, mentions: Iterable[CountryMention]) -> list[str]:
        """Codes other than the subject that one of the report's sections takes, strongest first."""
        weight: dict[str, float] = defaultdict(float)
        for m in mentions:
            if m.code != self.spec.subject and self.smap.section_for(m.code) is not None:
                weight[m.code] += m.weight
        return sorted(weight, key=lambda c: (-weight[c], c))


_COMPARISON = re.compile(r"\b(?:than|times)\b[^.!?]*$", re.IGNORECASE)


def _compared(mention: CountryMention, passage: Passage, item: Item) -> bool:
    """Whether a mention follows "than" or "times" in its sentence ("more powerful than the one")."""
    if mention.role == "title":
        before = item.title[: mention.start]
    else:
        before = passage.text[: max(0, mention.start - passage.start)]
    return bool(_COMPARISON.search(before))


def _list(terms: Iterable[str], limit: int = 4) -> str:
    terms = list(terms)
    shown = ", ".join(f"“{t}”" for t in terms[:limit])
    return shown + (f" and {len(terms) - limit} more" if len(terms) > limit else "")


def _safe(name: Callable[[str], str]) -> Callable[[str], str]:
    def lookup(code: str) -> str:
        try:
            return name(code)
        except (KeyError, ValueError):
            return code

    return lookup
