"""Cut an item's text into blocks (paragraphs, headings, lists, tables) and group them into passages.

Everything here works on character offsets into the item's text, so whatever the composer quotes with
`item.text[start:end]` is exactly what the source says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERMINAL = tuple('.!?…:;"”’)]')
_HEADING_ENDS = (".", "!", "?", "…", ":", ";", ",")
_LIST_ITEM = re.compile(r"^(?:[-•*·▪–]\s+|\d{1,2}[.)]\s+)")
_BOILERPLATE = re.compile(
    r"^(?:https?://|www\.|Read (?:the )?full (?:article|story)\b|"
    r"\S+\.(?:com|org|net|co\.uk|jp)\b|No comments|Post a Comment|Share this|Share on|"
    r"Related(?: articles| stories)?:?$|Read more|Read also|Subscribe|Sign up|Advertisement|Follow us|"
    r"PLEASE JOIN|Click here|Copyright|©|All rights reserved|This article (?:was|is|first|originally)|"
    r"The views expressed|Now Reading|Recommended|Leave a (?:comment|reply)|Comments?$|Tags?:|Filed under)",
    re.IGNORECASE,
)
_GROUP_LINE = re.compile(r"\bis part of the\b.*\b(?:group|network|family)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of text between line breaks: a paragraph, heading, list item, table row or boilerplate."""

    start: int
    end: int
    kind: str  # "paragraph" | "heading" | "list" | "table" | "boilerplate"


@dataclass(frozen=True, slots=True)
class Group:
    """The blocks that will become one passage, with the heading above them if there is one."""

    blocks: tuple[Block, ...]
    heading: Block | None = None

    @property
    def start(self) -> int:
        """Where the passage's body starts."""
        return self.blocks[0].start

    @property
    def end(self) -> int:
        """Where the passage's body ends."""
        return self.blocks[-1].end


def _lines(text: str, start: int) -> list[tuple[int, int, bool]]:
    """(start, end, blank_line_before) for each non-empty line from `start`, whitespace trimmed."""
    out: list[tuple[int, int, bool]] = []
    pos = start
    blank = True
    for raw in text[start:].split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        stripped = raw.strip()
        if not stripped:
            blank = True
            continue
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw) - len(raw.rstrip())
        out.append((s + lead, e - trail, blank))
        blank = False
    return out


def _is_heading_like(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 14
        and len(line) <= 110
        and not line.endswith(_HEADING_ENDS)
        and (line[0].isupper() or line[0].isdigit() or line[0] in "“\"'")
    )


def split_blocks(text: str, start: int = 0) -> list[Block]:
    """The blocks of `text` from `start`: hard-wrapped lines are joined; the trailer is boilerplate."""
    lines = _lines(text, start)
    merged: list[tuple[int, int]] = []
    for s, e, blank in lines:
        line = text[s:e]
        if merged and not blank:
            ps, pe = merged[-1]
            prev = text[ps:pe]
            # A wrapped line: the previous one stops mid-sentence and this one goes on in lower case.
            if not prev.endswith(_TERMINAL) and line[:1].islower() and not _LIST_ITEM.match(line):
                merged[-1] = (ps, e)
                continue
        merged.append((s, e))

    kinds: list[str] = []
    for s, e in merged:
        line = text[s:e]
        if line.startswith("|") or set(line) <= set("|-: "):
            kinds.append("table")
        elif _BOILERPLATE.match(line) or _GROUP_LINE.search(line):
            kinds.append("boilerplate")
        elif _LIST_ITEM.match(line):
            kinds.append("list")
        elif _is_heading_like(line):
            kinds.append("heading")
        else:
            kinds.append("paragraph")
    # A heading must head something: a short line before another heading, or at the end, is not one.
    for i, kind in enumerate(kinds):
        if kind != "heading":
            continue
        nxt = next((k for k in kinds[i + 1 :] if k != "boilerplate"), None)
        if nxt is None or nxt == "heading":
            kinds[i] = "boilerplate" if nxt is None else "heading_orphan"
    if not any(k in ("paragraph", "list", "heading_orphan") for k in kinds):
        # No body at all: a feed's one-line teaser without a full stop is the text, not a heading.
        kinds = [
            "paragraph" if k != "boilerplate" or not _BOILERPLATE.match(text[s:e]) else k
            for (s, e), k in zip(merged, kinds, strict=True)
        ]
    # Everything after the first boilerplate line that follows the body is trailer.
    seen_body = False
    for i, kind in enumerate(kinds):
        if kind in ("paragraph", "list"):
            seen_body = True
        elif kind == "boilerplate" and seen_body and i >= len(kinds) // 2:
            for j in range(i, len(kinds)):
                kinds[j] = "boilerplate"
            break
    return [
        Block(s, e, "paragraph" if k == "heading_orphan" else k)
        for (s, e), k in zip(merged, kinds, strict=True)
    ]


def body_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks that carry text to quote: paragraphs and list items."""
    return [b for b in blocks if b.kind in ("paragraph", "list")]


def group_by_headings(blocks: list[Block]) -> list[Group]:
    """One group per headed block, plus the text before the first heading."""
    groups: list[Group] = []
    heading: Block | None = None
    current: list[Block] = []
    for block in blocks:
        if block.kind == "boilerplate":
            continue
        if block.kind == "heading":
            if current:
                groups.append(Group(tuple(current), heading))
            heading, current = block, []
            continue
        current.append(block)
    if current:
        groups.append(Group(tuple(current), heading))
    return [g for g in groups if any(b.kind in ("paragraph", "list") for b in g.blocks)]


def group_by_topic(blocks: list[Block], topics: list[str | None], *, max_blocks: int = 6) -> list[Group]:
    """Consecutive paragraphs about the same thing (same `topics` key) become one group.

    A paragraph with no topic of its own (None) goes with the one before it; a list or table goes with the
    paragraph that introduces it.
    """
    groups: list[list[Block]] = []
    keys: list[str | None] = []
    for block, topic in zip(blocks, topics, strict=True):
        if block.kind == "boilerplate":
            continue
        follows = block.kind in ("list", "table") or topic is None
        if groups and (follows or topic == keys[-1] or keys[-1] is None) and len(groups[-1]) < max_blocks:
            groups[-1].append(block)
            if keys[-1] is None and topic is not None and block.kind == "paragraph":
                keys[-1] = topic
            continue
        groups.append([block])
        keys.append(None if block.kind != "paragraph" else topic)
    return [Group(tuple(g)) for g in groups if any(b.kind in ("paragraph", "list") for b in g)]
