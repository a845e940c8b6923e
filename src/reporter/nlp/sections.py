"""Place a passage in one of a report's sections from its weighted country mentions, and say why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reporter.models import CountryMention, ReportSpec

# Tuned on the March 2024 report; see bench/eval_march2024.py.
MANY_PARTNERS_SHARE = 0.40  # below this share for the top section, with 3+ sections in play → Overview
SPEECH_SHARE = 0.60  # the same for the subject's own speech or statement listing its partners
MANY_PARTNERS_MIN = 3
DOMINANT_RATIO = (
    1.5  # a top section this many times the runner-up is the passage's topic, however many others
)
SIGNIFICANT = 1.0  # a section "in play" has at least this weight
IN_PLAY_SHARE = 0.6  # ... and at least this share of the top section's weight
OWN_POLICY_RATIO = 3.0  # subject weight this many times the partners' → the subject's own policy


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a passage goes: section, confidence, runners-up, relevance and the reasons."""

    section: str
    confidence: float
    scores: tuple[tuple[str, float], ...]
    relevant: bool
    reasons: tuple[str, ...]


class SectionMap:
    """Which section of one report each gazetteer code belongs to."""

    def __init__(self, report: ReportSpec, expand: Callable[[str], Iterable[str]] | None):
        self.report = report
        self._expand = expand
        self._cache: dict[str, str | None] = {}
        self._direct = {}
        for section in report.sections:
            for code in section.members:
                self._direct.setdefault(code, section.name)
        self._expanded: list[tuple[str, frozenset[str]]] | None = None
        self.overview = next((s.name for s in report.sections if s.overview), None) or (
            report.sections[0].name if report.sections else "Overview"
        )

    def _expansions(self) -> list[tuple[str, frozenset[str]]]:
        if self._expanded is None:
            out: list[tuple[str, frozenset[str]]] = []
            # The overview's groups (UN, G20, Global South) contain nearly every state: look there last,
            # so that Argentina lands in "Africa and Latin America", not in the overview.
            ordered = sorted(self.report.sections, key=lambda s: s.name == self.overview)
            for section in ordered:
                codes: set[str] = set(section.members)
                for member in section.members:
                    members = self._safe_expand(member)
                    # A sea or islands listed beside a country it involves ("CN" with "SOUTH_CHINA_SEA") is
                    # that country's dispute, not a container: the other claimants belong elsewhere.
                    if members & (set(section.members) - {member}):
                        continue
                    codes.update(members)
                out.append((section.name, frozenset(codes)))
            self._expanded = out
        return self._expanded

    def _safe_expand(self, code: str) -> set[str]:
        try:
            return set(self._expand(code)) if self._expand else set()
        except (KeyError, ValueError):
            return set()

    def section_for(self, code: str) -> str | None:
        """The section a code maps to: the one listing it, else the first whose members contain it."""
        if code in self._cache:
            return self._cache[code]
        section = self._direct.get(code)
        if section is None:
            section = next((name for name, codes in self._expansions() if code in codes), None)
        if section is None:
            # A group or territory no section lists: go by where its members go.
            members = self._safe_expand(code) - {code}
            targets = {self.section_for_direct(m) for m in members} - {None}
            if len(targets) == 1:
                section = targets.pop()
            elif len(targets) >= MANY_PARTNERS_MIN:
                section = self.overview
        self._cache[code] = section
        return section

    def section_for_direct(self, code: str) -> str | None:
        """Like `section_for`, without looking at a group's own members (no recursion)."""
        section = self._direct.get(code)
        if section is None:
            section = next((name for name, codes in self._expansions() if code in codes), None)
        return section


def place(
    mentions: Iterable[CountryMention],
    smap: SectionMap,
    *,
    subject: str,
    prior: dict[str, float] | None = None,
    prior_reason: str | None = None,
    names: Callable[[str], str] | None = None,
    topical: bool = False,
    own_statement: bool = False,
) -> Placement:
    """Score the sections for one passage's mentions and pick the primary one."""
    scores: dict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    by_code: dict[str, float] = defaultdict(float)
    subject_weight = 0.0
    unmapped: set[str] = set()
    for m in mentions:
        if m.code == subject:
            subject_weight += m.weight
            continue
        section = smap.section_for(m.code)
        if section is None:
            unmapped.add(m.code)
            continue
        scores[section] += m.weight
        by_code[m.code] += m.weight
        first_seen.setdefault(section, len(first_seen))
    own = dict(scores)
    for section, weight in (prior or {}).items():
        scores[section] += weight
        first_seen.setdefault(section, len(first_seen))
    # Ties go to the section named first: a headline names the party it is about before the others.
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
    total = sum(scores.values())
    reasons: list[str] = []
    label = names or (lambda c: c)
    if by_code:
        top_codes = sorted(by_code.items(), key=lambda kv: -kv[1])[:4]
        reasons.append("mentions " + ", ".join(f"{label(c)} {w:.1f}" for c, w in top_codes))
    if subject_weight:
        reasons.append(f"{label(subject)} (the subject) {subject_weight:.1f}")
    if prior and prior_reason:
        reasons.append(prior_reason)
    overview = smap.overview
    relevant = bool(own) or (subject_weight > 0 and topical)
    if not ranked:
        why = "only about the subject itself" if subject_weight else "no country mentioned"
        reasons.append(f"{overview}: {why}")
        return Placement(overview, 0.5 if subject_weight else 0.0, (), relevant, tuple(reasons))
    top_section, top = ranked[0]
    share_needed = SPEECH_SHARE if own_statement else MANY_PARTNERS_SHARE
    # In play: a section with real weight of its own, not one named in passing beside the main parties;
    # the subject's own speech touches each partner in passing, so there any significant one counts.
    floor = SIGNIFICANT if own_statement else max(SIGNIFICANT, IN_PLAY_SHARE * top)
    in_play = [s for s, w in ranked if w >= floor]
    own_total = sum(own.values())
    if top_section != overview and own_total and subject_weight >= OWN_POLICY_RATIO * own_total and top < 2:
        reasons.append(f"{overview}: mostly the subject's own policy, partners only in passing")
        section, confidence = overview, min(1.0, subject_weight / (subject_weight + own_total))
    elif (
        top_section != overview
        and len(in_play) >= MANY_PARTNERS_MIN
        and top / total < share_needed
        and (own_statement or len(ranked) < 2 or top < DOMINANT_RATIO * ranked[1][1])
    ):
        what = "the subject's own statement on" if own_statement else ""
        reasons.append(f"{overview}: {what} {len(in_play)} partners at once, none above {share_needed:.0%}")
        section, confidence = overview, 1.0 - top / total
    else:
        section, confidence = top_section, top / total
        reasons.append(f"{section}: {top / total:.0%} of the weight")
    rounded = tuple((s, round(w, 2)) for s, w in ranked[:6])
    return Placement(section, round(confidence, 3), rounded, relevant, tuple(reasons))
