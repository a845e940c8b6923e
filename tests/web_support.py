"""Test helpers for the web app: a scratch project, the operator's password, forms' CSRF tokens."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from reporter.pipeline import open_context
from reporter.web import create_app

REPO = Path(__file__).resolve().parents[1]
SECRET = "a-test-secret-of-32-characters!!"
ADMIN = "the-admin-token"
PASSWORD = "correct horse battery staple"
FEEDS_YAML = """\
reports:
  - slug: japan
    subject: JP
    sections:
      - name: Overview
      - name: Russia and Ukraine
        members: [RU, UA]
feeds: []
"""


@functools.cache
def password_hash() -> str:
    """An argon2id hash of PASSWORD, with cheap parameters (the hash carries them) so tests run fast."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def make_project(root: Path, *, smtp_port: int | None = None) -> tuple[Path, dict[str, str]]:
    """One seed (Geopolitical Monitor, November 10, 2025) and a one-report feeds.yaml; the env to use."""
    (root / "seeds").mkdir(parents=True)
    shutil.copy(REPO / "seeds" / "001_68c7ef664bad3911.txt", root / "seeds")
    (root / "feeds.yaml").write_text(FEEDS_YAML, encoding="utf-8")
    env = {
        "REPORTER_DATA_DIR": str(root / "data"),
        "REPORTER_OUTPUT_DIR": str(root / "output"),
        "REPORTER_SECRET": SECRET,
        "REPORTER_ADMIN_TOKEN": ADMIN,
        "REPORTER_ADMIN_PASSWORD_HASH": password_hash(),
    }
    if smtp_port is not None:
        env |= {
            "REPORTER_SMTP_HOST": "127.0.0.1",
            "REPORTER_SMTP_PORT": str(smtp_port),
            "REPORTER_SMTP_STARTTLS": "0",
            "REPORTER_SMTP_FROM": "Country Reports <reports@example.org>",
        }
    return root / "feeds.yaml", env


def client_for(
    project: tuple[Path, dict[str, str]],
    env_changes: dict[str, str | None] | None = None,
    **overrides: object,
) -> TestClient:
    """A TestClient over the project, some environment variables changed (None removes one)."""
    config, env = project
    env = {k: v for k, v in {**env, **(env_changes or {})}.items() if v is not None}
    return TestClient(create_app(config, env, **overrides))


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = _CSRF_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def login(client: TestClient, password: str = PASSWORD) -> object:
    """Log the client in as the operator through the login form; the response."""
    token = csrf_of(client.get("/admin/login").text)
    return client.post(
        "/admin/login",
        data={"password": password, "csrf_token": token, "next": "/admin"},
        follow_redirects=False,
    )


def subscribe_directly(project: tuple[Path, dict[str, str]], email: str) -> int:
    """Subscribe an address to the japan report directly in the store; its subscriber id."""
    config, env = project
    ctx = open_context(config, env)
    try:
        return ctx.store.subscribers.add(email, report="japan").subscriber_id
    finally:
        ctx.close()


def is_subscribed(project: tuple[Path, dict[str, str]], subscriber_id: int) -> bool:
    """Whether the subscriber still receives the japan report."""
    config, env = project
    ctx = open_context(config, env)
    try:
        found = ctx.store.subscribers.get(subscriber_id, "japan")
        return found is not None and found.active
    finally:
        ctx.close()
