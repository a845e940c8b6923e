"""Citations in running text: outlet, author, journal issue and kind, as report-style paragraphs give them."""

from __future__ import annotations

import pytest

from reporter.nlp.attribution import find_citation, split_names
from reporter.nlp.outlets import Outlets


@pytest.fixture(scope="module")
def outlets() -> Outlets:
    return Outlets.load()


def cite(text: str, outlets: Outlets):
    return find_citation(text, 0, len(text), outlets)


def test_outlet_names_are_normalised(outlets):
    assert outlets.normalize("The Yomiuri Shimbun") == "Yomiuri"
    assert outlets.normalize("Yomiuri") == "Yomiuri"
    assert outlets.normalize("The Japan Times") == "The Japan Times"
    assert outlets.normalize("  Some  New Outlet ") == "Some New Outlet"  # unknown: kept, tidied


@pytest.mark.parametrize(
    ("text", "outlet", "author", "issue", "kind"),
    [
        ("On January 14, Yomiuri assessed the meeting.", "Yomiuri", None, None, "article"),
        (
            "Tomita Koji in Yomiuri on January 15 warned of a difficult year.",
            "Yomiuri",
            "Tomita Koji",
            None,
            "article",
        ),
        (
            "The January 21 Yomiuri carried Takemori Shunpei’s analysis of it.",
            "Yomiuri",
            "Takemori Shunpei",
            None,
            "article",
        ),
        (
            "In Kokusai Mondai, No. 2, Mifune Emi asked if Russia is dependent.",
            "Kokusai Mondai",
            "Mifune Emi",
            "No. 2",
            "journal",
        ),
        (
            "In the November/December Gaiko, Ishii Akira took a close look.",
            "Gaiko",
            "Ishii Akira",
            "November/December",
            "journal",
        ),
        (
            "In Gaiko, November/December, Ambassador Kiya Masahiko stressed trust.",
            "Gaiko",
            "Kiya Masahiko",
            "November/December",
            "journal",
        ),
        ("Kohari Susumu in Toa, No. 3, analyzed the shift.", "Toa", "Kohari Susumu", "No. 3", "journal"),
        ("In Toa, No. 2, alarm was expressed about a deal.", "Toa", None, "No. 2", "journal"),
        (
            "In Bungei Shunju, No. 3, four Japanese analysts warned.",
            "Bungei Shunju",
            None,
            "No. 3",
            "journal",
        ),
        ("A Yomiuri editorial on January 15 called for diplomacy.", "Yomiuri", None, None, "editorial"),
        (
            "Editorializing on December 19 about the summit, Yomiuri argued.",
            "Yomiuri",
            None,
            None,
            "editorial",
        ),
        ("On February 15, Sankei reported on the possibility.", "Sankei", None, None, "article"),
    ],
)
def test_citations_in_report_style_paragraphs(outlets, text, outlet, author, issue, kind):
    citation = cite(text, outlets)
    assert citation is not None and citation.outlet is not None
    assert citation.outlet.name == outlet
    assert (citation.authors[0] if citation.authors else None) == author
    assert citation.issue == issue
    assert citation.kind == kind
    assert citation.at_start


def test_an_outlet_named_at_the_end_still_counts_but_not_as_an_opening_citation(outlets):
    citation = cite(
        "On December 16-18, the summit met in Tokyo. Ties matter, the Yomiuri December 20 article argued.",
        outlets,
    )
    assert citation.outlet.name == "Yomiuri" and not citation.at_start


def test_a_source_referred_to_again_is_generic(outlets):
    citation = cite("A December 12 article had already flagged the reduced salience of Japan.", outlets)
    assert citation.outlet is None and citation.generic


def test_a_speech_is_not_an_outlet(outlets):
    citation = cite("In Kishida’s January 30 speech to the Diet he noted ties with China.", outlets)
    assert citation.outlet is None and citation.kind == "speech" and not citation.generic


def test_a_paragraph_without_a_source_cites_nothing(outlets):
    assert cite("Central Asian states, by contrast, are seeking a new order.", outlets) is None


def test_leaders_named_by_the_gazetteer_are_not_authors(outlets):
    text = "Fumio Kishida in Yomiuri on January 15 said little."
    citation = find_citation(text, 0, len(text), outlets, is_place=lambda s: s == "Fumio Kishida")
    assert citation.authors == ()


def test_bylines_split_into_names():
    assert split_names("Noriko Watanabe and Lee Jay Walker") == ("Noriko Watanabe", "Lee Jay Walker")
    assert split_names("By Jonathan Bak") == ("Jonathan Bak",)
    assert split_names(None) == ()
