"""`reporter check` catches what a newcomer gets wrong: seeds, mail identity and links, servers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reporter.check import mail_findings
from tests.deliver_support import SECRET, SmtpServer
from tests.feeds_support import serve


def cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


def add_smtp(project: Path, block: str) -> None:
    path = project / "feeds.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")


def finding(result: Result, name: str) -> str:
    lines = [line.strip() for line in result.stdout.splitlines() if f" {name}: " in line]
    assert len(lines) == 1, result.stdout
    return lines[0]


# --- reports ------------------------------------------------------------------------------------


def set_reports(project: Path, reports: str) -> None:
    """Replace the `reports:` list of the project's feeds.yaml (the last key of the file)."""
    path = project / "feeds.yaml"
    head, _, _ = path.read_text(encoding="utf-8").partition("\nreports:\n")
    path.write_text(f"{head}\nreports:{reports}\n", encoding="utf-8")


def test_a_configuration_without_reports_is_a_warning_with_an_example_to_add(project: Path) -> None:
    set_reports(project, " []")
    result = cli("check")
    assert result.exit_code == 0  # valid, and a new project may be half-written: not a failure
    line = finding(result, "reports")
    assert line.startswith("warn reports: `reports:` is empty, so nothing is ever built, scheduled or sent")
    assert "(hint: add a report under `reports:` in feeds.yaml, e.g. `- {slug: japan," in line
    assert "seeds: no report reads seed documents (no reports are configured)" in result.stdout


def test_the_example_in_the_hint_is_a_report_the_check_accepts(project: Path) -> None:
    from reporter.check.reports import EXAMPLE

    set_reports(project, "\n  " + EXAMPLE)
    result = cli("check")
    assert result.exit_code == 0
    assert finding(result, "reports") == "ok   reports: 1 configured: japan"


def test_a_report_that_reads_no_feed_and_no_seeds_is_a_warning(project: Path) -> None:
    silent = "{slug: japan, subject: JP, seeds: false, feeds: [], sections: [{name: Overview}]}"
    set_reports(project, "\n  - " + silent)
    result = cli("check")
    assert result.exit_code == 0
    line = finding(result, "reports")
    assert line.startswith("warn reports: japan reads no enabled feed and no seed documents")
    assert "set seeds: true" in line


def test_the_reports_finding_is_in_the_json_too(project: Path) -> None:
    set_reports(project, " []")
    result = cli("check", "--json")
    found = {f["name"]: f for f in json.loads(result.stdout)}
    assert found["reports"]["ok"] is False and found["reports"]["required"] is False
    assert "add a report under `reports:`" in found["reports"]["hint"]


# --- seeds --------------------------------------------------------------------------------------


def test_a_wrong_seeds_dir_fails_the_check_when_a_report_reads_seeds(project: Path) -> None:
    shutil.rmtree(project / "seeds")
    result = cli("check")
    assert result.exit_code == 1
    line = finding(result, "seeds")
    assert line.startswith("FAIL seeds:") and "is not a folder, but japan read seed documents" in line
    assert "settings.seeds_dir" in line


def test_an_empty_seeds_folder_is_a_warning(project: Path) -> None:
    for f in (project / "seeds").iterdir():
        shutil.rmtree(f) if f.is_dir() else f.unlink()
    result = cli("check")
    assert result.exit_code == 0
    assert finding(result, "seeds").startswith("warn seeds: no seed documents in")


# --- mail identity and links ----------------------------------------------------------------------


def test_without_an_smtp_block_check_warns_of_localhost_no_links_and_no_secret(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTER_SECRET", raising=False)
    result = cli("check")
    assert result.exit_code == 0  # nobody subscribes yet: warnings, not failures
    assert finding(result, "mail links").startswith("warn mail links: smtp.base_url is not set")
    assert "reports@localhost" in finding(result, "mail sender")
    assert finding(result, "unsubscribe secret").startswith(
        "warn unsubscribe secret: REPORTER_SECRET is not set"
    )


def test_with_subscribers_a_missing_secret_and_a_localhost_sender_fail(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTER_SECRET", raising=False)
    assert cli("subscribers", "add", "ann@example.org", "--report", "japan").exit_code == 0
    result = cli("check")
    assert result.exit_code == 1
    assert finding(result, "unsubscribe secret").startswith("FAIL unsubscribe secret:")
    assert "japan has subscribers" in finding(result, "unsubscribe secret")
    assert finding(result, "mail sender").startswith("FAIL mail sender:")


def test_an_http_base_url_gets_links_but_is_told_one_click_needs_https(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    add_smtp(project, "smtp:\n  from: reports@example.org\n  base_url: http://reports.example.org\n")
    result = cli("check")
    assert result.exit_code == 0
    assert "is not https" in finding(result, "mail links") and "one-click" in finding(result, "mail links")
    assert finding(result, "mail sender") == "ok   mail sender: from reports@example.org"
    assert finding(result, "unsubscribe secret").startswith("ok")


def test_a_complete_identity_passes() -> None:
    from reporter.config import SmtpSettings

    smtp = SmtpSettings(from_addr="Reports <reports@example.org>", base_url="https://reports.example.org")
    findings = mail_findings(smtp, {"REPORTER_SECRET": SECRET}, {"japan": 3})
    assert all(f.ok for f in findings), findings


def test_send_dry_run_says_the_same_before_writing_anything(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    result = cli("send", "japan", "--period", "2025-11", "--dry-run", "outbox")
    assert "warning: mail links: smtp.base_url is not set" in result.stderr
    assert "warning: mail sender: mail goes out from reports@localhost" in result.stderr
    # The warnings come first, then the (here: handled) error about the missing build.
    assert result.stderr.index("warning: mail links") < result.stderr.index("error:")
    assert not (project / "outbox").exists()


# --- online -------------------------------------------------------------------------------------


def test_check_online_fetches_each_feed_once(project: Path) -> None:
    from reporter.check.online import feed_findings
    from reporter.config import load_config

    with serve() as feeds:
        feeds.file("/good.xml", "rss20.xml")
        feeds.file("/page.xml", "page.html", "text/html")
        (project / "feeds.yaml").write_text(
            f"""
feeds:
  - {{name: good, url: "{feeds.url("/good.xml")}"}}
  - {{name: page, url: "{feeds.url("/page.xml")}"}}
  - {{name: gone, url: "{feeds.url("/missing.xml")}"}}
  - {{name: paused, url: "{feeds.url("/off.xml")}", enabled: false}}
reports: [{{slug: japan, subject: JP, sections: [{{name: Overview}}]}}]
""",
            encoding="utf-8",
        )
        # Loopback is refused unless the operator allows private networks, as ingest does.
        found = feed_findings(load_config("feeds.yaml", {"REPORTER_ALLOW_PRIVATE_NETWORKS": "1"}))
        assert [r.path for r in feeds.requests] == ["/good.xml", "/page.xml", "/missing.xml"]  # once each
    by_name = {f.name: f for f in found}
    assert list(by_name) == ["feed good", "feed page", "feed gone"]
    assert by_name["feed good"].ok and by_name["feed good"].detail.endswith("entries")
    assert not by_name["feed page"].ok and "HTML page" in by_name["feed page"].detail
    assert not by_name["feed gone"].ok and "404" in by_name["feed gone"].detail
    assert not any(f.required for f in found if not f.ok)  # a warning: builds carry on without the feed


def test_check_online_greets_the_smtp_server_and_sends_nothing(project: Path) -> None:
    with SmtpServer() as smtp:
        add_smtp(project, f"smtp: {{host: 127.0.0.1, port: {smtp.port}, starttls: false}}\n")
        result = cli("check", "--online")
    line = finding(result, "SMTP server")
    assert line == f"ok   SMTP server: 127.0.0.1:{smtp.port} answered EHLO", result.stdout
    assert smtp.handler.received == []
    # The shipped feeds point at a closed loopback port here: each is tried once and warned about.
    assert result.stdout.count("  warn feed ") == 8


def test_check_online_fails_on_an_smtp_server_that_is_not_there(project: Path) -> None:
    from tests.conftest import closed_port

    add_smtp(project, f"smtp: {{host: 127.0.0.1, port: {closed_port()}, starttls: false}}\n")
    result = cli("check", "--online")
    assert result.exit_code == 1
    line = finding(result, "SMTP server")
    assert line.startswith("FAIL SMTP server: cannot reach 127.0.0.1:") and "hint: check smtp.host" in line


# --- feeds.yaml in one pass ---------------------------------------------------------------------


def test_check_lists_type_errors_and_the_problems_beyond_types_in_one_pass(project: Path) -> None:
    path = project / "feeds.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("    subject: JP\n", "    subject: NK\n    max_paragraphs: many\n"),
        ('cron: "0 6 1 * *"', 'cron: "61 25 * * *"'),
        ("timezone: Asia/Tokyo", "timezone: Asia/Tokio"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    result = cli("check")
    assert result.exit_code == 1
    said = result.stderr
    assert f"{path.name}: 4 problems:" in said
    assert (
        f"line {line_of('subject: NK')}: reports[0].subject: unknown country code 'NK' (did you mean KP?"
        in said
    )
    assert (
        f"line {line_of('max_paragraphs')}: reports[0].max_paragraphs: Input should be a valid integer"
        in said
    )
    assert (
        f"line {line_of('cron:')}: reports[0].schedule.cron: bad cron line '61 25 * * *': "
        "minute 61 is not in 0-59; hour 25 is not in 0-23"
    ) in said
    assert (
        f"line {line_of('timezone:')}: reports[0].schedule.timezone: unknown time zone 'Asia/Tokio' "
        "(did you mean Asia/Tokyo?)"
    ) in said
    assert "hint: fix the lines above" in said and "Traceback" not in result.output


def test_a_broken_seeds_manifest_is_named_by_line_and_ingest_still_reads_every_seed(project: Path) -> None:
    manifest = project / "seeds" / "seeds.yaml"
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good + "001_68c7ef664bad3911.txt:\n  date: 2025-13-45\n", encoding="utf-8")
    bad_line = len(good.splitlines()) + 2
    checked = cli("check")
    assert checked.exit_code == 1
    line = finding(checked, "seeds")
    assert (
        line.startswith("FAIL seeds:")
        and (
            f"seeds.yaml: line {bad_line}: 001_68c7ef664bad3911.txt: date 2025-13-45: not a date "
            "(month must be in 1..12); write YYYY-MM-DD"
        )
        in line
    )
    ingested = cli("ingest")  # the manifest's failure is one line; the five seeds are still read
    assert "Traceback" not in ingested.output and ingested.exception is None
    assert f"failed: {manifest}: line {bad_line}:" in ingested.stdout
    assert "ingest: 5 new item(s)" in ingested.stdout

    manifest.write_text(good.replace("  date: 2025-11-14\n", "  date: 2025-11-14\n  date: 2025-11-15\n", 1))
    twice = finding(cli("check"), "seeds")
    assert "date: given twice (lines 9 and 10); keep one" in twice and twice.startswith("FAIL seeds:")
    manifest.write_text(good, encoding="utf-8")
    assert (
        finding(cli("check"), "seeds")
        == f"ok   seeds: 5 file(s) in {project / 'seeds'}, 4 described in seeds.yaml"
    )
