"""The gazetteer: curated countries, territories, groups and regions, and the phrases that name them.

The data is `reporter/data/gazetteer.yaml`; `reporter.nlp.gazetteer.Gazetteer` loads and validates it,
answers exact lookups, and builds the spaCy EntityRuler patterns the analyzer runs before the NER.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import spacy

from reporter.nlp.gazetteer import IGNORE_LABEL, LABEL, Gazetteer, GazetteerError, parse_ent_id

# The 193 UN member states by ISO 3166-1 alpha-2 code.
UN_MEMBERS = [
    "AF", "AL", "DZ", "AD", "AO", "AG", "AR", "AM", "AU", "AT", "AZ", "BS", "BH", "BD", "BB", "BY", "BE",
    "BZ", "BJ", "BT", "BO", "BA", "BW", "BR", "BN", "BG", "BF", "BI", "CV", "KH", "CM", "CA", "CF", "TD",
    "CL", "CN", "CO", "KM", "CG", "CR", "CI", "HR", "CU", "CY", "CZ", "KP", "CD", "DK", "DJ", "DM", "DO",
    "EC", "EG", "SV", "GQ", "ER", "EE", "SZ", "ET", "FJ", "FI", "FR", "GA", "GM", "GE", "DE", "GH", "GR",
    "GD", "GT", "GN", "GW", "GY", "HT", "HN", "HU", "IS", "IN", "ID", "IR", "IQ", "IE", "IL", "IT", "JM",
    "JP", "JO", "KZ", "KE", "KI", "KW", "KG", "LA", "LV", "LB", "LS", "LR", "LY", "LI", "LT", "LU", "MG",
    "MW", "MY", "MV", "ML", "MT", "MH", "MR", "MU", "MX", "FM", "MD", "MC", "MN", "ME", "MA", "MZ", "MM",
    "NA", "NR", "NP", "NL", "NZ", "NI", "NE", "NG", "MK", "NO", "OM", "PK", "PW", "PA", "PG", "PY", "PE",
    "PH", "PL", "PT", "QA", "KR", "RO", "RU", "RW", "KN", "LC", "VC", "WS", "SM", "ST", "SA", "SN", "RS",
    "SC", "SL", "SG", "SK", "SI", "SB", "SO", "ZA", "SS", "ES", "LK", "SD", "SR", "SE", "CH", "SY", "TJ",
    "TH", "TL", "TG", "TO", "TT", "TN", "TR", "TM", "TV", "UG", "UA", "AE", "GB", "TZ", "US", "UY", "UZ",
    "VU", "VE", "VN", "YE", "ZM", "ZW",
]  # fmt: skip


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def nlp(gazetteer: Gazetteer) -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(gazetteer.patterns(spacy.blank("en").tokenizer))
    return nlp


def tagged(nlp: spacy.language.Language, text: str) -> list[tuple[str, str]]:
    """The (text, code) of every gazetteer entity the ruler finds, in order."""
    return [(ent.text, parse_ent_id(ent.ent_id_)[0]) for ent in nlp(text).ents if ent.label_ == LABEL]


# --- coverage -------------------------------------------------------------------------------------------


def test_the_list_of_un_members_in_this_test_is_complete() -> None:
    assert len(UN_MEMBERS) == len(set(UN_MEMBERS)) == 193


def test_every_un_member_state_is_a_country(gazetteer: Gazetteer) -> None:
    missing = [code for code in UN_MEMBERS if code not in gazetteer]
    assert missing == []
    assert {gazetteer.entity(code).kind for code in UN_MEMBERS} == {"country"}


def test_observers_kosovo_and_chinese_territories_are_covered(gazetteer: Gazetteer) -> None:
    assert gazetteer.name("VA") == "Holy See"
    assert gazetteer.name("PS") == "Palestine"
    assert gazetteer.name("XK") == "Kosovo"
    assert [gazetteer.entity(code).kind for code in ("TW", "HK", "MO")] == ["territory"] * 3


def test_countries_are_exactly_the_un_members_observers_and_kosovo(gazetteer: Gazetteer) -> None:
    countries = {e.code for e in gazetteer.entities if e.kind == "country"}
    assert countries == {*UN_MEMBERS, "VA", "PS", "XK"}
    assert Counter(e.kind for e in gazetteer.entities)["country"] == 196


@pytest.mark.parametrize(
    ("code", "size"),
    [("EU", 27), ("NATO", 32), ("ASEAN", 11), ("G7", 7), ("QUAD", 4), ("AUKUS", 3), ("AFRICA", 54)],
)
def test_groups_and_regions_list_their_members(gazetteer: Gazetteer, code: str, size: int) -> None:
    assert len(gazetteer.entity(code).members) == size


def test_groups_and_regions_the_report_sections_use_exist(gazetteer: Gazetteer) -> None:
    wanted = {
        "ASEAN", "EU", "NATO", "G7", "G20", "BRICS", "SCO", "CSTO", "QUAD", "AUKUS", "PIF", "UN",
        "GLOBAL_SOUTH", "CENTRAL_ASIA", "SOUTHEAST_ASIA", "SOUTH_ASIA", "MIDDLE_EAST", "AFRICA",
        "LATIN_AMERICA", "PACIFIC_ISLANDS", "EUROPE", "SOUTH_CHINA_SEA", "EAST_CHINA_SEA", "TAIWAN_STRAIT",
        "NORTHERN_TERRITORIES", "SENKAKU_ISLANDS", "TAKESHIMA", "CRIMEA", "GAZA", "DONBAS",
    }  # fmt: skip
    assert wanted <= gazetteer.codes


# --- lookups --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        # the Koreas: "Korea" alone is the South
        ("Korea", "KR"), ("South Korea", "KR"), ("ROK", "KR"), ("Republic of Korea", "KR"), ("Seoul", "KR"),
        ("North Korea", "KP"), ("DPRK", "KP"), ("Pyongyang", "KP"), ("Kim Jong-un", "KP"),
        # names shared with other places, people or things: the country wins, the rest is in `ignore`
        ("Georgia", "GE"), ("Turkey", "TR"), ("Türkiye", "TR"), ("Washington", "US"), ("Jordan", "JO"),
        ("Chad", "TD"),
        # the two Congos, Niger and Nigeria, the four Guineas
        ("Congo", "CD"), ("DRC", "CD"), ("Republic of the Congo", "CG"), ("Congo-Brazzaville", "CG"),
        ("Niger", "NE"), ("Nigeria", "NG"), ("Nigerien", "NE"), ("Nigerian", "NG"),
        ("Guinea", "GN"), ("Guinea-Bissau", "GW"), ("Equatorial Guinea", "GQ"), ("Papua New Guinea", "PG"),
        # former names
        ("Burma", "MM"), ("Swaziland", "SZ"), ("Zaire", "CD"), ("Ceylon", "LK"), ("Siam", "TH"),
        # capitals and seats of government
        ("Beijing", "CN"), ("Kremlin", "RU"), ("White House", "US"), ("Kyiv", "UA"),
        ("Kiev", "UA"), ("Canberra", "AU"), ("Brussels", "EU"),
        # people, Japanese names in both orders
        ("Kishida Fumio", "JP"), ("Fumio Kishida", "JP"), ("Sanae Takaichi", "JP"), ("Xi Jinping", "CN"),
        ("Xi", "CN"), ("Wang Yi", "CN"), ("Putin", "RU"), ("Lavrov", "RU"), ("Trump", "US"), ("Rubio", "US"),
        ("Zelensky", "UA"), ("Zelenskyy", "UA"), ("Lee Jae-myung", "KR"), ("Yoon", "KR"),
        ("Kim Yo-jong", "KP"), ("Lai Ching-te", "TW"), ("Modi", "IN"), ("Marcos", "PH"), ("Prabowo", "ID"),
        # places
        ("Senkaku Islands", "SENKAKU_ISLANDS"), ("Dokdo", "TAKESHIMA"), ("Takeshima", "TAKESHIMA"),
        ("Crimea", "CRIMEA"), ("Gaza", "GAZA"), ("Donbas", "DONBAS"),
        ("Northern Territories", "NORTHERN_TERRITORIES"), ("Taiwan Strait", "TAIWAN_STRAIT"),
    ],
)  # fmt: skip
def test_lookup_maps_a_phrase_to_its_code(gazetteer: Gazetteer, phrase: str, code: str) -> None:
    assert gazetteer.lookup(phrase) is not None
    assert gazetteer.lookup(phrase)[0] == code


def test_lookup_says_how_the_phrase_names_the_entity(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Japan") == ("JP", "name")
    assert gazetteer.lookup("Japanese") == ("JP", "demonym")
    assert gazetteer.lookup("Tokyo") == ("JP", "metonym")
    assert gazetteer.lookup("Kishida") == ("JP", "person")


@pytest.mark.parametrize(
    "phrase",
    ["Washington Post", "Washington State", "George Washington", "Georgia Tech", "Atlanta, Georgia",
     "Michael Jordan", "New Mexico", "Indian Ocean"],
)  # fmt: skip
def test_ignored_phrases_are_not_places(gazetteer: Gazetteer, phrase: str) -> None:
    assert gazetteer.lookup(phrase) is None


@pytest.mark.parametrize("surname", ["Lee", "Kim", "Li", "Wang", "Park", "Moon", "Abe"])
def test_ambiguous_bare_surnames_are_not_listed(gazetteer: Gazetteer, surname: str) -> None:
    assert gazetteer.lookup(surname) is None


def test_lookup_is_case_sensitive_except_for_long_acronyms(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("georgia") is None
    assert gazetteer.lookup("us") is None  # "US" is exact: two letters
    assert gazetteer.lookup("Nato") == gazetteer.lookup("NATO") == ("NATO", "name")
    assert gazetteer.lookup("Asean") == ("ASEAN", "name")


def test_lookup_accepts_typographic_apostrophes_and_a_leading_article(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("People’s Republic of China") == ("CN", "name")
    assert gazetteer.lookup("the Philippines") == ("PH", "name")
    assert gazetteer.lookup("Atlantis") is None


# --- groups and regions ---------------------------------------------------------------------------------


def test_expand_gives_a_group_with_its_members_and_a_country_alone(gazetteer: Gazetteer) -> None:
    assert gazetteer.expand("JP") == {"JP"}
    assert gazetteer.expand("QUAD") == {"QUAD", "US", "JP", "AU", "IN"}
    assert {"ASEAN", "VN", "PH", "TL"} <= gazetteer.expand("ASEAN")
    assert gazetteer.expand("HK") == {"HK", "CN"}  # a territory with the state it belongs to
    assert gazetteer.expand("CRIMEA") == {"CRIMEA", "UA"}
    with pytest.raises(KeyError, match="XX"):
        gazetteer.expand("XX")


def test_members_of_any_and_containing(gazetteer: Gazetteer) -> None:
    assert gazetteer.members_of_any(["AUKUS", "TW"]) == {"AUKUS", "AU", "GB", "US", "TW"}
    assert {"G7", "G20", "QUAD", "CPTPP", "EAST_ASIA"} <= gazetteer.containing("JP")
    assert "NATO" not in gazetteer.containing("JP")


# --- spaCy patterns -------------------------------------------------------------------------------------


def test_the_ruler_tags_countries_and_skips_ignored_phrases(nlp: spacy.language.Language) -> None:
    text = "North Korea fired a missile while Seoul watched and Washington Post reporters wrote"
    assert tagged(nlp, text) == [("North Korea", "KP"), ("Seoul", "KR")]
    assert [e.text for e in nlp(text).ents if e.label_ == IGNORE_LABEL] == ["Washington Post"]


def test_the_ruler_tags_people_in_either_name_order(nlp: spacy.language.Language) -> None:
    assert tagged(nlp, "Kishida Fumio met Xi Jinping") == [("Kishida Fumio", "JP"), ("Xi Jinping", "CN")]


def test_the_ruler_reads_the_role_from_the_id(nlp: spacy.language.Language) -> None:
    doc = nlp("Tokyo protested to the Chinese embassy.")
    assert [parse_ent_id(e.ent_id_) for e in doc.ents] == [("JP", "metonym"), ("CN", "demonym")]


def test_possessives_match_with_either_apostrophe(nlp: spacy.language.Language) -> None:
    text = "Japan’s envoy met China's minister and Georgia’s governor, not Georgia's president."
    assert tagged(nlp, text) == [("Japan", "JP"), ("China", "CN"), ("Georgia", "GE")]


def test_the_longest_phrase_wins(nlp: spacy.language.Language) -> None:
    text = (
        "Papua New Guinea, Guinea-Bissau and Guinea; the South China Sea; Democratic Republic of the Congo."
    )
    assert [code for _, code in tagged(nlp, text)] == ["PG", "GW", "GN", "SOUTH_CHINA_SEA", "CD"]


def test_case_matters_except_for_long_acronyms(nlp: spacy.language.Language) -> None:
    assert tagged(nlp, "let us chat about china and turkey") == []
    assert tagged(nlp, "Nato and NATO and the US") == [("Nato", "NATO"), ("NATO", "NATO"), ("US", "US")]


def test_patterns_are_token_patterns_labelled_by_code_and_role(gazetteer: Gazetteer) -> None:
    patterns = gazetteer.patterns(spacy.blank("en").tokenizer)
    north_korea = next(p for p in patterns if p.get("id") == "KP|name")
    assert north_korea == {"label": LABEL, "pattern": [{"ORTH": "North"}, {"ORTH": "Korea"}], "id": "KP|name"}
    nato = next(p for p in patterns if p.get("id") == "NATO|name")
    assert nato["pattern"] == [{"LOWER": "nato"}]
    ignored = next(p for p in patterns if p["label"] == IGNORE_LABEL)
    assert "id" not in ignored


# --- validation -----------------------------------------------------------------------------------------

BROKEN = """\
entities:
  - code: JP
    kind: country
    name: Japan
    names: [Japan]
    demonyms: [Japanese]
    metonyms: [Tokyo]
    people: []
    members: []
  - code: JP
    kind: nation
    name: Japan again
    names: [Nippon]
    demonyms: []
    metonyms: [Tokyo]
    people: []
    members: []
  - code: QUAD
    kind: group
    name: Quad
    names: [Quad]
    demonyms: []
    metonyms: []
    people: []
    members: [JP, US, NO]
  - code: SE
    kind: country
    name: Sweden
    names: [Sweden]
    demonyms: []
    metonyms: []
    people: []
ignore: [New Mexico, Japan]
"""


def test_a_broken_file_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        Gazetteer.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "entity #2 (JP): duplicate code 'JP'" in message
    assert "entity #2 (JP): kind 'nation' is not one of country, territory, group, region" in message
    assert "'Tokyo' is listed twice" in message  # JP twice: the same phrase for the same code
    assert "QUAD: member 'US' is not a code in the gazetteer" in message
    assert (
        "entity #3 (QUAD): members must hold strings only, found False (quote it: YAML reads NO as false)"
        in (message)
    )
    assert "entity #4 (SE): missing keys: members" in message
    assert "ignore: 'Japan' is also listed for JP (name)" in message
    assert len(caught.value.problems) == 7


def test_a_phrase_may_belong_to_one_code_only(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(
        "entities:\n"
        "  - {code: GE, kind: country, name: Georgia, names: [Georgia], demonyms: [], metonyms: [],"
        " people: [], members: []}\n"
        "  - {code: US, kind: country, name: United States, names: [US], demonyms: [], metonyms: [Georgia],"
        " people: [], members: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        GazetteerError, match=r"'Georgia' is mapped to two codes: GE \(name\) and US \(metonym\)"
    ):
        Gazetteer.load(path)


def test_a_file_that_is_not_yaml_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text("entities: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        Gazetteer.load(path)
