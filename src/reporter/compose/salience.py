"""Pick a passage's most salient sentences: centrality, position and relevance to the section.

Scores are computed among the passage's own sentences only, so the cost grows with the passage, not
with the report. The chosen sentences are returned in source order, whole, about 60 to 140 words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from reporter.compose.sentences import is_cut, is_furniture, span_text, word_count, words
from reporter.models import Passage, Section, Span
from reporter.nlp.vocabulary import Leaning

MIN_WORDS = 60
MAX_WORDS = 140
WEIGHTS = {"centrality": 0.45, "position": 0.25, "relevance": 0.30}

_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    ]
)


@dataclass(frozen=True, slots=True)
class Scored:
    """One sentence with its salience and the parts it is made of (kept for `reporter analyze`)."""

    span: Span
    text: str
    words: int
    score: float
    centrality: float
    position: float
    relevance: float
    usable: bool


def _terms(text: str) -> Counter[str]:
    return Counter(w.lower() for w in words(text) if w.lower() not in _STOPWORDS and len(w) > 1)


def _cosine(a: Counter[str], b: Counter[str], norms: tuple[float, float]) -> float:
    if not norms[0] or not norms[1]:
        return 0.0
    small, large = (a, b) if len(a) < len(b) else (b, a)
    return sum(v * large.get(k, 0) for k, v in small.items()) / (norms[0] * norms[1])


def usable(text: str, n_words: int) -> bool:
    """Whether a sentence can stand in a paragraph: whole (not cut off by the feed), not a table row,
    bullet, caption, heading or feed furniture."""
    head = text.lstrip()
    if head.startswith(("|", "-", "•", "*", "#")) or text.count("|") >= 2:
        return False
    if is_cut(text) or is_furniture(text):
        return False
    return n_words >= 5 and text.rstrip()[-1:] in ".!?”’\"')"


# A sentence opening with a connective ("Indeed, ...") needs the argument before it: out of its context it
# makes a paragraph read oddly, so it weighs less (the connectives are topics.yaml `leaning`).
LEANING_PENALTY = 0.6


def _relevance(span: Span, passage: Passage, section: Section | None, subject: str, text: str) -> float:
    members = set(section.members) if section else set()
    best = 0.0
    for mention in passage.countries:
        if span.start <= mention.start < span.end:
            if mention.code in members:
                return 1.0
            if mention.code == subject:
                best = max(best, 0.3)
    if section and not section.overview and section.name.lower() in text.lower():
        best = max(best, 0.8)
    return best


def score_sentences(
    passage: Passage, spans: Sequence[Span], *, section: Section | None, subject: str, leaning: Leaning
) -> list[Scored]:
    """Score every sentence of a passage: centrality among its sentences, position, relevance."""
    texts = [span_text(passage, s) for s in spans]
    bags = [_terms(t) for t in texts]
    norms = [math.sqrt(sum(v * v for v in b.values())) for b in bags]
    n = len(spans)
    central = [0.0] * n
    for i in range(n):
        for j in range(i + 1, n):
            sim = _cosine(bags[i], bags[j], (norms[i], norms[j]))
            central[i] += sim
            central[j] += sim
    top = max(central, default=0.0) or 1.0
    scored: list[Scored] = []
    for i, (span, text) in enumerate(zip(spans, texts, strict=True)):
        position = 1.0 if i == 0 else 1.0 / math.sqrt(i + 1)
        relevance = _relevance(span, passage, section, subject, text)
        centrality = central[i] / top
        score = (
            WEIGHTS["centrality"] * centrality
            + WEIGHTS["position"] * position
            + WEIGHTS["relevance"] * relevance
        )
        if leaning.connectives.opens(text):
            score *= LEANING_PENALTY
        n_words = word_count(text)
        scored.append(
            Scored(span, text, n_words, score, centrality, position, relevance, usable(text, n_words))
        )
    return scored


def select(
    scored: Sequence[Scored],
    *,
    leaning: Leaning,
    taken: Collection[str] = (),
    min_words: int = MIN_WORDS,
    max_words: int = MAX_WORDS,
) -> list[Scored]:
    """The best whole sentences, up to `max_words` (at least one), returned in source order.

    Sentences whose text is already in the report (`taken`) are skipped, so no sentence appears twice.
    Only usable sentences are chosen: none cut off by the feed; an empty list when there are none.
    """
    candidates = [s for s in scored if s.usable and s.text not in taken]
    if not candidates:
        # Short lines or lines without a full stop may still be whole; a cut-off sentence never is.
        candidates = [
            s
            for s in scored
            if s.words and s.text not in taken and not is_cut(s.text) and not is_furniture(s.text)
        ]
    chosen: list[Scored] = []
    total = 0
    for s in sorted(candidates, key=lambda s: (-s.score, s.span.start)):
        if total >= min_words and total + s.words > max_words:
            break
        if chosen and total + s.words > max_words:
            continue
        chosen.append(s)
        total += s.words
        if total >= (min_words + max_words) // 2:
            break
    ordered = sorted(chosen, key=lambda s: s.span.start)
    # A paragraph should not open on "Indeed, ..." or "Meanwhile, ...": drop such an opener when
    # other sentences remain to carry the paragraph (a reference, "The suspension ...", stays: the
    # paragraph's headline can name what it points at; see paragraphs.write).
    while len(ordered) > 1 and leaning.connectives.opens(ordered[0].text):
        ordered.pop(0)
    return ordered
