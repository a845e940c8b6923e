"""The schema of feeds.yaml: every key, its type, default, description and overriding variable.

This is the one place a key is declared. `docs/configuration.md` and the README's environment table
are generated from it, so a key added here is documented by writing its description.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.fields import FieldInfo

DEFAULT_CONFIG = "feeds.yaml"
DEFAULT_USER_AGENT = "reporter/0.1 (+https://pypi.org/project/reporter/; country-report writer)"
OVERVIEW = "Overview"


def key(default: Any = ..., description: str = "", *, env: str | None = None, **kw: Any) -> Any:
    """A schema field with its description and the REPORTER_* variable that overrides it, if any."""
    extra = {"env": env} if env else None
    return Field(default, description=description, json_schema_extra=extra, **kw)


def env_var(model: type[BaseModel], name: str) -> str | None:
    """The REPORTER_* variable that overrides one field of a schema model, if any."""
    info: FieldInfo = model.model_fields[name]
    extra = info.json_schema_extra
    return extra.get("env") if isinstance(extra, dict) else None  # type: ignore[return-value]


def _float(v: Any) -> Any:
    """Strict mode refuses an int where a float is wanted; `timeout: 30` is what people write."""
    return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SettingsModel(_Model):
    """`settings:` where things live; relative paths resolve against the config file's folder."""

    data_dir: str = key(".reporter", "The SQLite database and feed state.", env="REPORTER_DATA_DIR")
    output_dir: str = key(
        "output",
        "Where reports are written: `<output_dir>/<slug>/<YYYY-MM>/<slug>-<YYYY-MM>.{html,pdf,json,md}`.",
        env="REPORTER_OUTPUT_DIR",
    )
    seeds_dir: str = key("seeds", "Plain-text seed documents, with an optional `seeds.yaml` manifest.")
    templates_dir: str = key("templates", "Files here override the packaged templates, one by one.")
    database_url: str | None = key(
        None,
        "SQLAlchemy URL of the store (default `sqlite:///<data_dir>/reporter.db`; PostgreSQL as "
        "`postgresql+psycopg://user@host/db` after `pip install -e '.[postgres]'`).",
        env="REPORTER_DATABASE_URL",
    )
    user_agent: str = key(DEFAULT_USER_AGENT, "The User-Agent header sent with every feed and page request.")
    publisher: str = key("", "The publisher line printed on every report.")
    allow_private_networks: bool = key(
        False,
        "Fetch feeds and article pages from loopback, private and link-local addresses too (off: only "
        "the public internet is fetched, as Miniflux's FETCHER_ALLOW_PRIVATE_NETWORKS). Turn it on only "
        "for feeds on your own network: a feed could otherwise make reporter read internal pages.",
        env="REPORTER_ALLOW_PRIVATE_NETWORKS",
    )
    ingest_timeout: float = key(
        900.0,
        "Seconds one ingest may take in all (every feed has its own `timeout` too); feeds not fetched "
        "by then fail with a message and the build goes on with what is stored.",
        env="REPORTER_INGEST_TIMEOUT",
        gt=0,
    )
    pdf_timeout: float = key(
        300.0, "Seconds the PDF renderer may take for one report.", env="REPORTER_PDF_TIMEOUT", gt=0
    )
    pdf_memory_mb: int = key(
        2048,
        "Address-space limit of the PDF renderer's process, in MB (a month of many items needs more).",
        env="REPORTER_PDF_MEMORY_MB",
        gt=0,
    )
    max_entry_chars: int = key(
        200_000,
        "An entry's stored text is cut to this many characters (a 10 MB entry would cost minutes and "
        "gigabytes in a build); `reporter analyze` and the report's left-out list say so.",
        gt=0,
    )
    analysis_workers: int = key(
        0,
        "Worker processes for a large first analysis (200 items or more); 0: one per core, 1: none.",
        ge=0,
        le=64,
    )

    @field_validator("ingest_timeout", "pdf_timeout", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class SmtpModel(_Model):
    """`smtp:` how mail goes out, and the identity and links it carries."""

    host: str = key("localhost", "The SMTP server.", env="REPORTER_SMTP_HOST")
    port: int = key(587, "The SMTP server's port.", env="REPORTER_SMTP_PORT")
    starttls: bool = key(True, "Upgrade the connection with STARTTLS.", env="REPORTER_SMTP_STARTTLS")
    ssl: bool = key(False, "Connect with TLS from the start (port 465).", env="REPORTER_SMTP_SSL")
    user: str | None = key(
        None,
        "Log in as this user; the password only ever comes from `REPORTER_SMTP_PASSWORD`.",
        env="REPORTER_SMTP_USER",
    )
    from_addr: str = key(
        "reports@localhost",
        "The From address of every message; use a real, deliverable address.",
        env="REPORTER_SMTP_FROM",
        alias="from",
    )
    reply_to: str | None = key(None, "A Reply-To address, if replies should go elsewhere.")
    timeout: float = key(30.0, "Seconds to wait for the SMTP server.")
    per_second: float = key(5.0, "At most this many messages a second (0: no limit).")
    max_attachment_mb: float = key(
        10.0, "A PDF larger than this is linked instead of attached (needs `base_url`)."
    )
    base_url: str | None = key(
        None,
        "Where the archive is published (https), for links to the report and one-click unsubscribe.",
    )
    unsubscribe_to: str | None = key(None, "The mailto: address for List-Unsubscribe (default: `from`).")
    max_attempts: int = key(
        5, "Attempts per subscriber, across runs, for 4xx replies and dropped connections.", ge=1
    )
    retry_after: float = key(2.0, "The first backoff in seconds, doubled each attempt.", ge=0)
    retry_within: float = key(120.0, "How long one run waits for deferred retries, in seconds.", ge=0)
    dkim_key_file: str | None = key(
        None,
        "PEM RSA private key to sign messages with DKIM (relative to the config file); "
        "set all three dkim keys or none.",
        env="REPORTER_DKIM_KEY_FILE",
    )
    dkim_selector: str | None = key(
        None, "The DKIM selector (`<selector>._domainkey.<domain>`).", env="REPORTER_DKIM_SELECTOR"
    )
    dkim_domain: str | None = key(None, "The DKIM signing domain (`d=`).", env="REPORTER_DKIM_DOMAIN")

    @field_validator(
        "timeout", "per_second", "max_attachment_mb", "retry_after", "retry_within", mode="before"
    )
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class TasksModel(_Model):
    """`tasks:` where ingests, builds and sends run: in the scheduler's process, or on workers."""

    queue: Literal["inline", "procrastinate"] = key(
        "inline",
        "`inline`: the scheduler runs every job itself (one process, any database). `procrastinate`: "
        "the scheduler only enqueues, and `reporter worker` processes run the tasks (needs PostgreSQL "
        "as `database_url` and the `postgres` extra).",
        env="REPORTER_TASK_QUEUE",
    )
    delivery_batch: int = key(50, "Subscribers per delivery task.", ge=1)
    heartbeat_seconds: float = key(10.0, "How often a worker says it is alive.", gt=0)
    stalled_after_seconds: float = key(
        30.0,
        "A worker silent this long is taken as dead: its running tasks are retried by another worker.",
        gt=0,
    )
    sweep_seconds: int = key(
        10, "How often a worker looks for the tasks of dead workers (1 to 59 seconds).", ge=1, le=59
    )

    @field_validator("heartbeat_seconds", "stalled_after_seconds", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class WebModel(_Model):
    """`web:` the web app (`reporter serve`): the operator's login, sessions, links and rate limits."""

    admin_password_hash: str | None = key(
        None,
        "The argon2 hash of the operator's password for the login at `/admin` (make one with "
        "`reporter serve --hash-password`); without it the operator's pages stay closed.",
        env="REPORTER_ADMIN_PASSWORD_HASH",
    )
    session_hours: float = key(12.0, "How long an operator stays logged in.", gt=0)
    confirm_hours: float = key(48.0, "How long a subscribe confirmation link works.", gt=0)
    login_attempts: int = key(5, "Failed logins allowed per client address in `login_window_minutes`.", ge=1)
    login_window_minutes: float = key(15.0, "The window of `login_attempts`.", gt=0)
    subscribe_attempts: int = key(
        5, "Subscribe requests allowed per client address, and per email address, in the window.", ge=1
    )
    subscribe_window_minutes: float = key(10.0, "The window of `subscribe_attempts`.", gt=0)

    @field_validator("session_hours", "confirm_hours", "login_window_minutes", "subscribe_window_minutes",
                     mode="before")  # fmt: skip
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class FeedModel(_Model):
    """`feeds:` one RSS, Atom or JSON feed."""

    name: str = key(..., "A short name, unique among the feeds; reports list feeds by it.")
    url: str = key(..., "The feed's http or https URL.")
    outlet: str | None = key(None, "The outlet's name as readers know it (default: the feed's own title).")
    enabled: bool = key(True, "Set to false to stop fetching the feed without deleting it.")
    timeout: float = key(20.0, "Seconds to wait for the feed.", gt=0)
    max_entries: int = key(200, "Read at most this many entries per fetch.", gt=0)
    full_text: bool = key(False, "Fetch each short entry's page for the article's full text.")
    language: str = key("en", "The feed's language (ISO 639-1).")
    subject_focused: bool = key(
        False, "Every entry is about the report's subject (a foreign ministry's own feed, say)."
    )
    headers: dict[str, str] = key({}, "Extra HTTP headers sent with the request.")

    @field_validator("timeout", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class SectionModel(_Model):
    """`reports[].sections:` one section of a report."""

    name: str = key(..., f"The heading; the section named `{OVERVIEW}` gathers the subject's own policy.")
    members: list[str] = key([], "Gazetteer codes (ISO 3166 countries, or groups such as ASEAN, EU).")
    max_paragraphs: int | None = key(
        None, "At most this many paragraphs in the section; its next stories are listed as headlines.", ge=0
    )


class ScheduleModel(_Model):
    """`reports[].schedule:` when `reporter schedule` builds and ingests."""

    cron: str = key(
        "0 6 1 * *",
        "Crontab line for the build of the period just closed, read as cron reads it (weekdays 0 and 7 "
        "are Sunday; `@monthly` and the other macros; `last` for the month's last day).",
    )
    timezone: str = key("UTC", "IANA time zone of the cron line and of the report's months.")
    ingest_every_hours: float = key(4.0, "Fetch the feeds this often.", gt=0)
    misfire_grace_hours: float = key(
        24.0, "A job missed while the scheduler was down still runs if it is at most this late.", ge=0
    )

    @field_validator("ingest_every_hours", "misfire_grace_hours", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return _float(v)


class PeriodModel(_Model):
    """`reports[].period:` how long one report's period is."""

    months: int = key(1, "Months per report (1 to 12).", ge=1, le=12)


class RelevanceModel(_Model):
    """`reports[].relevance:` what this report counts as its subject's foreign relations, beyond defaults."""

    include: list[str] = key(
        [],
        "Terms that make a passage naming the subject about its foreign relations, even with no counterpart "
        "named (standing issues such as `Yasukuni` or `abductee*`; a trailing `*` allows any ending).",
    )
    exclude: list[str] = key([], "A passage with one of these terms is left out, whatever else it says.")
    min_mentions: int = key(
        1, "How many times a passage must name the subject (its name, people, places) to count.", ge=1
    )

    @field_validator("include", "exclude")
    @classmethod
    def _terms(cls, v: list[str]) -> list[str]:
        from reporter.nlp.vocabulary import VocabularyError, compile_terms

        try:
            compile_terms("terms", v)
        except VocabularyError as exc:
            raise ValueError("; ".join(exc.problems)) from None
        return v


class ReportModel(_Model):
    """`reports:` one country report."""

    slug: str = key(..., "Lower-case letters, digits and dashes; names the report's folder and files.")
    subject: str = key(..., "Gazetteer code of the subject country, e.g. JP.")
    title: str = key(
        "Country Report: {subject} ({month} {year})",
        "Title pattern with `{subject}`, `{month}`, `{year}` and `{period}`.",
    )
    sections: list[SectionModel] = key(..., "The report's sections, in print order.")
    feeds: list[str] | Literal["all"] = key("all", "Names of the feeds that feed this report, or `all`.")
    seeds: bool = key(True, "Use the seed documents too.")
    schedule: ScheduleModel = key(ScheduleModel(), "When the scheduler builds it.")
    period: PeriodModel = key(PeriodModel(), "How long each period is.")
    page_size: Literal["A4", "Letter"] = key("A4", "Paper size of the PDF.")
    send_empty: bool = key(False, "Mail a report that found nothing (default: skip it).")
    relevance: RelevanceModel = key(
        RelevanceModel(), "What counts as the subject's foreign relations: include and exclude terms."
    )
    max_paragraphs: int = key(
        45,
        "The paragraph budget: one paragraph per story, best first; the rest are listed as headlines.",
        ge=0,
    )


class FileModel(_Model):
    """The whole file: its version and its parts, each described below."""

    version: Literal[1] = key(1, "The file format's version.")
    settings: SettingsModel = key(SettingsModel(), "Where things live.")
    smtp: SmtpModel | None = key(None, "How mail goes out (without it: localhost, no links).")
    web: WebModel = key(WebModel(), "The web app's login, sessions and limits.")
    tasks: TasksModel = key(TasksModel(), "Where ingests, builds and sends run (workers or not).")
    feeds: list[FeedModel] = key([], "The feeds to poll.")
    reports: list[ReportModel] = key(..., "The reports to write.")


# Each mapping key of the file and the model that describes what is under it.
MODELS: dict[str, type[BaseModel]] = {
    "": FileModel,
    "settings": SettingsModel,
    "smtp": SmtpModel,
    "web": WebModel,
    "tasks": TasksModel,
    "feeds": FeedModel,
    "reports": ReportModel,
    "sections": SectionModel,
    "schedule": ScheduleModel,
    "period": PeriodModel,
    "relevance": RelevanceModel,
}

# Variables that are read from the environment only, never from the file (secrets, and the file itself).
ENVIRONMENT_ONLY: dict[str, str] = {
    "REPORTER_CONFIG": "The config file, instead of `--config` (default `./feeds.yaml`).",
    "REPORTER_SMTP_PASSWORD": "The SMTP password (never in the file).",
    "REPORTER_SECRET": "Signs unsubscribe links and tokens; required when a report has subscribers.",
    "REPORTER_ADMIN_TOKEN": "Bearer token that enables `POST /build/...` in `reporter serve`.",
    "REPORTER_SESSION_SECRET": "Signs the web app's session cookies (default: made from `REPORTER_SECRET`).",
}


def fields_at(path: tuple) -> list[str]:
    """The keys allowed at a path of the file (by the last mapping key on it), for 'did you mean'."""
    names = [p for p in path if isinstance(p, str)]
    model = MODELS.get(names[-1] if names else "")
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]
