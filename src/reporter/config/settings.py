"""The validated configuration as the rest of the program sees it: frozen dataclasses, paths resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reporter.config.schema import DEFAULT_USER_AGENT
from reporter.errors import ConfigError
from reporter.models import FeedSpec, ReportSpec


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server and sign what is sent; the password and secret come only from env."""

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
    secret: str | None = field(default=None, repr=False)  # REPORTER_SECRET: signs unsubscribe links
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
    allow_private_networks: bool = False
    ingest_timeout: float = 900.0
    pdf_timeout: float = 300.0
    pdf_memory_mb: int = 2048
    max_entry_chars: int = 200_000
    analysis_workers: int = 0  # 0: one per core


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The web app's settings from `web:` (secrets other than the password hash come from the environment)."""

    admin_password_hash: str | None = field(default=None, repr=False)
    session_hours: float = 12.0
    confirm_hours: float = 48.0
    login_attempts: int = 5
    login_window_minutes: float = 15.0
    subscribe_attempts: int = 5
    subscribe_window_minutes: float = 10.0


@dataclass(frozen=True, slots=True)
class TasksConfig:
    """`tasks:` inline (the scheduler runs jobs itself) or procrastinate (workers run them)."""

    queue: str = "inline"
    delivery_batch: int = 50
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0
    sweep_seconds: int = 10

    @property
    def on_workers(self) -> bool:
        """Whether jobs go to the task queue, for `reporter worker` processes to run."""
        return self.queue != "inline"


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    settings: Settings
    feeds: tuple[FeedSpec, ...]
    reports: tuple[ReportSpec, ...]
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebConfig = field(default_factory=WebConfig)
    tasks: TasksConfig = field(default_factory=TasksConfig)

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
