"""Dates in running text, resolved against the document's own date.

"On January 14" in a report dated March 2024 is 2024-01-14; "December 30" is 2023-12-30 (the latest such
date not after the document). Ranges ("December 16-18"), "the previous day", "on the 15th", month-only
("in November", "October 2023") and season phrases ("the winter of 2024") keep their precision.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from reporter.models import DateMention

_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?"
)
_MONTH = {name: i for i, name in enumerate(calendar.month_name) if name}
_MONTH.update({name: i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH["Sept"] = 9
_WEEKDAYS = {name: i for i, name in enumerate(calendar.day_name)}
_SEASON_MONTH = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?![\d,]\d)"
_DASH = r"\s*[-–—]\s*"

# One alternation, tried left to right at each position; the most specific forms come first.
_DATE_RE = re.compile(
    "|".join(
        [
            # December 16-18(, 2023) / December 30–January 2
            rf"(?P<r_m1>{_MONTH_NAMES})\s+(?P<r_d1>[0-3]?\d)(?:{_DASH}(?:(?P<r_m2>{_MONTH_NAMES})\s+)?"
            rf"(?P<r_d2>[0-3]?\d))(?![\d:])(?:,?\s+(?P<r_y>(?:19|20)\d{{2}}))?",
            # November 10, 2025 / Nov. 10 / January 14th
            rf"(?P<md_m>{_MONTH_NAMES})\s+(?P<md_d>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:%])(?:,?\s+(?P<md_y>(?:19|20)\d{{2}})(?!\d))?",
            # 10 November 2025 / 10 November
            rf"(?<![\d,.])(?P<dm_d>[0-3]?\d)\s+(?P<dm_m>{_MONTH_NAMES})(?:,?\s+(?P<dm_y>(?:19|20)\d{{2}})(?!\d))?",
            # 2025-11-10
            r"(?<![\d-])(?P<iso_y>(?:19|20)\d{2})-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)(?![\d-])",
            # the winter of 2024 / summer 2023 / this fall
            r"(?:the\s+)?(?P<s_season>[Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter)(?:\s+of)?\s+(?P<s_y>(?:19|20)\d{2})(?!\d)",
            r"(?P<s2_pre>this|last|next|the)\s+(?P<s2_season>spring|summer|fall|autumn|winter)\b",
            # (early|mid-|late) October 2023 / November / mid-September
            rf"(?:(?:early|mid|late|the end of|the start of|the beginning of)[\s-]+)?"
            rf"(?P<m_m>{_MONTH_NAMES})(?:\s+of)?(?:,?\s+(?P<m_y>(?:19|20)\d{{2}})(?!\d))?",
            # the previous day / the next day / that day / yesterday
            r"(?P<rel>the (?:previous|following|next) day|the day before|that day|the same day|"
            r"yesterday|today)",
            # on the 15th
            r"(?P<ord_pre>on|by|until|from) the (?P<ord_d>[0-3]?\d)(?:st|nd|rd|th)\b",
            # on Tuesday
            r"(?P<wd_pre>[Oo]n|[Ll]ast|[Tt]his|[Nn]ext)\s+(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
            # in 2024 / since 1985 (a bare year, said with a preposition)
            rf"(?P<y_pre>[Ii]n|[Ss]ince|[Bb]y|[Ff]rom|[Uu]ntil|[Tt]o|[Oo]f|[Bb]efore|[Aa]fter|[Dd]uring|[Ee]arly|[Ll]ate)\s+"
            rf"(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?{_YEAR}",
        ]
    )
)
# "May" and "March" are also ordinary words; month-only mentions of them need a year or a cue word before.
_AMBIGUOUS_MONTHS = {"May", "March", "Mar", "Mar.", "Jun", "Jan", "Dec", "Oct", "Nov", "Aug", "Sep", "Sept"}
_MONTH_CUE = re.compile(
    r"(?:\b(?:in|since|by|from|until|of|early|late|mid|last|next|this|during|before|after)[\s-]+)$", re.I
)


def _month_number(name: str) -> int:
    return _MONTH[name.rstrip(".").capitalize() if len(name) > 3 else name.rstrip(".")]


def anchor_for(published: date, precision: str) -> date:
    """The last day a document of this date and precision could be reporting on."""
    if precision == "year":
        return date(published.year, 12, 31)
    if precision == "month":
        return date(published.year, published.month, calendar.monthrange(published.year, published.month)[1])
    return published


def _anchored(month: int, day: int, anchor: date) -> date | None:
    """The latest `month`/`day` not after `anchor`."""
    for year in (anchor.year, anchor.year - 1):
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if value <= anchor:
            return value
    return None


def _dated(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, anchor: date, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Every date mentioned in `text[start:end]`, with offsets into `text`, resolved against `anchor`."""
    stop = len(text) if end is None else end
    found: list[DateMention] = []
    last_day: date | None = None
    last_month: tuple[int, int] | None = None  # (year, month) of the latest mention, for "the 15th"
    for m in _DATE_RE.finditer(text, start, stop):
        mention = _resolve(m, anchor, last_day, last_month, text)
        if mention is None:
            continue
        found.append(mention)
        if mention.precision == "day":
            last_day = mention.end_value or mention.value
            last_month = (mention.value.year, mention.value.month)
        elif mention.precision == "month":
            last_month = (mention.value.year, mention.value.month)
    return found


def uses_context(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether `text[start:end]` has a date read from an earlier one ("the previous day", "on the 15th")."""
    stop = len(text) if end is None else end
    for m in _DATE_RE.finditer(text, start, stop):
        rel = m.group("rel")
        if m.group("ord_d") or (rel and rel.lower() not in ("yesterday", "today")):
            return True
    return False


def _resolve(
    m: re.Match[str], anchor: date, last_day: date | None, last_month: tuple[int, int] | None, text: str
) -> DateMention | None:
    g = m.groupdict()
    s, e = m.start(), m.end()
    value: date | None = None
    end_value: date | None = None
    precision = "day"
    if g["r_m1"]:
        m1 = _month_number(g["r_m1"])
        m2 = _month_number(g["r_m2"]) if g["r_m2"] else m1
        d1, d2 = int(g["r_d1"]), int(g["r_d2"])
        if not (d1 < d2 or m2 != m1):
            return None  # "March 3-2" is no range
        if g["r_y"]:
            value = _dated(int(g["r_y"]), m1, d1)
            end_value = _dated(int(g["r_y"]) + (1 if m2 < m1 else 0), m2, d2)
        else:
            value = _anchored(m1, d1, anchor)
            end_value = _dated(value.year + (1 if m2 < m1 else 0), m2, d2) if value else None
    elif g["md_m"]:
        month, day = _month_number(g["md_m"]), int(g["md_d"])
        value = _dated(int(g["md_y"]), month, day) if g["md_y"] else _anchored(month, day, anchor)
    elif g["dm_m"]:
        month, day = _month_number(g["dm_m"]), int(g["dm_d"])
        value = _dated(int(g["dm_y"]), month, day) if g["dm_y"] else _anchored(month, day, anchor)
    elif g["iso_y"]:
        value = _dated(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"]))
    elif g["s_season"]:
        precision = "season"
        season = g["s_season"].lower()
        # "the winter of 2024" is the winter the year opens with, not the one it closes with.
        value = date(int(g["s_y"]), 1 if season == "winter" else _SEASON_MONTH[season], 1)
    elif g["s2_season"]:
        precision = "season"
        month = _SEASON_MONTH[g["s2_season"]]
        year = anchor.year + {"next": 1, "last": -1}.get(g["s2_pre"], 0)
        if g["s2_pre"] in ("this", "the") and date(year, month, 1) > anchor:
            year -= 0 if g["s2_pre"] == "this" else 1
        value = date(year, month, 1)
    elif g["m_m"]:
        name = g["m_m"]
        if name in _AMBIGUOUS_MONTHS and not g["m_y"] and not _MONTH_CUE.search(text[max(0, s - 12) : s]):
            return None
        precision = "month"
        month = _month_number(name)
        if g["m_y"]:
            value = date(int(g["m_y"]), month, 1)
        else:
            value = date(anchor.year if month <= anchor.month else anchor.year - 1, month, 1)
    elif g["rel"]:
        phrase = g["rel"].lower()
        base = last_day if phrase not in ("yesterday", "today") else anchor
        if base is None:
            return None
        value = {"the previous day": base - timedelta(days=1), "the day before": base - timedelta(days=1),
                 "yesterday": base - timedelta(days=1), "the following day": base + timedelta(days=1),
                 "the next day": base + timedelta(days=1)}.get(phrase, base)  # fmt: skip
    elif g["ord_d"]:
        if last_month is None:
            return None
        value = _dated(last_month[0], last_month[1], int(g["ord_d"]))
        s = m.start("ord_d") - len("the ")
    elif g["wd"]:
        base = anchor
        back = (base.weekday() - _WEEKDAYS[g["wd"]]) % 7
        value = base - timedelta(days=back)
        s = m.start("wd")
    elif g["year"]:
        precision = "year"
        value = date(int(g["year"]), 1, 1)
        s = m.start("year")
    if value is None:
        return None
    return DateMention(text=text[s:e], start=s, end=e, value=value, precision=precision, end_value=end_value)
