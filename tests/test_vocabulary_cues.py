"""Terms are looked for only in texts holding one of their literal pieces: the same results, less work."""

from __future__ import annotations

import dataclasses

import pytest

from reporter.nlp.vocabulary import Vocabulary, compile_terms

TEXTS = [
    "Japan and China held talks on the Senkaku Islands' dispute; the foreign minister's visit follows.",
    "The A-bomb survivors marked the anniversary; a year ago the Diet passed the bill.",
    "Tokyo’s bilateral ties with Seoul: anti-dumping duties, de-risking and semiconductor export curbs.",
    "The SDF and U.S. forces held drills; Self-Defense Forces spokesmen said the war games ended.",
    "Shohei Ohtani hit two home runs as the Dodgers beat the Giants in the World Series.",
    "K-pop star and J-League club; the box office topped $10 million; TV ratings fell.",
    "Abductees' families met the prime minister over the abduction issue and treated water releases.",
    "",
    "no terms here at all",
]


def without_cues(term_set):
    return dataclasses.replace(term_set, folded_cue=None, cased_cue=None)


@pytest.fixture(scope="module")
def term_sets():
    v = Vocabulary.load()
    report = compile_terms("include", ["Yasukuni", "comfort women", "abductee*", "abduction issue"])
    return [*v.relations, v.outward, v.state, *v.off_topic, report]


def test_the_cues_never_change_what_is_found(term_sets):
    for term_set in term_sets:
        for text in TEXTS:
            assert term_set.find(text) == without_cues(term_set).find(text), (term_set.name, text)


def test_a_text_without_a_cue_is_not_searched():
    hyphens = compile_terms("t", ["anti-dumping", "a year ago", "Prime Minister*", "o'clock"])
    assert hyphens.find("Anti dumping duties rose a year ago at ten o’clock") == (
        "anti dumping", "a year ago", "o’clock",
    )  # fmt: skip
    assert hyphens.find("Prime Ministerial talks") == ("prime ministerial",)
    assert hyphens.folded_cue is not None and next(hyphens.folded_cue.iter("nothing to see"), None) is None
