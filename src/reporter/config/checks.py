"""Checks on feeds.yaml that need more than types: cron lines, time zones, codes, names, cross-references.

They read the file as YAML gave it, not the validated model, so they run even when a type is wrong
elsewhere and `reporter check` lists every problem in one pass. A value of the wrong type is left to
the schema's message; only the values that have the right type are checked here.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from reporter.config.lines import LineIndex
from reporter.models import SLUG_RE
from reporter.urls import web_url


def check_semantics(data: Mapping[str, Any], index: LineIndex) -> list[str]:
    """Every problem the types do not show, each with its line; values of a wrong type are skipped."""
    from reporter.nlp.gazetteer import Gazetteer

    problems: list[str] = []

    def at(path: tuple, msg: str) -> None:
        problems.append(index.at(path, msg))

    feed_names: set[str] = set()
    for i, feed in _mappings(data.get("feeds")):
        name, url = feed.get("name"), feed.get("url")
        if isinstance(name, str):
            if name in feed_names:
                at(("feeds", i, "name"), f"duplicate feed name {name!r}")
            feed_names.add(name)
        if isinstance(url, str) and web_url(url) is None:
            at(("feeds", i, "url"), f"only http and https URLs are fetched, not {url!r}")

    gazetteer = Gazetteer.load()
    slugs: set[str] = set()
    for r, report in _mappings(data.get("reports")):
        base = ("reports", r)
        slug = report.get("slug")
        if isinstance(slug, str):
            if not SLUG_RE.match(slug):
                at((*base, "slug"), f"{slug!r} is not a slug (lower-case letters, digits and dashes)")
            if slug in slugs:
                at((*base, "slug"), f"duplicate report slug {slug!r}")
            slugs.add(slug)
        subject = report.get("subject")
        if isinstance(subject, str) and subject not in gazetteer.codes:
            guess = gazetteer.suggest(subject)
            tip = f"did you mean {guess}?" if guess else "use ISO codes such as JP"
            listed = "`reporter check --codes` lists them"
            at((*base, "subject"), f"unknown country code {subject!r} ({tip}; {listed})")
        title = report.get("title")
        if isinstance(title, str):
            try:
                title.format(subject="X", month="X", year=2000, period="X")
            except (KeyError, IndexError, ValueError) as exc:
                at(
                    (*base, "title"),
                    f"bad title pattern ({exc}); use {{subject}}, {{month}}, {{year}}, {{period}}",
                )
        section_names: set[str] = set()
        for s, section in _mappings(report.get("sections")):
            name = section.get("name")
            if isinstance(name, str):
                if name in section_names:
                    at((*base, "sections", s, "name"), f"duplicate section {name!r}")
                section_names.add(name)
            members = section.get("members")
            for m, code in enumerate(members if isinstance(members, list) else []):
                if isinstance(code, str) and code not in gazetteer.codes:
                    guess = gazetteer.suggest(code)
                    tip = f"did you mean {guess}? " if guess else ""
                    where = (*base, "sections", s, "members", m)
                    at(where, f"unknown country code {code!r} ({tip}`reporter check --codes` lists them)")
        feeds = report.get("feeds")
        for f, name in enumerate(feeds if isinstance(feeds, list) else []):
            if isinstance(name, str) and name not in feed_names:
                at((*base, "feeds", f), f"no feed named {name!r} under `feeds:`")
        schedule = report.get("schedule")
        if isinstance(schedule, Mapping):
            problems.extend(_schedule_problems(schedule, (*base, "schedule"), index))
    return problems


def _schedule_problems(schedule: Mapping[str, Any], base: tuple, index: LineIndex) -> list[str]:
    """A bad time zone (with the one probably meant) and every bad value of the cron line."""
    from reporter.scheduler.cron import CronLineError, read_cron

    problems: list[str] = []
    zone = schedule.get("timezone")
    if isinstance(zone, str):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            guess = difflib.get_close_matches(zone, sorted(available_timezones()), n=1)
            tip = f"did you mean {guess[0]}?" if guess else "use an IANA name such as Asia/Tokyo or UTC"
            problems.append(index.at((*base, "timezone"), f"unknown time zone {zone!r} ({tip})"))
    cron = schedule.get("cron")
    if isinstance(cron, str):
        try:
            read_cron(cron)
        except CronLineError as exc:
            problems.append(index.at((*base, "cron"), f"bad cron line {cron!r}: {exc}"))
    return problems


def _mappings(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """The mappings of a YAML list with their positions; anything else the schema reports."""
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]
