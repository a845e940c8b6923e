"""Dates in running text are resolved against the document's own date, keeping their precision."""

from __future__ import annotations

from datetime import date

from reporter.nlp.dates import anchor_for, find_dates

MARCH_2024 = anchor_for(date(2024, 3, 1), "month")


def values(text: str, anchor: date = MARCH_2024) -> list[tuple[str, str, str]]:
    return [(d.text, d.value.isoformat(), d.precision) for d in find_dates(text, anchor)]


def test_a_month_precision_document_is_anchored_at_the_end_of_its_month():
    assert date(2024, 3, 31) == MARCH_2024
    assert anchor_for(date(2025, 11, 10), "day") == date(2025, 11, 10)


def test_dates_without_a_year_are_the_latest_such_date_not_after_the_document():
    assert values("On December 30, Yomiuri reported.") == [("December 30", "2023-12-30", "day")]
    assert values("On January 14, Yomiuri assessed.") == [("January 14", "2024-01-14", "day")]
    assert values("On November 4, it closed.", date(2025, 11, 10)) == [("November 4", "2025-11-04", "day")]
    assert values("On November 14, it closed.", date(2025, 11, 10)) == [("November 14", "2024-11-14", "day")]


def test_offsets_point_at_the_words_in_the_text():
    text = "Yomiuri on January 13 noted Argentina's decision."
    (mention,) = find_dates(text, MARCH_2024)
    assert text[mention.start : mention.end] == "January 13"


def test_explicit_years_and_other_forms():
    assert values("November 10, 2025") == [("November 10, 2025", "2025-11-10", "day")]
    assert values("on 10 November 2025") == [("10 November 2025", "2025-11-10", "day")]
    assert values("Sept. 12, 2023 and 2025-11-10") == [
        ("Sept. 12, 2023", "2023-09-12", "day"),
        ("2025-11-10", "2025-11-10", "day"),
    ]


def test_a_range_keeps_its_end():
    (summit,) = find_dates("On December 16-18, the Japan-ASEAN summit was convened.", MARCH_2024)
    assert (summit.value, summit.end_value, summit.text) == (
        date(2023, 12, 16),
        date(2023, 12, 18),
        "December 16-18",
    )


def test_relative_days_follow_the_last_date_mentioned():
    text = "On January 31, Yomiuri reported on Medvedev's speech the previous day."
    assert values(text) == [("January 31", "2024-01-31", "day"), ("the previous day", "2024-01-30", "day")]
    text = "Aso's trip to the US January 9-13 followed by a meeting with Kishida on the 15th."
    assert values(text)[-1] == ("the 15th", "2024-01-15", "day")


def test_months_seasons_and_years_keep_their_precision():
    assert values("In November, JICA reopened its office.") == [("November", "2023-11-01", "month")]
    assert values("In September 2023 visa-free tourism was restored.") == [
        ("September 2023", "2023-09-01", "month")
    ]
    assert values("a tightening in mid-September") == [("mid-September", "2023-09-01", "month")]
    assert values("Through the winter of 2024, ratings were low.") == [
        ("the winter of 2024", "2024-01-01", "season")
    ]
    assert values("since Abe Shintaro in 1985.") == [("1985", "1985-01-01", "year")]


def test_ordinary_words_and_numbers_are_not_dates():
    assert values("He may visit, and the march went on. In Toa, No. 2, a market of 600-700 million.") == []
