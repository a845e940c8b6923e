"""`reporter send` and the unsubscribe tokens: what an operator sees."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner, Result

from reporter.deliver import make_token, secret_from_env, verify_token
from reporter.errors import DeliveryError
from tests.deliver_support import NOW, SECRET, TINY_PDF, SmtpServer


def _cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


@pytest.fixture
def built(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The scratch project with japan 2025-11 built (JSON + PDF on disk, a `builds` row) and 2 subscribers."""
    from reporter.config import load_config
    from reporter.render import render_json
    from reporter.store import Store
    from reporter.store.schema import builds
    from tests.render_fixtures import report

    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    cfg = load_config(project / "feeds.yaml")
    folder = cfg.settings.output_dir / "japan" / "2025-11"
    folder.mkdir(parents=True)
    (folder / "japan-2025-11.json").write_text(render_json(report()), encoding="utf-8")
    shutil.copy(TINY_PDF, folder / "japan-2025-11.pdf")
    files = {fmt: str(folder / f"japan-2025-11.{fmt}") for fmt in ("json", "pdf")}
    store = Store.open(cfg.settings.database_url)
    with store.engine.begin() as conn:
        conn.execute(
            insert(builds).values(
                report="japan",
                period="2025-11",
                status="done",
                attempt=1,
                started_at=NOW,
                files=json.dumps(files),
            )
        )
    store.close()
    for email in ("ann@example.org", "bob@example.org"):
        assert _cli("subscribers", "add", email, "--report", "japan").exit_code == 0
    return project


def test_send_delivers_and_a_second_send_sends_nothing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SmtpServer() as server:
        monkeypatch.setenv("REPORTER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REPORTER_SMTP_PORT", str(server.port))
        monkeypatch.setenv("REPORTER_SMTP_STARTTLS", "0")
        first = _cli("send", "japan", "--period", "2025-11")
        assert first.exit_code == 0, first.output
        assert "japan 2025-11: sent 2, already sent 0, failed 0" in first.stdout
        again = _cli("send", "japan", "--period", "2025-11")
        assert again.exit_code == 0 and "sent 0, already sent 2" in again.stdout
    assert len(server.handler.received) == 2
    msg = server.handler.received[0].message
    assert msg["Subject"] == "Country Report: Japan (November 2025)"
    assert [a.get_filename() for a in msg.iter_attachments()] == ["japan-2025-11.pdf"]
    runs = _cli("runs", "--json")
    assert '"kind": "send"' in runs.stdout


def test_send_dry_run_writes_eml_files(built: Path) -> None:
    result = _cli("send", "japan", "--period", "2025-11", "--dry-run", "outbox")
    assert result.exit_code == 0, result.output
    assert "dry run: wrote 2 message(s) to outbox" in result.stdout
    assert sorted(p.name for p in (built / "outbox").iterdir()) == [
        "000001-ann@example.org.eml",
        "000002-bob@example.org.eml",
    ]


def test_send_to_a_refused_port_exits_1_naming_host_port_with_a_hint(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import closed_port

    port = closed_port()
    monkeypatch.setenv("REPORTER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REPORTER_SMTP_PORT", str(port))
    monkeypatch.setenv("REPORTER_SMTP_STARTTLS", "false")
    (built / "feeds.yaml").write_text(
        (built / "feeds.yaml").read_text(encoding="utf-8")
        + "\nsmtp:\n  retry_after: 0.01\n  max_attempts: 2\n",
        encoding="utf-8",
    )
    result = _cli("send", "japan", "--period", "2025-11")
    assert result.exit_code == 1
    assert f"error: cannot connect to SMTP server 127.0.0.1:{port}: Connection refused" in result.stderr
    assert "hint: is a mail server listening on" in result.stderr
    assert "waiting 2" in result.stdout


def test_send_of_a_period_not_built_says_to_build_it(built: Path) -> None:
    result = _cli("send", "japan", "--period", "2025-10")
    assert result.exit_code == 1
    assert "japan 2025-10 has not been built" in result.stderr
    assert "reporter build japan --period 2025-10" in result.stderr


def test_send_without_a_secret_says_how_to_make_one(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPORTER_SECRET")
    result = _cli("send", "japan", "--period", "2025-11", "--dry-run", "outbox")
    assert result.exit_code == 1
    assert "REPORTER_SECRET is not set" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in result.stderr


# --- tokens -----------------------------------------------------------------------------------


def test_tokens_round_trip_and_resist_tampering() -> None:
    token = make_token(SECRET, 42, "japan")
    assert verify_token(SECRET, token).subscriber_id == 42
    payload, mac = token.split(".")
    forged = make_token("x" * 32, 43, "japan").split(".")[0] + "." + mac
    for bad in (forged, payload, token + "x", "", "..", "%%%.%%%", token.replace(".", "")):
        assert verify_token(SECRET, bad) is None, bad
    assert verify_token("y" * 32, token) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(DeliveryError, match="too short"):
        secret_from_env({"REPORTER_SECRET": "abc"})
    assert secret_from_env({"REPORTER_SECRET": SECRET}) == SECRET


def test_dkim_and_retry_settings_come_from_feeds_yaml_and_the_environment(project: Path) -> None:
    from reporter.config import load_config

    (project / "feeds.yaml").write_text(
        (project / "feeds.yaml").read_text(encoding="utf-8")
        + "\nsmtp:\n  dkim_key_file: keys/dkim.pem\n  dkim_selector: mail\n"
        + "  per_second: 2\n  retry_within: 30\n",
        encoding="utf-8",
    )
    smtp = load_config(project / "feeds.yaml", env={"REPORTER_DKIM_DOMAIN": "example.org"}).smtp
    assert smtp.dkim_key_file == project / "keys" / "dkim.pem"  # relative to feeds.yaml's folder
    assert (smtp.dkim_selector, smtp.dkim_domain) == ("mail", "example.org")
    assert (smtp.per_second, smtp.retry_within, smtp.max_attempts) == (2.0, 30.0, 5)
    env = {"REPORTER_DKIM_SELECTOR": "s2", "REPORTER_DKIM_KEY_FILE": "/etc/dkim.pem"}
    smtp = load_config(project / "feeds.yaml", env=env).smtp
    assert (smtp.dkim_selector, smtp.dkim_key_file) == ("s2", Path("/etc/dkim.pem"))
