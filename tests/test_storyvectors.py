"""Story vectors are made once, when an item is analysed, and a build reuses them only where they fit."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from reporter.compose import stories
from reporter.models import Attribution, Item
from reporter.nlp import storyvectors
from reporter.nlp.record import ItemAnalysis, decode, encode


def item(n: int, title: str, text: str) -> Item:
    return Item(
        id=f"i{n}",
        source="wire",
        kind="feed",
        published=datetime(2025, 11, n, tzinfo=UTC),
        date_source="published",
        date_precision="day",
        outlet="Wire",
        title=title,
        text=text,
        content_hash=f"h{n}",
    )


ITEMS = [
    item(1, "Japan and China hold talks", "Officials of Japan and China met in Beijing to discuss trade."),
    item(2, "Storm hits coast", "A storm brought heavy rain to the coast on Tuesday."),
    item(3, "Japan, Australia sign pact", "The two countries signed a defence pact in Canberra."),
]


class Counting:
    """An embed function that counts the texts it is asked for (a real model underneath)."""

    def __init__(self, embed):
        self.embed = embed
        self.asked: list[str] = []

    def __call__(self, texts: list[str]):
        self.asked.extend(texts)
        return self.embed(texts)


@pytest.fixture(scope="module")
def wordllama():
    embed = stories.wordllama()
    if embed is None:
        pytest.skip("wordllama is not installed")
    return embed


def test_a_texts_vector_does_not_depend_on_the_other_texts_of_its_batch(wordllama):
    texts = [storyvectors.content(i) for i in ITEMS]
    together = wordllama(texts)
    alone = np.vstack([wordllama([t]) for t in texts])
    assert together.tobytes() == alone.tobytes()


def test_the_vector_is_stored_in_the_analysis_record_and_read_back(wordllama):
    (vector,) = storyvectors.make(ITEMS[:1])
    record = ItemAnalysis("i1", "v", "topic", (), attribution=Attribution("Wire"), vector=vector)
    assert decode(encode(record)).vector == vector
    assert vector.key == storyvectors.key(storyvectors.content(ITEMS[0]))


def test_a_build_embeds_only_the_texts_it_has_no_stored_vector_for(wordllama):
    known = storyvectors.stored(storyvectors.make(ITEMS))
    counting = Counting(wordllama)
    telling = "Japan and China hold talks. Japan and China hold talks. Officials met."
    texts = [telling, *(storyvectors.content(i) for i in ITEMS)]
    reused = storyvectors.reusing(counting, known)(texts)
    # The telling is new; of the stored three, one is embedded again only to check the model.
    assert counting.asked == [telling, texts[1]]
    assert reused.tobytes() == wordllama(texts).tobytes()


def test_a_stored_vector_of_other_text_is_not_used(wordllama):
    known = storyvectors.stored(storyvectors.make(ITEMS))
    changed = storyvectors.content(ITEMS[0]) + " Updated."
    counting = Counting(wordllama)
    out = storyvectors.reusing(counting, known)([changed])
    assert counting.asked == [changed]
    assert out.tobytes() == wordllama([changed]).tobytes()


def test_vectors_from_another_model_are_not_trusted(wordllama):
    texts = [storyvectors.content(i) for i in ITEMS]
    other = {storyvectors.key(t): np.ones(256, dtype=np.float32).tobytes() for t in texts}
    assert storyvectors.reusing(wordllama, other)(texts).tobytes() == wordllama(texts).tobytes()
