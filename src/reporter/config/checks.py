"""Checks on feeds.yaml that need more than types: cron lines, time zones, codes, names, cross-references."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reporter.config.lines import LineIndex
from reporter.config.schema import FileModel
from reporter.models import SLUG_RE
from reporter.urls import web_url


def check_semantics(parsed: FileModel, index: LineIndex) -> list[str]:
    """Every problem the types let through, each with its line."""
    from apscheduler.triggers.cron import CronTrigger

    from reporter.nlp.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    problems: list[str] = []

    def at(path: tuple, msg: str) -> None:
        problems.append(index.at(path, msg))

    feed_names: set[str] = set()
    for i, feed in enumerate(parsed.feeds):
        if feed.name in feed_names:
            at(("feeds", i, "name"), f"duplicate feed name {feed.name!r}")
        feed_names.add(feed.name)
        if web_url(feed.url) is None:
            at(("feeds", i, "url"), f"only http and https URLs are fetched, not {feed.url!r}")

    slugs: set[str] = set()
    for r, report in enumerate(parsed.reports):
        base = ("reports", r)
        if not SLUG_RE.match(report.slug):
            at((*base, "slug"), f"{report.slug!r} is not a slug (lower-case letters, digits and dashes)")
        if report.slug in slugs:
            at((*base, "slug"), f"duplicate report slug {report.slug!r}")
        slugs.add(report.slug)
        if report.subject not in gazetteer.codes:
            guess = gazetteer.suggest(report.subject)
            tip = f"did you mean {guess}?" if guess else "use ISO codes such as JP"
            listed = "`reporter check --codes` lists them"
            at((*base, "subject"), f"unknown country code {report.subject!r} ({tip}; {listed})")
        try:
            report.title.format(subject="X", month="X", year=2000, period="X")
        except (KeyError, IndexError, ValueError) as exc:
            at(
                (*base, "title"),
                f"bad title pattern ({exc}); use {{subject}}, {{month}}, {{year}}, {{period}}",
            )
        section_names: set[str] = set()
        for s, section in enumerate(report.sections):
            if section.name in section_names:
                at((*base, "sections", s, "name"), f"duplicate section {section.name!r}")
            section_names.add(section.name)
            for m, code in enumerate(section.members):
                if code not in gazetteer.codes:
                    guess = gazetteer.suggest(code)
                    tip = f"did you mean {guess}? " if guess else ""
                    where = (*base, "sections", s, "members", m)
                    at(where, f"unknown country code {code!r} ({tip}`reporter check --codes` lists them)")
        if isinstance(report.feeds, list):
            for f, name in enumerate(report.feeds):
                if name not in feed_names:
                    at((*base, "feeds", f), f"no feed named {name!r} under `feeds:`")
        try:
            tz = ZoneInfo(report.schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            at((*base, "schedule", "timezone"), f"unknown time zone {report.schedule.timezone!r}")
            tz = None
        try:
            CronTrigger.from_crontab(report.schedule.cron, timezone=tz or "UTC")
        except ValueError as exc:
            at((*base, "schedule", "cron"), f"bad cron line {report.schedule.cron!r}: {exc}")
    return problems
