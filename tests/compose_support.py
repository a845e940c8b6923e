"""Hand-built items, passages and analyses for the composition tests and benchmark.

Passages are cut from real seed text by offsets, the way the analyzer would hand them over, so every
test can check that the report's sentences stand verbatim at their recorded offsets.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

from reporter.config import load_config
from reporter.models import Analysis, Attribution, Item, Passage, ReportSpec, Span

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
NOW = datetime(2025, 12, 1, 6, tzinfo=UTC)


def japan_spec() -> ReportSpec:
    """The Japan report exactly as the project's feeds.yaml configures it."""
    return load_config(REPO / "feeds.yaml", {}).reports[0]


def seed_items() -> dict[str, Item]:
    """The seed files as normalised items, by file name (000_..., 004_...)."""
    from reporter.normalize import normalize
    from reporter.sources.seeds import read_seeds

    entries, _ = read_seeds(SEEDS, now=NOW)
    items = [normalize(e, now=NOW) for e in entries]
    return {i.path or i.id: i for i in items}


def seed_item(prefix: str) -> Item:
    """One seed item by the start of its file name ("001")."""
    return next(i for name, i in seed_items().items() if name.startswith(prefix))


def item(
    text: str,
    *,
    item_id: str = "item-1",
    outlet: str | None = "Geopolitical Monitor",
    author: str | None = None,
    published: date = date(2025, 11, 10),
    precision: str = "day",
    title: str = "A title",
    url: str | None = "https://example.org/a",
) -> Item:
    """An item with the given text and metadata."""
    return Item(
        id=item_id,
        source="test",
        kind="feed",
        published=datetime.combine(published, datetime.min.time(), tzinfo=UTC),
        date_source="published" if precision == "day" else "title",
        date_precision=precision,
        outlet=outlet,
        title=title,
        text=text,
        url=url,
        author=author,
    )


_SENT_RE = re.compile(r"[^.!?]+[.!?]+[”\"]?")
_ABBREVIATION_RE = re.compile(r"\b(?:[Nn]o|Mr|Ms|Dr|St|U\.S|vs)\.$")


def sentence_spans(text: str, start: int, end: int) -> tuple[Span, ...]:
    """Naive sentence spans inside [start, end) of a text, as offsets (enough for hand-built cases)."""
    spans: list[Span] = []
    for m in _SENT_RE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        if e <= s:
            continue
        if spans and _ABBREVIATION_RE.search(text[spans[-1].start : spans[-1].end]):
            spans[-1] = Span(spans[-1].start, e)  # "In Kokusai Mondai, No. 2, ..." is one sentence
        else:
            spans.append(Span(s, e))
    return tuple(spans)


def passage(
    it: Item,
    *,
    start: int = 0,
    end: int | None = None,
    index: int = 0,
    section: str | None = "Russia and Ukraine",
    attribution: Attribution | None = None,
    relevant: bool = True,
    style: str = "article",
    **extra: object,
) -> Passage:
    """A passage of an item by offsets, attributed to the item unless told otherwise."""
    end = len(it.text) if end is None else end
    if attribution is None:
        attribution = Attribution(
            outlet=it.outlet,
            authors=tuple(a for a in (it.author,) if a),
            date=it.published.date(),
            date_precision="day",
            title=it.title,
            url=it.url,
        )
    return Passage(
        item_id=it.id,
        index=index,
        start=start,
        end=end,
        text=it.text[start:end],
        attribution=attribution,
        sentences=sentence_spans(it.text, start, end),
        section=section,
        relevant=relevant,
        style=style,
        **extra,  # type: ignore[arg-type]
    )


def whole(it: Item, **kwargs: object) -> Analysis:
    """An analysis of an item as one passage."""
    return Analysis(it, (passage(it, **kwargs),))  # type: ignore[arg-type]


# --- seed 004 as labelled by hand in /work/shared/eval --------------------------------------------------


def gold_labels() -> list[dict]:
    """The hand labels of seed 004's paragraphs."""
    path = EVAL / "march2024_sections.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _journal_issue(starts_with: str) -> str | None:
    m = re.search(r"(No\.\s*\d+|no\.\s*\d+|November/December)", starts_with)
    return m.group(1) if m else None


def gold_analysis_004() -> Analysis:
    """Seed 004 as the analyzer should see it: one report-style passage per labelled paragraph."""
    it = seed_item("004")
    passages = []
    for label in gold_labels():
        start = it.text.index(label["starts_with"])
        end = it.text.find("\n", start)
        end = len(it.text) if end < 0 else end
        day = date.fromisoformat(label["date"]) if label["date"] else None
        attribution = Attribution(
            outlet=label["outlet"],
            authors=tuple(a for a in (label["author"],) if a),
            date=day,
            date_precision="day" if day else None,
            kind="journal" if label["date"] is None and label["outlet"] else "article",
            issue=_journal_issue(label["starts_with"]) if day is None else None,
            inherited=label["attribution_inherited"],
        )
        passages.append(
            passage(
                it,
                start=start,
                end=end,
                index=label["para_index"],
                section=label["section"],
                attribution=attribution,
                style="report",
            )
        )
    return Analysis(it, tuple(passages))
