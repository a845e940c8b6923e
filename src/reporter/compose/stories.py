"""Stories: the tellings of one event, across outlets and days, found by similarity within a time window.

Three passes, the first two after Miranda et al. (2018, "Multilingual Clustering of Streaming News"):

1. Near-copies (`nearcopies`, MinHash of word 3-shingles) are one story whatever their dates: a wire
   story reprinted a week later is still the same story.
2. The same event in other words: tellings are taken in time order and each joins the story holding its
   most similar telling within `WINDOW_DAYS` days (single link inside the window, so a story can run
   for weeks as long as it is told every few days), if that similarity reaches `THRESHOLD`; otherwise
   it starts a story. The similarity is a blend of TF-IDF cosine (title twice, then the text; IDF from
   every item the build read, so common news words weigh little) and the cosine of static word
   embeddings (WordLlama, whose weights ship inside its wheel), which catches "sacked" for "removed".
   Two tellings whose headlines name the same counterparts (`Doc.actors`) get `ACTOR_BONUS` on top:
   the same parties in the headline are evidence of the same happening.
3. Follow-ups told days later: a story whose first telling comes more than the window after another's
   last (up to `FOLLOW_DAYS`) joins it when their headlines name the same counterparts and two of their
   tellings are as similar as `FOLLOW_THRESHOLD`, well above `THRESHOLD` (the talks announced, held and
   their outcome; a review begun and wrapped up). Sharing an issue is not enough: the same counterparts
   are required, so Russia's seafood ban and the U.S. military buying Japanese seafood stay two stories.
   A follow-up whose headline names other parties too joins when the two headlines share a counterpart
   and name the same act of state (`Doc.acts`: an evacuation, sanctions, a visit), one that at most
   `FOLLOW_ACT_STORIES` of the month's stories name (the evacuation flights from Israel, not "talks" in
   a month of talks), and reach `FOLLOW_ACT_THRESHOLD`.

Two passages of one item are never one story: they are different parts of one document. The settings
come from the October 2023 development set, from a broad plateau (B-cubed F1 0.86-0.89 for thresholds
0.32-0.38, windows 3-4 days, blends 0.5-0.6), at its precise end: two stories merged lose one from the
report, while one story split shows as two paragraphs that a reader can still connect. A longer second
window for very similar tellings was tried and lost precision for no recall.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from reporter.compose import nearcopies
from reporter.nlp import storyvectors

log = logging.getLogger(__name__)

WINDOW_DAYS = 3.0
THRESHOLD = 0.36
ACTOR_BONUS = 0.06  # both headlines name the same counterparts
ACTOR_VETO = 1.0  # neither headline names the counterpart the other leads with
ACTOR_PENALTY = 0.05  # both headlines name a counterpart first, not the same one
FOLLOW_DAYS = 7.0  # pass 3: how long after a story its follow-up may come
FOLLOW_THRESHOLD = 0.48  # pass 3: the similarity a follow-up needs (with the same counterparts)
FOLLOW_ACT_THRESHOLD = 0.33  # pass 3: the similarity a follow-up of the same act of state needs
FOLLOW_ACT_STORIES = 3  # an act is specific when at most this many of the month's stories name it
TFIDF_WEIGHT = 0.6  # the rest is the embeddings' cosine
THRESHOLD_TFIDF_ONLY = 0.30  # when WordLlama is not installed
BACKGROUND_CHARS = 2000  # of each background item, for the IDF
CONTENT_CHARS = 4000  # of each telling: the event is in its first paragraphs
BLOCK = 256  # tellings whose similarities are computed in one matrix product
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
    relevant: bool = True  # False: an item of the period the report does not use, given a story id only
    actors: frozenset[str] = frozenset()  # the counterparts its headline names (gazetteer codes)
    first_actor: str | None = None  # the counterpart its headline names first
    acts: frozenset[str] = frozenset()  # the acts of state its headline names (data/topics.yaml `acts`)


STEM = 6  # letters an act is known by: "evacuation", "evacuates" and "evacuated" are one act


def act_stems(terms: Iterable[str]) -> frozenset[str]:
    """The acts of state a headline names (terms of data/topics.yaml `acts`), each by its stem."""
    return frozenset(t.lower()[:STEM] for t in terms)


def clean(text: str) -> str:
    """A telling's words without feed boilerplate ("Read Full Article at RT.com") or cut-off marks."""
    return _BOILERPLATE.sub(" ", text)


def _content(doc: Doc) -> str:
    # The headline is the densest statement of the event: counted twice.
    return f"{doc.title}. {doc.title}. {clean(doc.text[:CONTENT_CHARS])}"


def wordllama_installed() -> bool:
    """Whether WordLlama can be loaded (asked without importing it)."""
    from importlib.util import find_spec

    return find_spec("wordllama") is not None


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


class _Similarity:
    """Blended similarity of each telling to the ones just before it in time order, a window at a time.

    Rows are held in time order so that a window is a contiguous slice (memory: one window, not n²).
    """

    def __init__(self, docs: Sequence[Doc], background: Sequence[str], embed: Embed | None):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        contents = [_content(d) for d in docs]
        vectorizer = TfidfVectorizer(
            sublinear_tf=True, stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b"
        )
        # One pass over the texts: the contents' rows of the fitted matrix are what transform() would give.
        fitted = vectorizer.fit_transform([*contents, *(b[:BACKGROUND_CHARS] for b in background)])
        self._tfidf = fitted[: len(contents)].tocsr()
        self._vectors = np.asarray(embed(contents), dtype=np.float32) if embed is not None else None
        self._block: Any = None
        self._block_start = self._block_end = self._block_lo = 0

    def window(self, pos: int, lo: int) -> Any:
        """Similarity of the telling at `pos` to those at `lo` … `pos - 1` (`lo` never decreases)."""
        import numpy as np

        if lo >= pos:
            return np.zeros(0, dtype=np.float32)
        if not self._block_start <= pos < self._block_end:
            # One matrix product per block of rows against their whole window, not one per row.
            end = min(pos + BLOCK, self._tfidf.shape[0])
            block = (self._tfidf[pos:end] @ self._tfidf[lo:end].T).toarray().astype(np.float32)
            if self._vectors is not None:
                block = TFIDF_WEIGHT * block + (1 - TFIDF_WEIGHT) * (
                    self._vectors[pos:end] @ self._vectors[lo:end].T
                )
            self._block, self._block_start, self._block_end, self._block_lo = block, pos, end, lo
        return self._block[pos - self._block_start, lo - self._block_lo : pos - self._block_lo]

    def among(self, positions: Sequence[int]) -> Callable[[int, int], float]:
        """The blended similarity of any two of these positions, whatever their dates (one product)."""
        import numpy as np

        at = np.asarray(sorted(set(positions)), dtype=np.intp)
        index = {int(p): n for n, p in enumerate(at)}
        rows = self._tfidf[at]
        tfidf = (rows @ rows.T).toarray()
        vectors = None if self._vectors is None else self._vectors[at]

        def pair(a: int, b: int) -> float:
            i, j = index[a], index[b]
            if vectors is None:
                return float(tfidf[i, j])
            return TFIDF_WEIGHT * float(tfidf[i, j]) + (1 - TFIDF_WEIGHT) * float(vectors[i] @ vectors[j])

        return pair


def _same_actors(a: Doc, b: Doc) -> bool:
    return bool(a.actors) and a.actors == b.actors


def _actor_weight(a: Doc, b: Doc) -> float:
    """What the headlines' counterparts add to two tellings' similarity (see the module's rule)."""
    if _same_actors(a, b):
        return ACTOR_BONUS
    if a.first_actor and b.first_actor and a.first_actor != b.first_actor:
        if a.first_actor not in b.actors and b.first_actor not in a.actors:
            return -ACTOR_VETO  # each leads with a party the other does not name: two parties acting
        return -ACTOR_PENALTY
    return 0.0


def _follows(a: Doc, b: Doc, similarity: float, rare: Callable[[str], bool]) -> bool:
    """Whether `b` follows up `a` (pass 3): the same counterparts, or one of them and the same act."""
    if _same_actors(a, b) and similarity >= FOLLOW_THRESHOLD:
        return True
    return (
        similarity >= FOLLOW_ACT_THRESHOLD
        and bool(a.actors & b.actors)
        and any(rare(t) for t in a.acts & b.acts)
    )


def _follow_ups(
    members: list[list[int]], timed: Sequence[Doc], days: Sequence[float], sims: _Similarity
) -> list[list[int]]:
    """Pass 3: join each story to the earlier ones it follows up (see the module's rule), in time order."""
    stories = [m for m in members if any(timed[p].relevant for p in m)]
    rest = [m for m in members if not any(timed[p].relevant for p in m)]
    stories.sort(key=lambda m: days[m[0]])
    named: Counter[str] = Counter(t for m in stories for t in set().union(*(timed[p].acts for p in m)))
    pair = sims.among([p for m in stories for p in m if timed[p].relevant])

    def rare(act: str) -> bool:
        return named[act] <= FOLLOW_ACT_STORIES

    out: list[list[int]] = []
    for story in stories:
        mine = [p for p in story if timed[p].relevant]
        first, items = days[mine[0]], {timed[p].item_id for p in mine}
        homes = []  # every earlier story it follows up: they are one story through it
        for n, earlier in enumerate(out):
            theirs = [p for p in earlier if timed[p].relevant]
            gap = first - max(days[p] for p in theirs)
            if not 0 <= gap <= FOLLOW_DAYS or items & {timed[p].item_id for p in theirs}:
                continue
            if any(_follows(timed[a], timed[b], pair(a, b), rare) for a in theirs for b in mine):
                homes.append(n)
        joined = sorted([*story, *(p for n in homes for p in out[n])], key=lambda p: (days[p], p))
        out = [m for n, m in enumerate(out) if n not in homes]
        out.append(joined)
    return [*out, *rest]


def clusters(
    docs: Sequence[Doc],
    *,
    background: Sequence[str] = (),
    embed: Embed | None = None,
    window_days: float = WINDOW_DAYS,
    threshold: float | None = None,
    known: storyvectors.Known | None = None,
) -> list[list[int]]:
    """Group tellings into stories; each group lists keys, earliest telling first.

    `known`: near-copy signatures made before, reused (and the new ones added to it).

    A doc that is not `relevant` (kept only so that every item of the period has a story id) may join
    any story, but a relevant one joins a story only through its relevant tellings: the report's stories
    are the same whether or not the rest of the period is clustered with them.
    """
    if not docs:
        return []
    if threshold is None:
        threshold = THRESHOLD if embed is not None else THRESHOLD_TFIDF_ONLY
    import numpy as np

    order = sorted(range(len(docs)), key=lambda i: (docs[i].published, i))
    timed = [docs[i] for i in order]
    # Pass 1: near-copies share a story from the start.
    near = nearcopies.clusters(
        [nearcopies.Doc(pos, d.item_id, d.text) for pos, d in enumerate(timed) if d.relevant], known=known
    )
    copy_of = {pos: group[0] for group in near for pos in group}
    sims = _Similarity(timed, background, embed) if len(docs) > 1 else None
    days = [d.published.timestamp() / 86400 for d in timed]
    relevant = np.array([d.relevant for d in timed])
    story_of: dict[int, int] = {}  # position → story
    members: list[list[int]] = []
    items: list[set[str]] = []
    for pos, doc in enumerate(timed):
        home = story_of.get(copy_of.get(pos, -1))
        if home is None and sims is not None:
            lo = bisect_left(days, days[pos] - window_days)
            row = sims.window(pos, lo)
            if doc.relevant:
                row = np.where(relevant[lo:pos], row, 0.0)
                if doc.actors:
                    row = row + np.asarray([_actor_weight(doc, timed[p]) for p in range(lo, pos)], np.float32)
            # Only the tellings above the threshold are candidates: sorting the whole window cost most.
            above = np.flatnonzero(row >= threshold)
            for k in above[np.argsort(-row[above], kind="stable")]:
                if doc.item_id not in items[story_of[lo + int(k)]]:
                    home = story_of[lo + int(k)]
                    break
        if home is not None and doc.item_id in items[home]:
            home = None  # another passage of the same item: a different part of one document
        if home is None:
            home = len(members)
            members.append([])
            items.append(set())
        members[home].append(pos)
        items[home].add(doc.item_id)
        story_of[pos] = home
        if pos in copy_of:
            story_of.setdefault(copy_of[pos], home)
    if sims is not None:
        members = _follow_ups(members, timed, days, sims)
    return [[timed[pos].key for pos in group] for group in members]
