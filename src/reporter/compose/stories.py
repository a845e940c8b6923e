"""Stories: the tellings of one event, across outlets and days, found by similarity within a time window.

Two passes, after Miranda et al. (2018, "Multilingual Clustering of Streaming News"):

1. Near-copies (`nearcopies`, MinHash of word 3-shingles) are one story whatever their dates: a wire
   story reprinted a week later is still the same story.
2. The same event in other words: tellings are taken in time order and each joins the story holding its
   most similar telling within `WINDOW_DAYS` days (single link inside the window, so a story can run
   for weeks as long as it is told every few days), if that similarity reaches `THRESHOLD`; otherwise
   it starts a story. The similarity is a blend of TF-IDF cosine (title twice, then the text; IDF from
   every item the build read, so common news words weigh little) and the cosine of static word
   embeddings (WordLlama, whose weights ship inside its wheel), which catches "sacked" for "removed".

Two passages of one item are never one story: they are different parts of one document. The weights
were chosen on the October 2023 development set (B-cubed F1 0.89, see docs/benchmarks.md) from a broad
plateau (0.86-0.89 for thresholds 0.32-0.36, windows 3-4 days, blends 0.5-0.6), not at a sharp peak.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from reporter.compose import nearcopies

log = logging.getLogger(__name__)

WINDOW_DAYS = 4.0
THRESHOLD = 0.34
TFIDF_WEIGHT = 0.6  # the rest is the embeddings' cosine
THRESHOLD_TFIDF_ONLY = 0.30  # when WordLlama is not installed
BACKGROUND_CHARS = 2000  # of each background item, for the IDF
_BOILERPLATE = re.compile(
    r"Read (?:the )?Full Article at \S+|Continue reading\.*|\[(?:…|\.\.\.)\]|…|\.\.\.+", re.IGNORECASE
)

Embed = Callable[[list[str]], Any]  # texts → an (n, d) array of unit-length rows


@dataclass(frozen=True, slots=True)
class Doc:
    """What story-finding needs of one telling."""

    key: int  # the caller's index
    item_id: str
    title: str
    text: str
    published: datetime


def clean(text: str) -> str:
    """A telling's words without feed boilerplate ("Read Full Article at RT.com") or cut-off marks."""
    return _BOILERPLATE.sub(" ", text)


def _content(doc: Doc) -> str:
    # The headline is the densest statement of the event: counted twice.
    return f"{doc.title}. {doc.title}. {clean(doc.text)}"


@lru_cache(maxsize=1)
def wordllama() -> Embed | None:
    """WordLlama's 256-dimension model, loaded once per process from its own wheel; None if absent.

    `cache_dir` is the installed package folder and downloads are off, so it never touches the network.
    """
    try:
        import wordllama as package
        from wordllama import WordLlama
    except ImportError:
        log.warning("wordllama is not installed: stories are found by TF-IDF alone")
        return None
    from pathlib import Path

    model = WordLlama.load(cache_dir=Path(package.__file__).parent, disable_download=True)
    return lambda texts: model.embed(texts, norm=True)


def similarity(docs: Sequence[Doc], background: Sequence[str], embed: Embed | None) -> Any:
    """The blended similarity of every pair of tellings, as a dense (n, n) array."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    contents = [_content(d) for d in docs]
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b"
    )
    vectorizer.fit([*contents, *(b[:BACKGROUND_CHARS] for b in background)])
    matrix = vectorizer.transform(contents)
    tfidf = np.asarray((matrix @ matrix.T).todense(), dtype=np.float32)
    if embed is None:
        return tfidf
    vectors = np.asarray(embed(contents), dtype=np.float32)
    return TFIDF_WEIGHT * tfidf + (1 - TFIDF_WEIGHT) * (vectors @ vectors.T)


def clusters(
    docs: Sequence[Doc],
    *,
    background: Sequence[str] = (),
    embed: Embed | None = None,
    window_days: float = WINDOW_DAYS,
    threshold: float | None = None,
) -> list[list[int]]:
    """Group tellings into stories; each group lists keys, earliest telling first."""
    if not docs:
        return []
    if threshold is None:
        threshold = THRESHOLD if embed is not None else THRESHOLD_TFIDF_ONLY
    order = sorted(range(len(docs)), key=lambda i: (docs[i].published, i))
    # Pass 1: near-copies share a story from the start.
    near = nearcopies.clusters([nearcopies.Doc(i, d.item_id, d.text) for i, d in enumerate(docs)])
    copy_of = {i: group[0] for group in near for i in group}
    sims = similarity(docs, background, embed) if len(docs) > 1 else None
    days = [d.published.timestamp() / 86400 for d in docs]
    story_of: dict[int, int] = {}
    members: list[list[int]] = []
    items: list[set[str]] = []
    for i in order:
        home = story_of.get(copy_of[i])
        if home is None and sims is not None:
            best, best_sim = None, threshold
            for j, story in story_of.items():
                if abs(days[j] - days[i]) > window_days or docs[i].item_id in items[story]:
                    continue
                if sims[i, j] >= best_sim and (best is None or sims[i, j] > best_sim):
                    best, best_sim = story, float(sims[i, j])
            home = best
        if home is not None and docs[i].item_id in items[home]:
            home = None  # another passage of the same item: a different part of one document
        if home is None:
            home = len(members)
            members.append([])
            items.append(set())
        members[home].append(i)
        items[home].add(docs[i].item_id)
        story_of[i] = home
        story_of.setdefault(copy_of[i], home)
    return [[docs[i].key for i in group] for group in members]
