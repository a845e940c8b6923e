"""Stories: one event told by several outlets on several days is one story, one paragraph, one rank.

A month of feeds tells the same event many times: a wire copy reprinted, the same news in other words
the next day. The report gives each story one paragraph, led by its best-attributed telling and
"also reported by" the others; it ranks stories by how widely and how long they were told, spends its
paragraph budget on the best, and lists the next ones as "Also this month" headlines. A sentence the
feed cut off ("…") is never quoted as if whole.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from reporter.compose import compose
from reporter.compose.stories import Doc, clusters
from reporter.models import Period
from tests.compose_support import item, japan_spec, whole
from tests.test_compose_seeds import needs_gold

OCT = Period.month(2023, 10)
LATER = datetime(2023, 11, 1, 6, tzinfo=UTC)

FACEOFF = (
    "Chinese and Japanese coast guard ships faced off in waters around the disputed Senkaku islands in the "
    "East China Sea on Tuesday, both governments said. Tokyo said its vessels expelled the Chinese ships."
)
FACEOFF_RETOLD = (
    "Japan's coast guard said its patrol boats drove Chinese coast guard vessels away from the disputed "
    "Senkaku islands on Tuesday, while Beijing said its ships expelled a Japanese boat from the area."
)
SEAFOOD = (
    "Russia suspended imports of Japanese seafood on Monday, following China in protesting the release of "
    "treated water from the Fukushima nuclear plant. Japan called the ban unjustified."
)


def _doc(
    key: int,
    text: str,
    day: int,
    *,
    item_id: str | None = None,
    title: str = "",
    actors: tuple[str, ...] = (),
) -> Doc:
    published = datetime(2023, 10, day, 9, tzinfo=UTC)
    first = actors[0] if actors else None
    return Doc(key, item_id or f"i{key}", title, text, published, actors=frozenset(actors), first_actor=first)


TALKS_ANNOUNCED = (
    "The foreign and defense ministers of Japan and Australia will hold security talks in Tokyo next week "
    "to deepen defense cooperation under their security pact, government sources said."
)
TALKS_HELD = (
    "The foreign and defense ministers of Japan and Australia agreed in Tokyo on Thursday to deepen "
    "defense cooperation under their security pact, including joint exercises."
)
SEAFOOD_BOUGHT = (
    "The U.S. military began buying Japanese seafood on Monday, to counter China's ban on imports of "
    "Japanese seafood over the release of treated water from the Fukushima nuclear plant."
)
SEAFOOD_OFFERED = (
    "Russia offered on Monday to supply seafood to China in place of Japanese seafood, after China's ban "
    "on imports of Japanese seafood over the release of treated water from the Fukushima nuclear plant."
)


# --- finding stories ----------------------------------------------------------------------------------


def test_the_same_event_in_other_words_within_a_few_days_is_one_story() -> None:
    docs = [
        _doc(0, FACEOFF, 17, title="China, Japan say their ships faced off near disputed islands"),
        _doc(1, FACEOFF_RETOLD, 18, title="Japan and China trade accusations over Senkaku standoff"),
        _doc(2, SEAFOOD, 16, title="Russia suspends Japanese seafood imports after China"),
    ]
    assert sorted(clusters(docs, embed=None)) == [[0, 1], [2]]


def test_a_near_copy_is_the_same_story_even_weeks_later() -> None:
    docs = [_doc(0, FACEOFF, 1), _doc(1, FACEOFF, 28)]
    assert clusters(docs, embed=None) == [[0, 1]]


def test_a_follow_up_a_week_later_joins_its_story_when_its_headline_names_the_same_counterparts() -> None:
    announced = _doc(0, TALKS_ANNOUNCED, 12, title="Japan, Australia eye security talks", actors=("AU",))
    held = _doc(1, TALKS_HELD, 18, title="Japan, Australia step up defense cooperation", actors=("AU",))
    assert clusters([announced, held], embed=None) == [[0, 1]]
    # The same words between other parties are another story: a follow-up needs the same counterparts.
    elsewhere = replace(held, actors=frozenset({"NZ"}), first_actor="NZ")
    assert sorted(clusters([announced, elsewhere], embed=None)) == [[0], [1]]


def test_two_parties_acting_on_one_issue_are_two_stories_even_on_the_same_days() -> None:
    offered = _doc(
        0, SEAFOOD_OFFERED, 29, title="Russia wants to replace Japanese seafood", actors=("RU", "CN")
    )
    bought = _doc(
        1, SEAFOOD_BOUGHT, 30, title="U.S. military begins Japan seafood purchases", actors=("US", "CN")
    )
    assert sorted(clusters([offered, bought], embed=None)) == [[0], [1]]
    # Without the headlines' counterparts, the shared issue alone would have made them one story.
    plain = [replace(d, actors=frozenset(), first_actor=None) for d in (offered, bought)]
    assert clusters(plain, embed=None) == [[0, 1]]


def test_two_passages_of_one_item_are_never_one_story() -> None:
    docs = [_doc(0, FACEOFF, 17, item_id="same"), _doc(1, FACEOFF_RETOLD, 17, item_id="same")]
    assert clusters(docs, embed=None) == [[0], [1]]


# --- one paragraph per story --------------------------------------------------------------------------


def _telling(item_id: str, text: str, day: int, outlet: str, title: str, section: str = "China"):
    return whole(
        item(text, item_id=item_id, outlet=outlet, published=date(2023, 10, day), title=title),
        section=section,
    )


def test_a_story_told_by_three_outlets_is_one_paragraph_credited_to_one_and_also_the_others() -> None:
    analyses = [
        _telling(
            "jt", FACEOFF, 17, "Japan Today", "China, Japan say their ships faced off near disputed islands"
        ),
        _telling(
            "scmp", FACEOFF_RETOLD, 18, "South China Morning Post", "Coast guards face off near Senkaku"
        ),
        _telling("cna", FACEOFF, 18, "CNA", "China, Japan ships face off near disputed islands"),
    ]
    report = compose(analyses, japan_spec(), OCT, now=LATER, embed=None)
    [section] = report.sections
    [paragraph] = section.paragraphs
    assert paragraph.lead.startswith("On October 17, Japan Today reported")
    assert set(paragraph.also_reported_by) == {"South China Morning Post", "CNA"}
    [story] = report.stories
    assert story.outlets[0] == "Japan Today"  # in the order they told it
    assert set(story.outlets) == {"Japan Today", "South China Morning Post", "CNA"}
    assert story.days == (date(2023, 10, 17), date(2023, 10, 18))
    assert paragraph.story == story.id
    assert {d.story for d in report.decisions} == {story.id}


def test_a_sentence_the_feed_cut_off_is_never_quoted_the_paragraph_stops_before_it() -> None:
    teaser = (
        "Japan and Australia agreed on Thursday to expand defense ties under their security pact. The two…"
    )
    report = compose(
        [
            _telling(
                "jt", teaser, 19, "Japan Today", "Japan, Australia to step up defense cooperation", "China"
            )
        ],
        japan_spec(),
        OCT,
        now=LATER,
        embed=None,
    )
    [paragraph] = report.sections[0].paragraphs
    assert (
        paragraph.body
        == "Japan and Australia agreed on Thursday to expand defense ties under their security pact."
    )
    assert paragraph.quoted == "cut"
    assert not paragraph.body.endswith("…")


def test_when_the_feed_cut_every_sentence_the_headline_is_quoted_instead() -> None:
    teaser = "The government is set to bolster its maritime surveillance capabilities as China expands its…"
    title = "Japan seeks to bolster maritime surveillance, eyeing China's presence"
    report = compose(
        [_telling("jt", teaser, 3, "Japan Today", title)], japan_spec(), OCT, now=LATER, embed=None
    )
    [paragraph] = report.sections[0].paragraphs
    assert paragraph.quoted == "headline"
    assert f"{paragraph.lead} {paragraph.body}" == (
        "On October 3, Japan Today reported under the headline "
        "“Japan seeks to bolster maritime surveillance, eyeing China's presence”."
    )
    [ref] = paragraph.sentences
    assert (ref.part, title[ref.start : ref.end]) == ("title", ref.text)  # traced to the headline's offsets


# --- ranking and the budget ---------------------------------------------------------------------------


def _month_of_stories() -> list:
    """Six different stories in China; the face-off told by three outlets over two days."""
    others = [
        ("Chinese tourists return to Tokyo sushi counters as the autumn holiday begins in earnest.", 2),
        ("A survey found half of Japanese firms in China expect to cut their investment next year.", 13),
        ("China formally arrested a Japanese pharmaceutical executive detained since March.", 20),
        ("Japan named a new ambassador to China, a veteran of the foreign ministry's China desk.", 24),
        (
            "Nearly a million nuisance calls were made to Japan's embassy in Beijing over the water release.",
            28,
        ),
    ]
    analyses = [
        _telling("jt", FACEOFF, 17, "Japan Today", "China, Japan say their ships faced off"),
        _telling(
            "scmp", FACEOFF_RETOLD, 18, "South China Morning Post", "Coast guards face off near Senkaku"
        ),
        _telling("cna", FACEOFF, 18, "CNA", "China, Japan ships face off"),
    ]
    for n, (text, day) in enumerate(others):
        analyses.append(_telling(f"o{n}", text, day, "Japan Today", f"Story {n}"))
    return analyses


def test_the_widest_told_story_ranks_first_and_leads_the_overview() -> None:
    report = compose(_month_of_stories(), japan_spec(), OCT, now=LATER, embed=None)
    top = report.stories[0]
    assert (top.rank, len(top.outlets)) == (1, 3)
    assert "one of 3 outlets to report it" in report.overview[1]  # the first story the overview tells


def test_stories_beyond_the_budget_become_also_this_month_headlines_not_paragraphs() -> None:
    spec = replace(japan_spec(), max_paragraphs=3)
    report = compose(_month_of_stories(), spec, OCT, now=LATER, embed=None)
    [china] = report.sections
    assert len(china.paragraphs) == 3
    assert len(china.also) == 3
    placed = {s.id: s.placement for s in report.stories}
    assert {p.story for p in china.paragraphs} == {k for k, v in placed.items() if v == "paragraph"}
    assert {h.story for h in china.also} == {k for k, v in placed.items() if v == "also"}
    rows = {d.item_id: d.placement for d in report.decisions}
    assert rows["jt"] == rows["scmp"] == rows["cna"] == "paragraph"  # the top story's tellings
    assert sorted(rows.values()).count("also") == 3


def test_a_section_cap_sends_its_next_stories_to_also_this_month() -> None:
    spec = japan_spec()
    capped = tuple(replace(s, max_paragraphs=2) if s.name == "China" else s for s in spec.sections)
    report = compose(_month_of_stories(), replace(spec, sections=capped), OCT, now=LATER, embed=None)
    [china] = report.sections
    assert (len(china.paragraphs), len(china.also)) == (2, 4)


def test_paragraphs_read_in_date_order_within_a_section_whatever_their_rank() -> None:
    report = compose(_month_of_stories(), japan_spec(), OCT, now=LATER, embed=None)
    days = [p.date for p in report.sections[0].paragraphs]
    assert days == sorted(days)


def test_the_embedding_model_loads_from_its_own_wheel_without_the_network() -> None:
    from reporter.compose.stories import wordllama

    embed = wordllama()
    assert embed is not None
    vectors = embed(["Japan and China coast guards faced off.", "Tokyo and Beijing ships in a standoff."])
    assert vectors.shape[0] == 2


@needs_gold
def test_a_digest_paragraph_over_the_budget_is_left_out_not_listed_under_the_digest_title() -> None:
    from tests.compose_support import gold_analysis_004

    spec = replace(japan_spec(), max_paragraphs=2)
    report = compose([gold_analysis_004()], spec, Period.month(2024, 2, 3), now=LATER, embed=None)
    assert sum(len(s.paragraphs) for s in report.sections) == 2
    assert not any(s.also for s in report.sections)  # every headline would read "Country Report: Japan …"


def test_a_single_day_act_of_state_outranks_a_survey_told_on_two_days() -> None:
    from reporter.models import CountryMention

    def in_title(analysis, *codes: str):
        named = tuple(CountryMention(c, c, 0, 1, role="title") for c in codes)
        return replace(analysis, passages=(replace(analysis.passages[0], countries=named),))

    aid = (
        "Japan will give $10 million in emergency humanitarian aid to civilians in the Gaza Strip, the "
        "ministry said."
    )
    survey = (
        "More Japanese hold a positive view of South Korea than a negative one, a survey found this week."
    )
    analyses = [
        in_title(
            _telling(
                "aid",
                aid,
                17,
                "Japan Today",
                "Japan to give $10 million in emergency aid to Gaza",
                "Middle East",
            ),
            "JP",
            "MIDDLE_EAST",
        ),
        in_title(
            _telling(
                "s1", survey, 12, "Japan Today", "More Japanese positive on S Korea: survey", "South Korea"
            ),
            "JP",
            "KR",
        ),
        in_title(
            _telling(
                "s2", survey, 13, "Japan Today", "Japanese view S Korea positively: survey", "South Korea"
            ),
            "JP",
            "KR",
        ),
    ]
    report = compose(analyses, replace(japan_spec(), max_paragraphs=1), OCT, now=LATER, embed=None)
    placed = {s.tellings[0].item_id: (s.rank, s.placement) for s in report.stories}
    assert placed["aid"] == (1, "paragraph")
    assert placed["s1"] == (2, "also")


def _named(analysis, *codes: str):
    """The analysis with these countries named in its headline, as the analyzer marks them."""
    from reporter.models import CountryMention

    named = tuple(CountryMention(c, c, 0, 1, role="title") for c in codes)
    return replace(analysis, passages=(replace(analysis.passages[0], countries=named),))


def test_on_a_tie_a_court_ruling_outranks_a_survey_told_earlier() -> None:
    survey = "More Japanese hold a positive view of South Korea than a negative one, a survey found."
    ruling = "South Korea's supreme court ordered a Buddhist statue stolen from a Japanese temple returned."
    analyses = [
        _named(
            _telling(
                "poll", survey, 12, "Japan Today", "More Japanese positive on S Korea: survey", "South Korea"
            ),
            "JP",
            "KR",
        ),
        _named(
            _telling(
                "statue",
                ruling,
                26,
                "Japan Today",
                "S Korea's top court orders statue returned to Japan",
                "South Korea",
            ),
            "JP",
            "KR",
        ),
    ]
    report = compose(analyses, replace(japan_spec(), max_paragraphs=1), OCT, now=LATER, embed=None)
    placed = {s.tellings[0].item_id: (s.score, s.rank, s.placement) for s in report.stories}
    # The same weight (one outlet, one day, both countries in the headline): the state acting comes first,
    # though the survey was told two weeks earlier.
    assert placed["statue"][0] == placed["poll"][0]
    assert placed["statue"][1:] == (1, "paragraph")
    assert placed["poll"][1:] == (2, "also")


def test_every_section_with_a_story_gets_its_best_before_a_bigger_section_takes_more() -> None:
    hybrids = "Toyota urged India to cut its tax on hybrid cars, the carmaker's local unit said on Monday."
    india = item(
        hybrids, item_id="india", outlet="RT", published=date(2023, 10, 30), title="Toyota lobbies India"
    )
    # Six stories in China, each as strong as the one in South Asia or stronger, and all told before it.
    analyses = [*_month_of_stories(), whole(india, section="South Asia")]
    report = compose(analyses, replace(japan_spec(), max_paragraphs=3), OCT, now=LATER, embed=None)
    china, south_asia = report.sections
    assert (len(china.paragraphs), len(south_asia.paragraphs)) == (2, 1)
    assert [s.rank for s in report.stories if s.section == "South Asia"] == [7]  # the weakest, and in


def test_a_paragraph_a_section_was_owed_but_could_not_use_goes_to_the_best_of_the_rest() -> None:
    from reporter.compose import ranking

    sections = {s.name: s for s in japan_spec().sections}
    ordered = [ranking.Ranked(f"cn{n}", sections["China"], []) for n in (1, 2, 3)]
    ordered.append(ranking.Ranked("india", sections["South Asia"], []))
    # South Asia's only story cannot be written (every sentence of it is in the report already).
    ranking.allot(ordered, replace(japan_spec(), max_paragraphs=3), lambda story: story.id != "india")
    assert [s.placement for s in ordered] == ["paragraph", "paragraph", "paragraph", "left out"]


def test_a_follow_up_naming_the_same_act_and_one_counterpart_joins_though_it_names_others_too() -> None:
    prepared = _doc(
        0,
        "Three Self-Defense Force planes left for Djibouti on Saturday to prepare the evacuation of "
        "Japanese nationals from Israel.",
        14,
        title="SDF planes head for Djibouti to prep for Israel evacuation",
        actors=("DJ", "IL"),
    )
    flown = _doc(
        1,
        "A Self-Defense Force plane evacuated Japanese and South Korean nationals from Israel to Jordan on "
        "Thursday, after the planes sent to Djibouti prepared the evacuation.",
        19,
        title="SDF plane evacuates Japanese, S Koreans from Israel",
        actors=("KR", "IL"),
    )
    evacuation = frozenset({"evacua"})
    docs = [replace(prepared, acts=evacuation), replace(flown, acts=evacuation)]
    assert clusters(docs, embed=None) == [[0, 1]]
    assert sorted(clusters([prepared, flown], embed=None)) == [[0], [1]]  # no act named: two stories


def test_an_outlet_named_in_a_follow_up_is_not_also_credited_under_the_paragraph() -> None:
    teaser = "Chinese and Japanese coast guard ships have faced off in waters around disputed islands in …"
    analyses = [
        _telling(
            "jt", teaser, 17, "Japan Today", "China, Japan say their ships faced off near disputed islands"
        ),
        _telling("rt", teaser, 18, "RT", "China, Japan ships face off again near disputed islands"),
    ]
    report = compose(analyses, japan_spec(), OCT, now=LATER, embed=None)
    [section] = report.sections
    [paragraph] = section.paragraphs
    assert any(
        s.lead_in.startswith("On October 18, RT followed up") for s in paragraph.sentences if s.lead_in
    )
    assert paragraph.also_reported_by == ()
