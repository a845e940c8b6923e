"""From the validated file to the program's dataclasses: paths resolved, the environment applied."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from reporter.config.schema import (
    OVERVIEW,
    FileModel,
    SettingsModel,
    SmtpModel,
    TasksModel,
    WebModel,
    env_var,
)
from reporter.config.settings import Config, Settings, SmtpSettings, TasksConfig, WebConfig
from reporter.errors import ConfigError
from reporter.models import FeedSpec, RelevanceSpec, ReportSpec, Schedule, Section

_TRUE_WORDS = {"1", "true", "yes", "on"}
_N = TypeVar("_N", int, float)


def resolve(parsed: FileModel, config_path: Path, env: Mapping[str, str]) -> Config:
    """Turn the validated file into dataclasses, with paths resolved and the environment applied."""
    from reporter.nlp.gazetteer import Gazetteer

    problems = environment_problems(env)
    if problems:
        raise ConfigError(
            "environment", problems, hint="fix these variables, or unset them to use feeds.yaml's"
        )
    gazetteer = Gazetteer.load()
    base = config_path.resolve().parent

    def path(p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else base / q

    s = parsed.settings

    def setting(name: str) -> str | None:
        var = env_var(SettingsModel, name)
        return (env.get(var) if var else None) or getattr(s, name)

    data_dir = path(setting("data_dir") or s.data_dir)  # `or`: an empty variable counts as unset
    output_dir = path(setting("output_dir") or s.output_dir)
    database_url = setting("database_url") or f"sqlite:///{data_dir / 'reporter.db'}"
    settings = Settings(
        config_path=config_path,
        base_dir=base,
        data_dir=data_dir,
        output_dir=output_dir,
        seeds_dir=path(s.seeds_dir),
        templates_dir=path(s.templates_dir),
        database_url=database_url,
        user_agent=s.user_agent,
        publisher=s.publisher,
        allow_private_networks=_env_flag(
            env, SettingsModel, "allow_private_networks", s.allow_private_networks
        ),
        ingest_timeout=_env_number(env, SettingsModel, "ingest_timeout", s.ingest_timeout, float),
        pdf_timeout=_env_number(env, SettingsModel, "pdf_timeout", s.pdf_timeout, float),
        pdf_memory_mb=_env_number(env, SettingsModel, "pdf_memory_mb", s.pdf_memory_mb, int),
        max_entry_chars=s.max_entry_chars,
        analysis_workers=s.analysis_workers,
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
                Section(
                    name=sec.name,
                    members=tuple(sec.members),
                    overview=sec.name == OVERVIEW,
                    max_paragraphs=sec.max_paragraphs,
                )
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
            relevance=RelevanceSpec(
                include=tuple(r.relevance.include),
                exclude=tuple(r.relevance.exclude),
                min_mentions=r.relevance.min_mentions,
            ),
            max_paragraphs=r.max_paragraphs,
        )
        for r in parsed.reports
    )
    return Config(
        settings=settings,
        feeds=feeds,
        reports=reports,
        smtp=smtp_settings(parsed.smtp, env, base),
        web=web_config(parsed.web, env),
        tasks=tasks_config(parsed.tasks, env),
    )


def tasks_config(tasks: TasksModel, env: Mapping[str, str]) -> TasksConfig:
    """The `tasks:` settings; the queue may be chosen by its REPORTER_* variable instead."""
    values = tasks.model_dump()
    _, raw = _raw(env, TasksModel, "queue")
    values["queue"] = raw if raw in _QUEUES else tasks.queue  # a bad value: environment_problems said so
    return TasksConfig(**values)


def web_config(web: WebModel, env: Mapping[str, str]) -> WebConfig:
    """The `web:` settings; the password hash may come from its REPORTER_* variable instead."""
    values = web.model_dump()
    var = env_var(WebModel, "admin_password_hash")
    values["admin_password_hash"] = (
        (env.get(var) if var else None) or web.admin_password_hash or ""
    ).strip() or None
    return WebConfig(**values)


def smtp_settings(
    smtp: SmtpModel | None, env: Mapping[str, str], config_dir: Path | None = None
) -> SmtpSettings:
    """SMTP settings from the file, each overridable by its REPORTER_* variable; secrets only from env."""
    base = smtp or SmtpModel()

    def text(name: str) -> str | None:
        var = env_var(SmtpModel, name)
        return (env.get(var) if var else None) or getattr(base, name)

    def flag(name: str) -> bool:
        return _env_flag(env, SmtpModel, name, getattr(base, name))

    key_file = text("dkim_key_file")
    key_path = Path(key_file).expanduser() if key_file else None
    if key_path is not None and not key_path.is_absolute() and config_dir is not None:
        key_path = config_dir / key_path
    return SmtpSettings(
        host=text("host") or base.host,
        port=_env_number(env, SmtpModel, "port", base.port, int),
        starttls=flag("starttls"),
        ssl=flag("ssl"),
        user=text("user"),
        from_addr=text("from_addr") or base.from_addr,
        reply_to=base.reply_to,
        timeout=base.timeout,
        per_second=base.per_second,
        max_attachment_mb=base.max_attachment_mb,
        base_url=base.base_url,
        password=env.get("REPORTER_SMTP_PASSWORD"),
        secret=env.get("REPORTER_SECRET"),
        unsubscribe_to=base.unsubscribe_to,
        max_attempts=base.max_attempts,
        retry_after=base.retry_after,
        retry_within=base.retry_within,
        dkim_key_file=key_path,
        dkim_selector=text("dkim_selector"),
        dkim_domain=text("dkim_domain"),
    )


# The REPORTER_* variables that must read as a number or as yes/no: checked together, before any is used.
_NUMBERS: tuple[tuple[type[SettingsModel | SmtpModel], str, type], ...] = (
    (SettingsModel, "ingest_timeout", float),
    (SettingsModel, "pdf_timeout", float),
    (SettingsModel, "pdf_memory_mb", int),
    (SmtpModel, "port", int),
)
_FLAGS: tuple[tuple[type[SettingsModel | SmtpModel], str], ...] = (
    (SettingsModel, "allow_private_networks"),
    (SmtpModel, "starttls"),
    (SmtpModel, "ssl"),
)
_FALSE_WORDS = {"0", "false", "no", "off"}
_QUEUES = ("inline", "procrastinate")


def environment_problems(env: Mapping[str, str]) -> list[str]:
    """Every REPORTER_* number, yes/no or choice that does not read as one, each with an example."""
    problems: list[str] = []
    for model, name, kind in _NUMBERS:
        var, raw = _raw(env, model, name)
        if raw:
            problems.extend(_number_of(var, raw, kind, model.model_fields[name].default)[1])
    for model, name in _FLAGS:
        var, raw = _raw(env, model, name)
        if raw and raw.lower() not in _TRUE_WORDS | _FALSE_WORDS:
            problems.append(f"{var}={raw!r} is not true or false (set {var}=true or {var}=false)")
    var, raw = _raw(env, TasksModel, "queue")
    if raw and raw not in _QUEUES:
        problems.append(f"{var}={raw!r} is not a task queue (use inline, the default, or procrastinate)")
    return problems


def _raw(env: Mapping[str, str], model: type[BaseModel], name: str) -> tuple[str, str]:
    """A field's REPORTER_* variable and its value, stripped ('' when unset or empty)."""
    var = env_var(model, name) or ""
    return var, (env.get(var) or "").strip() if var else ""


def _number_of(var: str, raw: str, kind: type[_N], example: object) -> tuple[_N | None, list[str]]:
    """A variable's number, or the problem with it."""
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw)
    except ValueError:
        return None, [f"{var}={raw!r} is not {what} (e.g. {var}={example})"]
    if value <= 0:
        return None, [f"{var}={raw!r} must be above 0 (e.g. {var}={example})"]
    return value, []


def _env_flag(
    env: Mapping[str, str], model: type[SmtpModel | SettingsModel], name: str, default: bool
) -> bool:
    """A yes/no setting from its REPORTER_* variable if set (checked beforehand), else the file's."""
    _, raw = _raw(env, model, name)
    return raw.lower() in _TRUE_WORDS if raw else default


def _env_number(
    env: Mapping[str, str], model: type[SmtpModel | SettingsModel], name: str, default: _N, kind: type[_N]
) -> _N:
    """A number from its REPORTER_* variable if set (checked by environment_problems), else the file's."""
    var, raw = _raw(env, model, name)
    value = _number_of(var, raw, kind, default)[0] if raw else None
    return default if value is None else value
