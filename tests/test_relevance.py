"""Relevance: is a passage about the report subject's foreign relations? Per passage, per report, and why.

The examples are written for these tests (not taken from any feed). Each is a feed entry as a poller sees it:
a headline and a one-paragraph teaser, analysed by the real spaCy pipeline and gazetteer, then judged for a
report on Japan (or on South Korea) with the shipped topic vocabularies.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reporter.config import parse_config
from reporter.errors import ConfigError
from reporter.models import Analysis, Item, RelevanceSpec, ReportSpec, Section
from reporter.nlp import relevance as rules
from reporter.nlp.analyze import Analyzer
from reporter.nlp.vocabulary import Vocabulary, VocabularyError, compile_terms

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.create()


@pytest.fixture(scope="module")
def japan() -> ReportSpec:
    return parse_config(
        (REPO / "feeds.yaml").read_text(encoding="utf-8"), config_path=REPO / "feeds.yaml", env={}
    ).report("japan")


@pytest.fixture(scope="module")
def korea(japan) -> ReportSpec:
    sections = (
        Section("Overview", ("UN", "G7"), overview=True),
        Section("Japan", ("JP",)),
        Section("North Korea", ("KP",)),
        Section("China", ("CN",)),
        Section("Russia", ("RU",)),
        Section("United States", ("US",)),
    )
    return ReportSpec(
        slug="korea", subject="KR", subject_name="South Korea", title="{subject}", sections=sections
    )


def entry(title: str, text: str, **kw) -> Item:
    fields = dict(
        id=f"item-{abs(hash((title, text))) % 10**8}",
        source="a-feed",
        kind="feed",
        published=datetime(2023, 10, 12, 6, 0, tzinfo=UTC),
        date_source="published",
        date_precision="day",
        outlet="Example News",
        title=title,
        text=text,
    )
    fields.update(kw)
    return Item(**fields)


def judged(analyzer: Analyzer, spec: ReportSpec, title: str, text: str, **kw) -> Analysis:
    return analyzer.analyze_one(entry(title, text, **kw), spec)


def first(analyzer: Analyzer, spec: ReportSpec, title: str, text: str, **kw):
    passage = judged(analyzer, spec, title, text, **kw).passages[0]
    assert passage.relevance is not None
    return passage


# --- in: the subject and a counterpart act on each other ---------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "section"),
    [
        (
            "Japan and China agree to resume talks on seafood imports",
            "The foreign ministers of Japan and China agreed on Tuesday to resume talks on Beijing's ban "
            "on Japanese seafood.",
            "China",
        ),
        (
            "N Korea raps Japan's plan to deploy long-range missiles",
            "North Korea's foreign ministry condemned Tokyo's plan, calling it a threat to regional peace.",
            "North Korea",
        ),
        (
            "S Korea, Japan hold first defense talks in five years",
            "Defense officials of South Korea and Japan met in Seoul to discuss military cooperation.",
            "South Korea",
        ),
        (
            "Coast guard ships face off near disputed islands",
            "Chinese and Japanese coast guard vessels faced off near the Diaoyu Islands, which Japan calls "
            "the Senkaku, both sides said.",
            "China",
        ),
        (
            "Kishida to visit Manila to sign defense pact",
            "Prime Minister Fumio Kishida will visit the Philippines next month to sign a reciprocal access "
            "agreement with President Marcos.",
            "Southeast Asia",
        ),
    ],
)
def test_the_subject_and_a_counterpart_on_a_foreign_relations_matter_are_in(
    analyzer, japan, title, text, section
):
    passage = first(analyzer, japan, title, text)
    assert passage.relevant, passage.relevance
    assert passage.relevance.rule == rules.RELATIONS
    assert passage.section == section, passage.scores
    assert passage.relevance.reason.startswith("in: Japan and ")


def test_a_state_arresting_the_subjects_national_is_a_crime_with_a_state_dimension(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "China arrests Japanese businessman",
        "China has formally arrested a Japanese businessman detained in March, Tokyo said.",
    )
    assert passage.relevant and passage.section == "China"
    assert "crime: arrested" in passage.relevance.off_topic


def test_the_subjects_own_diplomacy_with_no_counterpart_goes_to_the_overview(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "Japan to send more diplomats abroad",
        "The Japanese government will open three new embassies next year, the foreign ministry said.",
    )
    assert passage.relevant and passage.relevance.rule == rules.OWN_POLICY
    assert passage.section == "Overview"


# --- out: named together, but not foreign relations ------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "topic"),
    [
        (
            "Japan beat South Korea to win Asian Games football gold",
            "Japan scored twice in the second half to beat South Korea 2-1 in the final in Hangzhou.",
            "sports",
        ),
        (
            "Japanese pop idol group announces concert tour of China",
            "The band will play twelve concerts in Shanghai and Beijing, its agency said.",
            "entertainment",
        ),
        (
            "Chinese tourist arrested for shoplifting in Osaka",
            "Police arrested a Chinese woman on suspicion of stealing cosmetics from a shop in Osaka.",
            "crime",
        ),
        (
            "Tokyo stocks fall as yen weakens after U.S. data",
            "The Nikkei average fell 1.2 percent as investors reacted to U.S. inflation figures.",
            "markets",
        ),
        (
            "Typhoon heads for Okinawa, Taiwan",
            "The storm is expected to bring heavy rain to Okinawa and Taiwan by Thursday, forecasters said.",
            "weather",
        ),
        (  # export figures are data, not an act between states, even with the partners named
            "Japan's exports rise as auto shipments to U.S., Europe climb",
            "Japan's exports climbed 4.3% in September from a year earlier as shipments to the United States "
            "rose, the finance ministry said.",
            "statistics",
        ),
        (  # a rally is people, not states, whatever the conflict it is about
            "Rally in Tokyo for Israeli hostages",
            "Protesters including Israelis living in Japan held a rally in Tokyo demanding the release of "
            "hostages held since the conflict began.",
            "protests",
        ),
    ],
)
def test_sports_entertainment_crime_markets_and_weather_are_out(analyzer, japan, title, text, topic):
    passage = first(analyzer, japan, title, text)
    assert not passage.relevant
    assert passage.relevance.rule == rules.OFF_TOPIC
    assert passage.relevance.reason.startswith(f"out: {topic} (")


def test_a_courts_ruling_on_a_history_issue_between_the_two_is_in_though_it_reads_as_crime(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "S Korea's top court orders stolen statue to be returned to Japan",
        "South Korea's top court on Thursday rejected a temple's claim to a statue that Japanese pirates had "
        "looted in the 14th century, clearing the way for its return to a Japanese temple.",
    )
    assert passage.relevant and passage.relevance.rule == rules.RELATIONS


def test_the_subjects_place_named_only_in_a_comparison_is_a_yardstick(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "Pentagon to develop nuclear bomb 24 times more powerful than one dropped on Hiroshima",
        "The US Defense Department said it will pursue a new nuclear bomb with 24 times the explosive power "
        "of the one dropped on Hiroshima.",
    )
    assert not passage.relevant and passage.relevance.rule == rules.YARDSTICK


def test_domestic_news_is_out(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "Kishida cabinet approval falls to record low",
        "Support for Prime Minister Fumio Kishida's cabinet fell to 28 percent, a Kyodo News poll showed.",
    )
    assert not passage.relevant
    assert passage.relevance.rule == rules.DOMESTIC
    assert passage.relevance.reason.startswith("out: about Japan alone")


def test_the_subject_as_a_yardstick_or_a_list_item_does_not_count(analyzer, japan):
    yardstick = first(
        analyzer,
        japan,
        "Russia set to overtake Japan as China's top supplier",
        "Russian exports to China are growing faster than those of any other partner.",
    )
    assert not yardstick.relevant and yardstick.relevance.rule == rules.YARDSTICK
    listed = first(
        analyzer,
        japan,
        "Chip export curbs tighten",
        "The United States widened its export controls on chips, a market led by Taiwan, South Korea, "
        "Japan and the Netherlands.",
    )
    assert not listed.relevant and listed.relevance.rule == rules.YARDSTICK


def test_a_passage_that_does_not_name_the_subject_is_out_whatever_the_rest_of_the_article_says(
    analyzer, japan, korea
):
    text = (
        "Japan and South Korea agreed to expand military cooperation at a meeting of their defense "
        "ministers in Tokyo on Monday.\n\n"
        "Separately, Russian President Vladimir Putin met Chinese President Xi Jinping in Beijing, where "
        "the two leaders pledged to deepen their strategic partnership and trade in energy."
    )
    item = entry("Defense ministers meet", text, kind="seed", source="seeds")
    for spec, subject in ((japan, "Japan"), (korea, "South Korea")):
        passages = analyzer.analyze_one(item, spec).passages
        assert len(passages) == 2
        assert passages[0].relevant, passages[0].relevance
        assert not passages[1].relevant
        assert passages[1].relevance.reason == f"out: {subject} is not named in this passage"


# --- the report's own settings (feeds.yaml `reports[].relevance`) --------------------------------------


def test_a_reports_include_terms_make_its_standing_issues_count_without_a_counterpart(analyzer, japan):
    title, text = "Two ministers visit Yasukuni Shrine", "Two cabinet ministers visited Yasukuni on Tuesday."
    without = replace(japan, relevance=RelevanceSpec())
    assert not first(analyzer, without, title, text).relevant
    included = first(analyzer, replace(japan, relevance=RelevanceSpec(include=("Yasukuni",))), title, text)
    assert included.relevant and included.relevance.rule == rules.OWN_POLICY
    assert "“yasukuni”" in included.relevance.reason


def test_a_reports_exclude_terms_and_minimum_mentions_leave_passages_out(analyzer, japan):
    title = "Japan, Australia sign defense pact"
    text = "Japan and Australia signed a security treaty in Perth."
    assert first(analyzer, japan, title, text).relevant
    excluded = first(analyzer, replace(japan, relevance=RelevanceSpec(exclude=("Perth",))), title, text)
    assert not excluded.relevant and excluded.relevance.reason == "out: names an excluded term (“perth”)"
    few = first(analyzer, replace(japan, relevance=RelevanceSpec(min_mentions=3)), title, text)
    assert not few.relevant and few.relevance.rule == rules.TOO_FEW


def test_relevance_settings_are_read_from_feeds_yaml_and_a_bad_term_is_refused():
    text = """\
        reports:
          - slug: japan
            subject: JP
            sections: [{name: Overview}]
            relevance:
              include: [Yasukuni, abductee*]
              exclude: [horoscope]
              min_mentions: 2
        """
    spec = parse_config(textwrap.dedent(text), config_path=Path("/p/feeds.yaml"), env={}).report("japan")
    wanted = RelevanceSpec(include=("Yasukuni", "abductee*"), exclude=("horoscope",), min_mentions=2)
    assert spec.relevance == wanted
    with pytest.raises(ConfigError) as caught:
        parse_config(
            textwrap.dedent(text).replace("[horoscope]", "['*stars']"), config_path=Path("/p/f.yaml"), env={}
        )
    assert any("'*stars' is not a term" in p for p in caught.value.problems)


# --- the vocabularies (data/topics.yaml) -----------------------------------------------------------


def test_terms_match_whole_words_with_plurals_endings_and_hyphens():
    terms = compile_terms("t", ["summit", "sanction*", "coast guard", "SDF"])
    assert terms.find("Two summits and new sanctions, then coast-guard ships") == (
        "summits",
        "sanctions",
        "coast-guard",
    )
    assert terms.find("The SDF and the sdf") == ("sdf",)  # a capital makes a term case-sensitive
    assert terms.find("summitry") == ()  # whole words only


def test_the_shipped_vocabularies_load_and_a_broken_file_lists_every_problem():
    vocabulary = Vocabulary.load()
    topics = {s.topic for s in vocabulary.off_topic}
    assert topics >= {"sports", "entertainment", "crime", "weather", "markets"}
    with pytest.raises(VocabularyError) as caught:
        Vocabulary.from_mapping({"relations": {"trade": ["tariff", "tariff"]}, "state": "x", "extra": 1})
    problems = caught.value.problems
    assert any("unknown top-level key 'extra'" in p for p in problems)
    assert any("relations.trade: listed twice: tariff" in p for p in problems)


# --- sections: the right counterpart -----------------------------------------------------------------


def test_co_actors_listed_with_the_subject_weigh_less_than_the_party_they_act_on(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "S Korea, U.S. and Japan condemn N Korea's arms shipments to Russia",
        "South Korea, the U.S. and Japan condemned North Korea's supply of munitions to Russia.",
    )
    assert passage.relevant and passage.section == "North Korea", passage.scores


def test_a_country_that_went_first_is_a_yardstick_not_the_counterpart(analyzer, japan):
    passage = first(
        analyzer,
        japan,
        "After China, Russia suspends Japanese seafood imports",
        "Russia's food safety agency said it would suspend imports of Japanese seafood.",
    )
    assert passage.relevant and passage.section == "Russia and Ukraine", passage.scores


# --- the gazetteer on headline shorthand -----------------------------------------------------------


@pytest.mark.parametrize(
    ("headline", "codes"),
    [
        ("N Korea fires missile as S Korea, Japan watch", ["KP", "KR", "JP"]),
        ("DPRK slams ROK drills", ["KP", "KR"]),
        ("PRC ships near Diaoyu", ["CN", "SENKAKU_ISLANDS"]),
        ("Beijing's envoy meets Kremlin's", ["CN", "RU"]),
        ("U.S.-Japan alliance and Japan-U.S.-ROK summit", ["US", "JP", "JP", "US", "KR"]),
        ("Okinawa governor opposes Henoko base work", ["JP", "JP"]),
    ],
)
def test_headline_shorthand_names_the_right_country(analyzer, headline, codes):
    assert [m.code for m in analyzer._title_mentions(headline)] == codes
