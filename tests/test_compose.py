"""Composition: passages become attributed, chronological paragraphs with traceable sentences."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reporter.compose import compose
from reporter.compose.nearcopies import Doc, clusters
from reporter.models import Analysis, Attribution, Period, Report, Span
from reporter.nlp import storyvectors
from reporter.nlp.vocabulary import Vocabulary
from tests.compose_support import NOW, item, japan_spec, passage, seed_item, whole

NOV = Period.month(2025, 11)

STORY = (
    "On November 11, Russia announced a fifth tranche of entry bans against Japanese individuals as a "
    "countermeasure to Japan's sanctions over the invasion of Ukraine, adding 30 names. The list included "
    "lawmakers, academics and journalists who had criticised the invasion. Moscow timed the announcement to "
    "coincide with the first week of the new cabinet, analysts said. The foreign ministry in Tokyo called "
    "the move regrettable and said Japan would keep its sanctions in place. Officials noted that the bans "
    "have no practical effect on travel, since few of those named planned to visit Russia."
)


def body_refs(report: Report) -> list:
    return [s for sec in report.sections for p in sec.paragraphs for s in p.sentences]


def paragraphs(report: Report) -> list:
    return [p for sec in report.sections for p in sec.paragraphs]


def assert_faithful(report: Report, analyses: list[Analysis]) -> None:
    texts = {a.item.id: a.item.text for a in analyses}
    for ref in body_refs(report):
        assert texts[ref.item_id][ref.start : ref.end] == ref.text


# --- leads -------------------------------------------------------------------------------------------


def test_lead_turns_a_common_first_word_into_reported_speech_keeping_offsets_exact() -> None:
    it = seed_item("001")  # Geopolitical Monitor, Jonathan Bak, November 10, 2025
    start = it.text.index("The decision to elect")
    end = it.text.index("\n", start)
    analyses = [Analysis(it, (passage(it, start=start, end=end),))]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    [p] = paragraphs(report)
    assert p.lead == "On November 10, Geopolitical Monitor's Jonathan Bak wrote that the"
    assert f"{p.lead} {p.body}".startswith(
        "On November 10, Geopolitical Monitor's Jonathan Bak wrote that the decision to elect Sanae Takaichi"
    )
    assert_faithful(report, analyses)


def test_lead_is_neutral_when_the_first_sentence_cannot_become_reported_speech() -> None:
    text = "Takaichi met Putin's envoy in Tokyo and raised the issue of the Northern Territories again. " * 1
    it = item(text, outlet="Kyodo News", published=date(2025, 11, 20))
    report = compose([whole(it)], japan_spec(), NOV, now=NOW)
    [p] = paragraphs(report)
    assert p.lead == "On November 20, Kyodo News reported:"
    assert p.sentences[0].text.startswith("Takaichi met")


@pytest.mark.parametrize(
    ("attribution", "outlet", "expected"),
    [
        (
            Attribution("Yomiuri", date=date(2025, 11, 15), kind="editorial"),
            "Yomiuri",
            "A Yomiuri editorial on November 15 argued that the",
        ),
        (
            Attribution(None, date=date(2025, 11, 14)),
            None,
            "An unattributed article on November 14 reported that the",
        ),
        (
            Attribution("Kyodo News", date=date(2025, 11, 3), authors=("A. Sato", "B. Ito")),
            "Kyodo News",
            "On November 3, Kyodo News' A. Sato and B. Ito wrote that the",
        ),
        (
            Attribution("Gaiko", kind="journal", issue="November/December", authors=("Ishii Akira",)),
            "Gaiko",
            "In Gaiko, November/December, Ishii Akira wrote that the",
        ),
        (
            Attribution("Diet", date=date(2025, 11, 30), kind="speech", authors=("Kishida",)),
            "NHK",
            "In a speech on November 30 reported by Diet, Kishida said that the",
        ),
    ],
)
def test_leads_come_only_from_metadata(attribution: Attribution, outlet: str | None, expected: str) -> None:
    text = "The government said it would keep talking to its partners about the sanctions and the bans."
    it = item(text, outlet=outlet, published=date(2025, 11, 14))
    p = passage(it, attribution=attribution)
    report = compose([Analysis(it, (p,))], japan_spec(), NOV, now=NOW)
    assert paragraphs(report)[0].lead == expected


def test_a_date_in_another_year_than_the_report_names_its_year() -> None:
    text = "The alliance was described as stronger than ever after a year of summits in Washington."
    it = item(text, outlet="Yomiuri", published=date(2023, 12, 30))
    report = compose([whole(it, section="United States")], japan_spec(), Period.month(2024, 1, 2), now=NOW)
    assert paragraphs(report)[0].lead == "On December 30, 2023, Yomiuri reported that the"


# --- sentences -----------------------------------------------------------------------------------------


def test_body_is_the_most_salient_whole_sentences_in_source_order_within_60_to_140_words() -> None:
    it = seed_item("001")
    analyses = [whole(it)]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    [p] = paragraphs(report)
    words = len(p.body.split()) + (1 if p.lead.endswith(" the") else 0)
    assert 60 <= words <= 140
    starts = [s.start for s in p.sentences]
    assert starts == sorted(starts)
    assert_faithful(report, analyses)


def test_a_quotation_split_by_the_sentence_splitter_stays_whole() -> None:
    text = (
        "Takaichi told reporters, “We will not rule out any means. We will bring them home.” "
        "Families welcomed the pledge, though many said they had heard such words before."
    )
    it = item(text)
    split_inside = (
        Span(0, text.index(" We will bring")),
        Span(text.index("We will bring"), text.index(" Families")),
        Span(text.index("Families"), len(text)),
    )
    p = replace(passage(it), sentences=split_inside)
    report = compose([Analysis(it, (p,))], japan_spec(), NOV, now=NOW)
    texts = [s.text for s in paragraphs(report)[0].sentences]
    assert any(t.endswith("We will bring them home.”") and "“We will not" in t for t in texts)


def test_two_outlets_telling_one_event_make_one_paragraph_that_quotes_the_shared_sentence_once() -> None:
    shared = "Japan and the Philippines signed a reciprocal access agreement in Manila on Friday."
    a = item(
        f"{shared} The deal lets troops train on each other's soil. Beijing objected at once.",
        item_id="a",
        outlet="Kyodo News",
        published=date(2025, 11, 5),
    )
    b = item(
        f"Officials spent months on the text. {shared} Critics in Tokyo warned of entanglement.",
        item_id="b",
        outlet="NHK",
        published=date(2025, 11, 6),
    )
    analyses = [whole(a, section="Southeast Asia"), whole(b, section="Southeast Asia")]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    texts = [s.text for s in body_refs(report)]
    assert texts.count(shared) == 1
    [p] = paragraphs(report)
    assert {p.outlet, *p.also_reported_by} == {"Kyodo News", "NHK"}
    assert_faithful(report, analyses)


# --- period, relevance, duplicates ---------------------------------------------------------------------


def test_out_of_period_and_irrelevant_passages_are_left_out_with_their_reason() -> None:
    inside = item(STORY, item_id="in", published=date(2025, 11, 12))
    before = item(
        STORY.replace("Russia", "Moscow"), item_id="old", published=date(2025, 10, 30), title="October"
    )
    off_topic = item(
        "The Nikkei rose two percent on strong earnings from exporters and banks.",
        item_id="off",
        title="Markets",
    )
    analyses = [
        whole(inside),
        whole(before),
        whole(off_topic, relevant=False, reasons=("no foreign partner",)),
    ]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    reasons = {x.item_id: (x.reason, x.detail) for x in report.left_out}
    assert reasons["old"][0] == "out of period"
    assert "2025-10-30" in reasons["old"][1]
    assert reasons["off"] == ("not relevant", "1 passage: no foreign partner")
    assert [p.item_id for p in paragraphs(report)] == ["in"]


def test_a_digest_dated_only_by_its_title_reports_on_the_month_before() -> None:
    digest = item(
        STORY,
        outlet="The Asan Forum",
        published=date(2024, 3, 1),
        precision="month",
        title="Country Report: Japan (March 2024)",
    )
    undated = passage(digest, attribution=Attribution("Gaiko", kind="journal", issue="No. 2"))
    feb = compose([Analysis(digest, (undated,))], japan_spec(), Period.month(2024, 2), now=NOW)
    march = compose([Analysis(digest, (undated,))], japan_spec(), Period.month(2024, 3), now=NOW)
    assert len(paragraphs(feb)) == 1
    assert not paragraphs(march)
    assert march.left_out[0].reason == "out of period"


def test_a_story_told_by_several_outlets_is_one_paragraph_led_by_its_fullest_telling() -> None:
    first = item(STORY, item_id="kyodo", outlet="Kyodo News", published=date(2025, 11, 12))
    retold = STORY.replace("analysts said", "according to analysts") + " The embassy declined to comment."
    second = item(retold, item_id="jt", outlet="The Japan Times", published=date(2025, 11, 13))
    third = item(STORY, item_id="nhk", outlet="NHK", published=date(2025, 11, 13))
    analyses = [whole(second), whole(first), whole(third)]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    [p] = paragraphs(report)
    assert p.item_id == "jt"  # all three name outlet and day; The Japan Times' telling is the richest
    assert p.also_reported_by == ("Kyodo News", "NHK")
    assert [s.item_id for s in report.sources] == ["jt", "kyodo", "nhk"]
    assert p.source_numbers == (1, 2, 3)
    assert all(s.cited_in == (p.anchor,) for s in report.sources)
    assert {(x.item_id, x.reason) for x in report.left_out} == {("kyodo", "duplicate"), ("nhk", "duplicate")}


def test_on_the_same_day_the_fullest_telling_wins() -> None:
    short = item(STORY, item_id="short", outlet="Kyodo News", published=date(2025, 11, 12))
    full = item(
        STORY + " The ministry said more names could follow.",
        item_id="full",
        outlet="NHK",
        published=date(2025, 11, 12),
    )
    report = compose([whole(short), whole(full)], japan_spec(), NOV, now=NOW)
    assert paragraphs(report)[0].item_id == "full"


def test_minhash_groups_hundreds_of_copies_without_merging_one_documents_own_passages() -> None:
    docs = [Doc(k, f"item-{k}", STORY) for k in range(300)]
    docs.append(Doc(300, "item-0", STORY))  # a second passage of item-0: never its own duplicate
    docs.append(Doc(301, "other", "Japan and Australia agreed to deepen defence industry cooperation."))
    groups = clusters(docs)
    assert sorted(len(g) for g in groups) == [1, 1, 300]


def test_near_copy_signatures_made_by_one_build_are_read_by_the_next() -> None:
    docs = [Doc(0, "a", STORY), Doc(1, "b", STORY + " Updated at noon."), Doc(2, "c", "Storm hits coast.")]
    first = storyvectors.Known({})
    groups = clusters(docs, known=first)
    assert len(first.made) == 3  # one signature per passage, kept by the store for the next build

    kept = dict(first.made)
    second = storyvectors.Known({}, lookup=lambda keys: {k: kept[k] for k in keys if k in kept})
    assert clusters(docs, known=second) == groups == [[0, 1], [2]]
    assert second.made == {}  # nothing hashed again


# --- sections, anchors, sources, overview ------------------------------------------------------------


def _spread() -> list[Analysis]:
    """Five different stories (paragraphs of a real seed) from five outlets in three sections."""
    texts = [t for t in seed_item("002").text.split("\n") if len(t.split()) > 40]

    def one(n: int, item_id: str, section: str, day: int, outlet: str) -> Analysis:
        it = item(
            texts[n], item_id=item_id, outlet=outlet, published=date(2025, 11, day), title=f"Story {item_id}"
        )
        return whole(it, section=section)

    return [
        one(0, "nk2", "North Korea", 20, "NHK"),
        one(1, "nk1", "North Korea", 3, "Kyodo News"),
        one(2, "cn1", "China", 9, "Nikkei"),
        one(3, "us1", "United States", 28, "Asahi"),
        one(4, "nk3", "North Korea", 11, "Sankei"),
    ]


def test_sections_follow_the_configured_order_and_paragraphs_their_dates() -> None:
    analyses = _spread()
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    assert [s.name for s in report.sections] == ["United States", "China", "North Korea"]
    nk = report.sections[2]
    assert [p.date for p in nk.paragraphs] == [date(2025, 11, 3), date(2025, 11, 11), date(2025, 11, 20)]
    anchors = [p.anchor for p in paragraphs(report)]
    assert anchors == [
        "p-united-states-1",
        "p-china-1",
        "p-north-korea-1",
        "p-north-korea-2",
        "p-north-korea-3",
    ]
    assert [s.number for s in report.sources] == [1, 2, 3, 4, 5]
    assert [p.source_numbers for p in paragraphs(report)] == [(1,), (2,), (3,), (4,), (5,)]
    assert_faithful(report, analyses)


def test_overview_tells_the_top_stories_by_rank_each_attributed_between_the_counts() -> None:
    analyses = _spread()
    report = compose(analyses, japan_spec(), NOV, now=NOW, previous_counts={"North Korea": 1, "China": 1})
    # Five stories, each told once: equal in breadth and persistence, so the earliest ranks first. Each
    # paragraph quotes its item's every sentence, so the overview names each story by its headline.
    assert report.overview == (
        "This month's coverage centred on North Korea (3 items), the United States (1) and China (1).",
        "On November 3, Kyodo News reported under the headline “Story nk1”.",
        "On November 9, Nikkei reported under the headline “Story cn1”.",
        "On November 11, Sankei reported under the headline “Story nk3”.",
        "On November 20, NHK reported under the headline “Story nk2”.",
        "On November 28, Asahi reported under the headline “Story us1”.",
        "In all, the report cites 5 items from 5 outlets in 3 sections.",
        "Coverage of North Korea rose from 1 item last period to 3.",
    )
    body = {s.text for p in paragraphs(report) for s in p.sentences if s.part == "text"}
    assert not any(b in fact for fact in report.overview for b in body)  # no body sentence twice
    assert report.coverage == (("United States", 1, None), ("China", 1, 1), ("North Korea", 3, 1))


def test_developments_in_a_row_from_one_outlet_and_day_name_it_once_then_read_also_reported() -> None:
    texts = [t for t in seed_item("002").text.split("\n") if len(t.split()) > 40]

    def one(n: int, item_id: str, day: int, outlet: str) -> Analysis:
        it = item(texts[n], item_id=item_id, outlet=outlet, published=date(2025, 11, day), title=f"Story {n}")
        return whole(it, section="North Korea")

    analyses = [
        one(0, "a", 3, "Kyodo News"),
        one(1, "b", 18, "Modern Tokyo Times"),
        one(2, "c", 18, "Modern Tokyo Times"),
        one(3, "d", 18, "Modern Tokyo Times"),
        one(4, "e", 20, "Modern Tokyo Times"),
    ]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    # Ranked by date (equal otherwise): the outlet and day are named once, the headlines stay verbatim;
    # another day of the same outlet is named in full again.
    assert report.overview[1:6] == (
        "On November 3, Kyodo News reported under the headline “Story 0”.",
        "On November 18, Modern Tokyo Times reported under the headline “Story 1”.",
        "The outlet also reported under the headline “Story 2”.",
        "It also reported under the headline “Story 3”.",
        "On November 20, Modern Tokyo Times reported under the headline “Story 4”.",
    )


def test_a_repeated_credit_keeps_reported_speech_and_how_widely_the_story_was_told() -> None:
    from reporter.compose import leads, overview

    mtt = leads.Credit("Modern Tokyo Times", date(2025, 11, 18))
    quoted = "The two sides agreed to resume talks."
    spread = ", one of 2 outlets to report it,"
    told = overview.Development("China", 2, mtt, spread, quoted, "x")
    assert told.text(year=2025) == (
        "On November 18, Modern Tokyo Times, one of 2 outlets to report it, reported that the two sides "
        "agreed to resume talks."
    )
    assert told.text(year=2025, again=1) == (
        "The outlet, one of 2 outlets to report it, also reported that the two sides agreed to resume talks."
    )
    assert told.text(year=2025, again=2).startswith("The outlet, one of 2 outlets")  # never "It, one of"
    # An unknown outlet or day is never "the same" as the one before.
    assert not leads.Credit(None, date(2025, 11, 18)).follows(leads.Credit(None, date(2025, 11, 18)))
    assert not leads.Credit("NHK", None).follows(leads.Credit("NHK", None))
    assert not mtt.follows(leads.Credit("Modern Tokyo Times", date(2025, 11, 19)))


def test_the_overview_quotes_another_tellings_sentence_with_how_widely_the_story_was_told() -> None:
    jt = item(
        "Japan will give $10 million in emergency aid to civilians in the Gaza Strip, the foreign ministry "
        "said on Tuesday. The aid goes through UN agencies.",
        item_id="jt",
        outlet="Japan Today",
        published=date(2025, 11, 17),
        title="Japan to give $10 million in aid to Gaza",
    )
    nhk = item(
        "Tokyo pledged emergency humanitarian aid worth $10 million for Gaza civilians on Tuesday, "
        "Foreign Minister Kamikawa announced.",
        item_id="nhk",
        outlet="NHK",
        published=date(2025, 11, 17),
        title="Japan pledges $10 million for Gaza",
    )
    report = compose(
        [whole(jt, section="Middle East"), whole(nhk, section="Middle East")], japan_spec(), NOV, now=NOW
    )
    [paragraph] = paragraphs(report)
    quoted = paragraph.sentences[0].text
    told = [s for s in report.overview if "outlets to report it" in s]
    assert len(told) == 1 and quoted not in told[0]  # the other telling's words, not the paragraph's
    assert told[0].startswith("On November 17, ") and ", one of 2 outlets to report it, reported" in told[0]


def test_an_empty_period_says_so() -> None:
    report = compose([], japan_spec(), NOV, now=NOW, problems=("kyodo: timed out",))
    assert report.is_empty
    assert report.overview == ("No coverage of Japan's foreign relations was found for November 2025.",)
    assert report.problems == ("kyodo: timed out",)
    assert report.title == "Country Report: Japan (November 2025)"


def test_a_paragraph_never_opens_on_a_connective_that_leans_on_a_sentence_left_out() -> None:
    from reporter.compose.salience import Scored, select
    from reporter.models import Span

    text = (
        "Indeed, the alliance held firm. Tokyo and Seoul agreed to share missile warning data in real time."
    )
    first, second = Span(0, 31), Span(32, len(text))
    scored = [
        Scored(first, text[0:31], 5, 0.9, 1.0, 1.0, 1.0, True),
        Scored(second, text[32:], 14, 0.8, 1.0, 0.7, 1.0, True),
    ]
    leaning = Vocabulary.load().leaning
    assert select(scored, leaning=leaning, min_words=5, max_words=40) == [scored[1]]
    assert select(scored[:1], leaning=leaning, min_words=5, max_words=40) == [scored[0]]  # alone, kept


def test_one_list_in_topics_yaml_says_which_openers_lean_on_the_sentence_before() -> None:
    leaning = Vocabulary.load().leaning
    # A connective leans on the argument before it; a reference on something just told.
    assert leaning.connectives.opens("Against this backdrop, deeper engagement with Seoul is likely.")
    assert leaning.connectives.opens("“Meanwhile, Tokyo said it would protest.")
    assert leaning.references.opens("The suspension mirrors a recent move by China.")
    assert leaning.references.opens("It said the talks would resume.")
    assert not leaning.connectives.opens("The suspension mirrors a recent move by China.")
    # Either kind needs its predecessor; a word that merely begins like one does not.
    assert leaning.opens("However, the talks stalled.") and leaning.opens("They met in Tokyo.")
    for standalone in ("Italy and Japan signed a pact.", "Theresa May visited Tokyo.", "Thenceforth ..."):
        assert not leaning.opens(standalone), standalone


def test_a_topics_file_without_both_kinds_of_leaning_opener_is_refused_with_what_it_needs() -> None:
    from reporter.nlp.vocabulary import VocabularyError

    raw = {"relations": {"diplomacy": ["talks"]}, "outward": ["envoy"], "state": ["ministry"]}
    raw["off_topic"] = {"sports": ["rugby"]}
    with pytest.raises(VocabularyError, match="'leaning' must map connectives and references"):
        Vocabulary.from_mapping({**raw, "leaning": ["Indeed", "It"]})
    assert Vocabulary.from_mapping(raw).leaning.opens("Indeed, no list means no leaning opener.") is False


def test_the_overview_names_an_item_once_and_never_quotes_a_headline_the_feed_cut_off() -> None:
    texts = [t for t in seed_item("002").text.split("\n") if len(t.split()) > 40]
    title = "Tokyo courts Seoul and Beijing"
    one = item(f"{texts[0]}\n{texts[1]}", item_id="both", outlet="NHK", title=title)
    cut = item(
        texts[2], item_id="cut", outlet="Nikkei", published=date(2025, 11, 2), title="Japan weighs a new…"
    )
    both = Analysis(
        one,
        (
            passage(one, end=len(texts[0]), section="South Korea"),
            passage(one, start=len(texts[0]) + 1, index=1, section="China"),
        ),
    )
    report = compose([both, whole(cut, section="China")], japan_spec(), NOV, now=NOW)
    overview = " ".join(report.overview)
    assert overview.count(title) == 1
    assert "Japan weighs" not in overview
