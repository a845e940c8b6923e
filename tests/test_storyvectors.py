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
    reused = storyvectors.reusing(lambda: counting, known)(texts)
    # The telling is new; of the stored three, one is embedded again only to check the model.
    assert counting.asked == [telling, texts[1]]
    assert reused.tobytes() == wordllama(texts).tobytes()


def test_a_stored_vector_of_other_text_is_not_used(wordllama):
    known = storyvectors.stored(storyvectors.make(ITEMS))
    changed = storyvectors.content(ITEMS[0]) + " Updated."
    counting = Counting(wordllama)
    out = storyvectors.reusing(lambda: counting, known)([changed])
    assert counting.asked == [changed]
    assert out.tobytes() == wordllama([changed]).tobytes()


def test_vectors_from_another_model_are_not_trusted_once_the_model_is_loaded(wordllama):
    texts = [storyvectors.content(i) for i in ITEMS]
    other = {storyvectors.key(t): np.ones(256, dtype=np.float32).tobytes() for t in texts[1:]}
    assert storyvectors.reusing(lambda: wordllama, other)(texts).tobytes() == wordllama(texts).tobytes()


def test_what_a_build_embeds_is_kept_and_the_next_build_does_not_load_the_model(wordllama):
    telling = "Japan and China hold talks. Japan and China hold talks. Officials met."
    texts = [telling, *(storyvectors.content(i) for i in ITEMS)]
    first = storyvectors.Known(storyvectors.stored(storyvectors.make(ITEMS)))
    counting = Counting(wordllama)
    made = storyvectors.reusing(lambda: counting, first)(texts)
    assert list(first.made) == [storyvectors.key(telling)]  # the telling: the items' are in their records

    kept = dict(first.made)  # what the store holds after the first build (store/vectors.py)
    asked: list[list[str]] = []
    second = storyvectors.Known(
        storyvectors.stored(storyvectors.make(ITEMS)), lookup=lambda keys: asked.append(keys) or kept
    )

    def no_model():
        raise AssertionError("the model was loaded")

    again = storyvectors.reusing(no_model, second)(texts)
    assert again.tobytes() == made.tobytes() == wordllama(texts).tobytes()
    assert asked == [[storyvectors.key(telling)]] and second.made == {}


def test_the_store_keeps_each_vector_once_by_its_key(tmp_path):
    from reporter.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        assert store.vectors.save({"k1": b"\x00" * 8, "k2": b"\x01" * 8}) == 2
        store.vectors.save({"k1": b"\x00" * 8})  # a second build of the same telling: no error
        assert store.vectors.get(["k2", "k1", "k3"]) == {"k1": b"\x00" * 8, "k2": b"\x01" * 8}
    finally:
        store.close()
