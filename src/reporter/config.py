"""Load and validate feeds.yaml and the REPORTER_* environment, reporting every problem at once."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reporter.errors import ConfigError
from reporter.models import FeedSpec, ReportSpec, Schedule, Section

DEFAULT_CONFIG = "feeds.yaml"
DEFAULT_USER_AGENT = "reporter/0.1 (+https://pypi.org/project/reporter/; country-report writer)"
OVERVIEW = "Overview"

# YAML 1.1 reads these bare words as booleans; in a country code or a name that is never what is meant.
_YAML_BOOL_WORDS = {"y", "yes", "n", "no", "on", "off"}
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# --- the file's schema (pydantic; private to this module) ---------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Settings(_Model):
    data_dir: str = ".reporter"
    output_dir: str = "output"
    seeds_dir: str = "seeds"
    templates_dir: str = "templates"
    database_url: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    publisher: str = ""


class _Smtp(_Model):
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    user: str | None = None
    from_addr: str = Field(default="reports@localhost", alias="from")
    reply_to: str | None = None
    timeout: float = 30.0
    per_second: float = 5.0
    max_attachment_mb: float = 10.0
    base_url: str | None = None  # where the archive is published, for links and unsubscribe
    unsubscribe_to: str | None = None  # mailto: address for List-Unsubscribe (default: from)
    max_attempts: int = Field(default=5, ge=1)  # per subscriber, across runs, for 4xx and dropped connections
    retry_after: float = Field(default=2.0, ge=0)  # first backoff in seconds, doubled each attempt
    retry_within: float = Field(default=120.0, ge=0)  # how long one run waits for deferred retries
    dkim_key_file: str | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None

    @field_validator(
        "timeout", "per_second", "max_attachment_mb", "retry_after", "retry_within", mode="before"
    )
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class _Feed(_Model):
    name: str
    url: str
    outlet: str | None = None
    enabled: bool = True
    timeout: float = Field(default=20.0, gt=0)
    max_entries: int = Field(default=200, gt=0)
    full_text: bool = False
    language: str = "en"
    subject_focused: bool = False
    headers: dict[str, str] = {}

    @field_validator("timeout", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class _Section(_Model):
    name: str
    members: list[str] = []


class _Schedule(_Model):
    cron: str = "0 6 1 * *"
    timezone: str = "UTC"
    ingest_every_hours: float = Field(default=4.0, gt=0)
    misfire_grace_hours: float = Field(default=24.0, ge=0)

    @field_validator("ingest_every_hours", "misfire_grace_hours", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class _Period(_Model):
    months: int = Field(default=1, ge=1, le=12)


class _Report(_Model):
    slug: str
    subject: str
    title: str = "Country Report: {subject} ({month} {year})"
    sections: list[_Section]
    feeds: list[str] | Literal["all"] = "all"
    seeds: bool = True
    schedule: _Schedule = _Schedule()
    period: _Period = _Period()
    page_size: Literal["A4", "Letter"] = "A4"
    send_empty: bool = False


class _File(_Model):
    version: Literal[1] = 1
    settings: _Settings = _Settings()
    smtp: _Smtp | None = None
    feeds: list[_Feed] = []
    reports: list[_Report]


# --- what the rest of the program sees ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server; the password only ever comes from REPORTER_SMTP_PASSWORD."""

    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    user: str | None = None
    from_addr: str = "reports@localhost"
    reply_to: str | None = None
    timeout: float = 30.0
    per_second: float = 5.0
    max_attachment_mb: float = 10.0
    base_url: str | None = None
    password: str | None = field(default=None, repr=False)
    unsubscribe_to: str | None = None
    max_attempts: int = 5
    retry_after: float = 2.0
    retry_within: float = 120.0
    dkim_key_file: Path | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Where things live: resolved paths and the database URL, after environment overrides."""

    config_path: Path
    base_dir: Path
    data_dir: Path
    output_dir: Path
    seeds_dir: Path
    templates_dir: Path
    database_url: str
    user_agent: str = DEFAULT_USER_AGENT
    publisher: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    settings: Settings
    feeds: tuple[FeedSpec, ...]
    reports: tuple[ReportSpec, ...]
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def report(self, slug: str) -> ReportSpec:
        """The report with this slug, or a ConfigError naming the ones there are."""
        for r in self.reports:
            if r.slug == slug:
                return r
        known = ", ".join(r.slug for r in self.reports) or "none"
        raise ConfigError(
            str(self.settings.config_path),
            [f"no report named {slug!r} (configured: {known})"],
            hint="use one of the report slugs under `reports:` in feeds.yaml",
        )

    def feeds_for(self, report: ReportSpec) -> tuple[FeedSpec, ...]:
        """The enabled feeds that feed a report."""
        return tuple(f for f in self.feeds if f.enabled and f.name in report.feeds)


# --- loading --------------------------------------------------------------------------------------


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve feeds.yaml; raise one ConfigError listing every problem."""
    env = os.environ if env is None else env
    config_path = Path(path or env.get("REPORTER_CONFIG") or DEFAULT_CONFIG)
    shown = str(config_path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            shown, ["file not found"], hint="run reporter from the project folder, or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, [f"cannot read it: {exc}"], hint="save feeds.yaml as UTF-8 text") from None
    return parse_config(text, config_path=config_path, env=env)


def parse_config(text: str, *, config_path: Path, env: Mapping[str, str]) -> Config:
    """Validate the text of a feeds.yaml; raise one ConfigError listing every problem."""
    shown = str(config_path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            shown, [f"{where}not valid YAML: {problem}"], hint="check the indentation and quoting there"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(shown, ["line 1: the file must be a mapping with a `reports:` list"])
    lines, bool_words = _index_nodes(node)

    problems: list[str] = []
    parsed: _File | None = None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(_describe(err, lines, bool_words))
    if parsed is not None:
        problems.extend(_check_semantics(parsed, lines, bool_words))
    if problems:
        raise ConfigError(shown, problems)
    assert parsed is not None
    return _resolve(parsed, config_path, env)


def _index_nodes(node: yaml.Node | None) -> tuple[dict[tuple, int], dict[tuple, str]]:
    """Map every path in the YAML tree to its line, and find bare yes/no words read as booleans."""
    lines: dict[tuple, int] = {}
    bool_words: dict[tuple, str] = {}

    def walk(n: yaml.Node, path: tuple) -> None:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                walk(value, (*path, key.value))
                lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, value in enumerate(n.value):
                walk(value, (*path, i))
        elif (
            isinstance(n, yaml.ScalarNode)
            and n.style is None
            and n.tag == "tag:yaml.org,2002:bool"
            and n.value.lower() in _YAML_BOOL_WORDS
        ):
            bool_words[path] = n.value

    if node is not None:
        walk(node, ())
    return lines, bool_words


def _line_of(path: tuple, lines: dict[tuple, int]) -> int:
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return 1


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(err: Any, lines: dict[tuple, int], bool_words: dict[tuple, str]) -> str:
    """One pydantic error as 'line N: where: what (hint)'."""
    # Union and literal branches add their own names to the location; drop them.
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in {"str", "list[str]"})))
    line = _line_of(loc, lines)
    where = _dotted(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent_fields = _fields_at(loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), parent_fields, n=1)
        tip = (
            f" (did you mean '{guess[0]}'?)"
            if guess
            else (f" (known keys: {', '.join(sorted(parent_fields))})" if parent_fields else "")
        )
        return f"line {line}: {_dotted(loc[:-1])}: unknown key '{loc[-1]}'{tip}"
    if kind == "missing":
        return f"line {line}: {where}: required key is missing"
    if loc in bool_words:
        word = bool_words[loc]
        return (
            f"line {line}: {where}: YAML read the bare word {word} as a boolean; "
            f'quote it ("{word}") if you meant the text'
        )
    return f"line {line}: {where}: {err['msg']} (got {err.get('input')!r})"


_FIELDS: dict[str, type[BaseModel]] = {
    "": _File,
    "settings": _Settings,
    "smtp": _Smtp,
    "feeds": _Feed,
    "reports": _Report,
    "sections": _Section,
    "schedule": _Schedule,
    "period": _Period,
}


def _fields_at(path: tuple) -> list[str]:
    names = [p for p in path if isinstance(p, str)]
    model = _FIELDS.get(names[-1] if names else "")
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _check_semantics(parsed: _File, lines: dict[tuple, int], bool_words: dict[tuple, str]) -> list[str]:
    """Checks that need more than types: cron lines, time zones, codes, names, cross-references."""
    from apscheduler.triggers.cron import CronTrigger

    from reporter.nlp.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    problems: list[str] = []

    def at(path: tuple, msg: str) -> None:
        problems.append(f"line {_line_of(path, lines)}: {_dotted(path)}: {msg}")

    feed_names: set[str] = set()
    for i, feed in enumerate(parsed.feeds):
        if feed.name in feed_names:
            at(("feeds", i, "name"), f"duplicate feed name {feed.name!r}")
        feed_names.add(feed.name)
        if not re.match(r"^https?://[^\s/]+", feed.url):
            at(("feeds", i, "url"), f"only http and https URLs are fetched, not {feed.url!r}")

    slugs: set[str] = set()
    for r, report in enumerate(parsed.reports):
        base = ("reports", r)
        if not _SLUG_RE.match(report.slug):
            at((*base, "slug"), f"{report.slug!r} is not a slug (lower-case letters, digits and dashes)")
        if report.slug in slugs:
            at((*base, "slug"), f"duplicate report slug {report.slug!r}")
        slugs.add(report.slug)
        if report.subject not in gazetteer.codes:
            at((*base, "subject"), f"unknown country code {report.subject!r} (use ISO codes such as JP)")
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
                    guess = difflib.get_close_matches(code.upper(), sorted(gazetteer.codes), n=1)
                    tip = f" (did you mean {guess[0]}?)" if guess else ""
                    at((*base, "sections", s, "members", m), f"unknown country code {code!r}{tip}")
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


def _resolve(parsed: _File, config_path: Path, env: Mapping[str, str]) -> Config:
    """Turn the validated file into dataclasses, with paths resolved and the environment applied."""
    from reporter.nlp.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    base = config_path.resolve().parent

    def resolve(p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else base / q

    s = parsed.settings
    data_dir = resolve(env.get("REPORTER_DATA_DIR") or s.data_dir)
    output_dir = resolve(env.get("REPORTER_OUTPUT_DIR") or s.output_dir)
    database_url = (
        env.get("REPORTER_DATABASE_URL") or s.database_url or f"sqlite:///{data_dir / 'reporter.db'}"
    )
    settings = Settings(
        config_path=config_path,
        base_dir=base,
        data_dir=data_dir,
        output_dir=output_dir,
        seeds_dir=resolve(s.seeds_dir),
        templates_dir=resolve(s.templates_dir),
        database_url=database_url,
        user_agent=s.user_agent,
        publisher=s.publisher,
    )
    feeds = tuple(
        FeedSpec(
            name=f.name,
            url=f.url,
            outlet=f.outlet,
            enabled=f.enabled,
            timeout=f.timeout,
            max_entries=f.max_entries,
            full_text=f.full_text,
            language=f.language,
            subject_focused=f.subject_focused,
            headers=tuple(f.headers.items()),
        )
        for f in parsed.feeds
    )
    reports = tuple(
        ReportSpec(
            slug=r.slug,
            subject=r.subject,
            subject_name=gazetteer.name(r.subject),
            title=r.title,
            sections=tuple(
                Section(name=sec.name, members=tuple(sec.members), overview=sec.name == OVERVIEW)
                for sec in r.sections
            ),
            feeds=tuple(f.name for f in parsed.feeds) if r.feeds == "all" else tuple(r.feeds),
            seeds=r.seeds,
            schedule=Schedule(
                cron=r.schedule.cron,
                timezone=r.schedule.timezone,
                ingest_every_hours=r.schedule.ingest_every_hours,
                misfire_grace_hours=r.schedule.misfire_grace_hours,
            ),
            period_months=r.period.months,
            page_size=r.page_size,
            publisher=s.publisher,
            send_empty=r.send_empty,
        )
        for r in parsed.reports
    )
    return Config(settings=settings, feeds=feeds, reports=reports, smtp=_smtp(parsed.smtp, env, base))


def _smtp(smtp: _Smtp | None, env: Mapping[str, str], config_dir: Path | None = None) -> SmtpSettings:
    """SMTP settings from the file, each overridable by REPORTER_SMTP_*; the password only from env."""
    base = smtp or _Smtp()
    key_file = env.get("REPORTER_DKIM_KEY_FILE") or base.dkim_key_file
    key_path = Path(key_file).expanduser() if key_file else None
    if key_path is not None and not key_path.is_absolute() and config_dir is not None:
        key_path = config_dir / key_path

    def flag(name: str, default: bool) -> bool:
        raw = env.get(name)
        return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}

    port = env.get("REPORTER_SMTP_PORT")
    return SmtpSettings(
        host=env.get("REPORTER_SMTP_HOST") or base.host,
        port=int(port) if port else base.port,
        starttls=flag("REPORTER_SMTP_STARTTLS", base.starttls),
        ssl=flag("REPORTER_SMTP_SSL", base.ssl),
        user=env.get("REPORTER_SMTP_USER") or base.user,
        from_addr=env.get("REPORTER_SMTP_FROM") or base.from_addr,
        reply_to=base.reply_to,
        timeout=base.timeout,
        per_second=base.per_second,
        max_attachment_mb=base.max_attachment_mb,
        base_url=base.base_url,
        password=env.get("REPORTER_SMTP_PASSWORD"),
        unsubscribe_to=base.unsubscribe_to,
        max_attempts=base.max_attempts,
        retry_after=base.retry_after,
        retry_within=base.retry_within,
        dkim_key_file=key_path,
        dkim_selector=env.get("REPORTER_DKIM_SELECTOR") or base.dkim_selector,
        dkim_domain=env.get("REPORTER_DKIM_DOMAIN") or base.dkim_domain,
    )
