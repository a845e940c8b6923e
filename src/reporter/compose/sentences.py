"""Whole sentences of a passage, by offsets into its item's text, never split inside a quotation."""

from __future__ import annotations

import re

from reporter.models import Item, Passage, Span

# Used only when the analyzer gave no sentence spans (hand-built passages, odd inputs).
_SENTENCE_END_RE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”’\"')\]]))\s+(?=[“‘\"'(\[A-Z0-9])|\n+")
_WORD_RE = re.compile(r"[A-Za-z0-9][\w’'\-]*")
_QUOTE_PAIRS = (("“", "”"),)


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return _WORD_RE.findall(text)


def word_count(text: str) -> int:
    """How many words a text holds."""
    return len(_WORD_RE.findall(text))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cursor = start
    for m in _SENTENCE_END_RE.finditer(text, start, end):
        spans.append(Span(cursor, m.start()))
        cursor = m.end()
    spans.append(Span(cursor, end))
    return spans


def _open_quote(text: str) -> bool:
    """Whether a stretch of text leaves a quotation open (curly pairs, or an odd count of straight ones)."""
    for opening, closing in _QUOTE_PAIRS:
        if text.count(opening) > text.count(closing):
            return True
    return text.count('"') % 2 == 1


def passage_sentences(passage: Passage, item: Item) -> list[Span]:
    """The passage's sentences, trimmed, inside the passage, and merged so that no quotation is cut."""
    text = item.text
    lo, hi = max(0, passage.start), min(len(text), passage.end)
    raw = list(passage.sentences) or _split(text, lo, hi)
    spans: list[Span] = []
    for span in sorted(raw, key=lambda s: s.start):
        start, end = _strip(text, max(span.start, lo), min(span.end, hi))
        if end > start:
            spans.append(Span(start, end))
    merged: list[Span] = []
    for span in spans:
        if merged and _open_quote(text[merged[-1].start : merged[-1].end]):
            merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged
