"""Whole sentences of a passage, by offsets into its item's text, never split inside a quotation.

Offsets stay those of the item's text (what the report's JSON records), but every sentence is read
from `passage.text`, the analyzer's own slice: compose never re-slices the item.
"""

from __future__ import annotations

import re

from reporter.models import Passage, Span
from reporter.nlp.vocabulary import TermSet

# Used only when the analyzer gave no sentence spans (hand-built passages, odd inputs).
_SENTENCE_END_RE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”’\"')\]]))\s+(?=[“‘\"'(\[A-Z0-9])|\n+")
_WORD_RE = re.compile(r"[A-Za-z0-9][\w’'\-]*")
_QUOTE_PAIRS = (("“", "”"),)
# A feed cuts its teaser mid-sentence and marks the cut: "…", "...", "[…]", "[...]".
_CUT_RE = re.compile(r"(?:…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\])[\s”’\"')\]]*$")
# Feed furniture that is no part of the story.
_FURNITURE_RE = re.compile(r"Read (?:the )?Full Article at|Continue reading|Click here to|Subscribe to", re.I)


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return _WORD_RE.findall(text)


def word_count(text: str) -> int:
    """How many words a text holds."""
    return len(_WORD_RE.findall(text))


def is_cut(text: str) -> bool:
    """Whether a sentence ends where the feed cut it off ("…", "...", "[…]"), so is not whole."""
    return bool(_CUT_RE.search(text.rstrip()))


def is_furniture(text: str) -> bool:
    """Whether a sentence carries feed furniture ("Read Full Article at RT.com") rather than news."""
    return bool(_FURNITURE_RE.search(text))


def is_caption(text: str, markers: TermSet) -> bool:
    """Whether a sentence is a photo caption: a caption marker in parentheses ("(R)", "(AP Photo/…)")
    or before a colon or slash ("Photo:", "REUTERS/")."""
    for m in re.finditer(r"\(([^()]{1,40})\)|(\b[\w ]{1,20})\s*[:/]", text):
        inside = (m.group(1) or m.group(2) or "").strip()
        if inside and markers.find(inside) and len(inside.split()) <= 4:
            return True
    return False


def span_text(passage: Passage, span: Span) -> str:
    """The text of a span of a passage (item-text offsets), read from the passage itself."""
    return passage.text[span.start - passage.start : span.end - passage.start]


def _strip(text: str, start: int, end: int, base: int) -> tuple[int, int]:
    while start < end and text[start - base].isspace():
        start += 1
    while end > start and text[end - 1 - base].isspace():
        end -= 1
    return start, end


def _split(passage: Passage) -> list[Span]:
    spans: list[Span] = []
    cursor = passage.start
    for m in _SENTENCE_END_RE.finditer(passage.text):
        spans.append(Span(cursor, passage.start + m.start()))
        cursor = passage.start + m.end()
    spans.append(Span(cursor, passage.end))
    return spans


def _open_quote(text: str) -> bool:
    """Whether a stretch of text leaves a quotation open (curly pairs, or an odd count of straight ones)."""
    for opening, closing in _QUOTE_PAIRS:
        if text.count(opening) > text.count(closing):
            return True
    return text.count('"') % 2 == 1


def passage_sentences(passage: Passage) -> list[Span]:
    """The passage's sentences, trimmed, inside the passage, and merged so that no quotation is cut."""
    lo, hi = passage.start, passage.start + len(passage.text)
    raw = list(passage.sentences) or _split(passage)
    spans: list[Span] = []
    for span in sorted(raw, key=lambda s: s.start):
        start, end = _strip(passage.text, max(span.start, lo), min(span.end, hi), lo)
        if end > start:
            spans.append(Span(start, end))
    merged: list[Span] = []
    for span in spans:
        if merged and _open_quote(span_text(passage, merged[-1])):
            merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def text_is_cut(passage: Passage) -> bool:
    """Whether the passage's text ends where the feed cut it off."""
    return is_cut(passage.text)
