"""Subscribers: validated addresses, no duplicates, per-report subscriptions, CSV import, the CLI."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reporter.deliver import make_token
from reporter.store.subscribers import SubscriberError, SubscriberRepo
from tests.deliver_support import SECRET, make_db


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> SubscriberRepo:
    return make_db(tmp_path, url=database_url).subscribers


def test_add_normalises_the_address_and_lists_it(repo: SubscriberRepo) -> None:
    sub = repo.add("Ann.Lee@Example.ORG", report="japan", name=" Ann Lee ", format="both")
    assert (sub.email, sub.name, sub.format) == ("Ann.Lee@example.org", "Ann Lee", "both")
    assert [(s.email, s.report) for s in repo.list()] == [("Ann.Lee@example.org", "japan")]


@pytest.mark.parametrize("bad", ["not-an-address", "ann@", "ann@@example.org", "ann@exa mple.org", ""])
def test_invalid_addresses_are_refused_with_the_reason(repo: SubscriberRepo, bad: str) -> None:
    with pytest.raises(SubscriberError, match="is not a valid email address") as err:
        repo.add(bad, report="japan")
    assert err.value.hint == "write it as name@example.org"


def test_a_duplicate_is_refused_whatever_its_case(repo: SubscriberRepo) -> None:
    repo.add("ann@example.org", report="japan")
    with pytest.raises(SubscriberError, match=re.escape("ann@example.org is already subscribed to 'japan'")):
        repo.add("ANN@EXAMPLE.ORG", report="japan")


def test_one_address_can_subscribe_to_several_reports(repo: SubscriberRepo) -> None:
    a = repo.add("ann@example.org", report="japan")
    b = repo.add("ann@example.org", report="korea", format="html")
    assert a.subscriber_id == b.subscriber_id
    assert [(s.report, s.format) for s in repo.list()] == [("japan", "pdf"), ("korea", "html")]
    assert [s.email for s in repo.active("korea")] == ["ann@example.org"]


def test_unknown_format_is_refused(repo: SubscriberRepo) -> None:
    with pytest.raises(SubscriberError, match="unknown format 'epub'"):
        repo.add("ann@example.org", report="japan", format="epub")


def test_remove_deletes_subscriptions_one_report_or_all(repo: SubscriberRepo) -> None:
    repo.add("ann@example.org", report="japan")
    repo.add("ann@example.org", report="korea")
    assert repo.remove("ann@example.org", report="korea") == 1
    assert [s.report for s in repo.list()] == ["japan"]
    assert repo.remove("ann@example.org") == 1
    assert repo.list() == []
    with pytest.raises(SubscriberError, match=re.escape("bob@example.org is not a subscriber")):
        repo.remove("bob@example.org")


def test_someone_who_unsubscribed_is_not_added_back_without_resubscribe(repo: SubscriberRepo) -> None:
    sub = repo.add("ann@example.org", report="japan")
    assert repo.unsubscribe(sub.subscriber_id, "japan")
    assert repo.list() == [] and repo.list(include_unsubscribed=True)[0].unsubscribed_at is not None
    with pytest.raises(SubscriberError, match="unsubscribed from 'japan' on") as err:
        repo.add("ann@example.org", report="japan")
    assert "--resubscribe" in err.value.hint
    assert repo.add("ann@example.org", report="japan", resubscribe=True).active


def test_import_adds_the_good_lines_and_lists_the_bad_ones(repo: SubscriberRepo, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,name,format\n"
        "ann@example.org,Ann Lee,both\n"
        "not-an-address,Nobody,\n"
        "\n"
        "bob@example.org,,\n"
        "ANN@example.org,Ann again,\n"
        "cy@example.org,Cy,epub\n",
        encoding="utf-8",
    )
    result = repo.import_csv(csv, report="japan")
    assert [(s.email, s.name, s.format) for s in result.added] == [
        ("ann@example.org", "Ann Lee", "both"),
        ("bob@example.org", None, "pdf"),
    ]
    # A second line for an address updates it (the last one wins), as a re-import does.
    assert [(s.email, s.name) for s in result.updated] == [("ann@example.org", "Ann again")]
    assert [(line, email) for line, email, _ in result.refused] == [
        (3, "not-an-address"),
        (7, "cy@example.org"),
    ]
    assert "unknown format" in result.refused[1][2]


def test_imported_subscriptions_record_their_consent_source(repo: SubscriberRepo, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("ann@example.org\n", encoding="utf-8")
    repo.import_csv(csv, report="japan")
    repo.add("bob@example.org", report="japan")
    by_email = {s.email: s for s in repo.list()}
    assert (by_email["ann@example.org"].consent_source, by_email["ann@example.org"].consent_note) == (
        "import",
        "people.csv",
    )
    assert by_email["ann@example.org"].consent_at is not None
    assert by_email["bob@example.org"].consent_source == "operator"


def test_importing_the_same_list_again_updates_instead_of_failing(
    repo: SubscriberRepo, tmp_path: Path
) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,format\nann@example.org,Ann,pdf\nbob@example.org,Bob,\n", encoding="utf-8")
    repo.import_csv(csv, report="japan")
    csv.write_text(
        "email,name,format\nann@example.org,Ann Lee,both\nbob@example.org,Bob,\n", encoding="utf-8"
    )
    again = repo.import_csv(csv, report="japan")
    assert (len(again.added), again.unchanged, again.refused) == (0, 1, ())
    assert [(s.email, s.name, s.format) for s in again.updated] == [("ann@example.org", "Ann Lee", "both")]
    assert len(repo.list()) == 2


def test_an_import_never_adds_back_someone_who_unsubscribed(repo: SubscriberRepo, tmp_path: Path) -> None:
    sub = repo.add("ann@example.org", report="japan")
    repo.unsubscribe(sub.subscriber_id, "japan")
    csv = tmp_path / "people.csv"
    csv.write_text("ann@example.org\n", encoding="utf-8")
    result = repo.import_csv(csv, report="japan")
    assert result.added == () and "an import does not add them back" in result.refused[0][2]
    assert repo.list() == []


def test_confirming_twice_subscribes_once_and_brings_back_someone_who_left(repo: SubscriberRepo) -> None:
    first, changed = repo.confirm("ann@example.org", report="japan", format="html")
    assert changed and (first.consent_source, first.format) == ("confirmed", "html")
    again, changed = repo.confirm("ANN@example.org", report="japan")
    assert not changed and again == first
    repo.unsubscribe(first.subscriber_id, "japan")
    back, changed = repo.confirm("ann@example.org", report="japan")
    assert changed and back.active and len(repo.list()) == 1


def test_search_finds_by_address_or_name_in_any_case(repo: SubscriberRepo) -> None:
    repo.add("ann@example.org", report="japan", name="Ann Lee")
    repo.add("bob@example.net", report="japan")
    assert [s.email for s in repo.search("LEE")] == ["ann@example.org"]
    assert [s.email for s in repo.search("example.net")] == ["bob@example.net"]
    assert len(repo.search("")) == 2


def test_import_without_a_header_reads_email_then_name(repo: SubscriberRepo, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("ann@example.org,Ann Lee\nbob@example.org\n", encoding="utf-8")
    result = repo.import_csv(csv, report="japan", format="html")
    assert [(s.email, s.name, s.format) for s in result.added] == [
        ("ann@example.org", "Ann Lee", "html"),
        ("bob@example.org", None, "html"),
    ]


# --- the command line -------------------------------------------------------------------------


def _cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


def test_cli_add_list_remove(project: Path) -> None:
    added = _cli("subscribers", "add", "ann@example.org", "--report", "japan", "--name", "Ann Lee")
    assert added.exit_code == 0, added.output
    assert "subscribed ann@example.org to japan (pdf)" in added.stdout
    listed = _cli("subscribers", "list")
    assert "japan" in listed.stdout and "ann@example.org  (Ann Lee)" in listed.stdout
    duplicate = _cli("subscribers", "add", "ann@example.org", "--report", "japan")
    assert duplicate.exit_code == 1
    assert "error: ann@example.org is already subscribed to 'japan'" in duplicate.stderr
    removed = _cli("subscribers", "remove", "ann@example.org")
    assert removed.exit_code == 0 and "removed 1 subscription(s)" in removed.stdout
    assert "no subscribers" in _cli("subscribers", "list").stdout


def test_cli_refuses_a_bad_address_and_an_unknown_report(project: Path) -> None:
    bad = _cli("subscribers", "add", "ann@", "--report", "japan")
    assert bad.exit_code == 1 and "is not a valid email address" in bad.stderr and "hint:" in bad.stderr
    unknown = _cli("subscribers", "add", "ann@example.org", "--report", "korea")
    assert unknown.exit_code == 1 and "no report named 'korea' (configured: japan)" in unknown.stderr


def test_cli_import_reports_refused_lines(project: Path) -> None:
    (project / "people.csv").write_text("ann@example.org\nnope\nbob@example.org\n", encoding="utf-8")
    result = _cli("subscribers", "import", "people.csv", "--report", "japan")
    assert result.exit_code == 0, result.output
    assert "imported 2 subscription(s), updated 0, unchanged 0; refused 1" in result.stdout
    assert "line 2: nope: 'nope' is not a valid email address" in result.stdout


def test_cli_export_writes_a_csv_that_import_reads_back(project: Path) -> None:
    _cli("subscribers", "add", "ann@example.org", "--report", "japan", "--name", "Lee, Ann", "-f", "both")
    exported = _cli("subscribers", "export", "--report", "japan")
    assert exported.exit_code == 0, exported.output
    lines = exported.stdout.splitlines()
    assert (
        lines[0] == "email,name,report,format,status,subscribed,unsubscribed,consent,consent_at,consent_note"
    )
    assert lines[1].startswith('ann@example.org,"Lee, Ann",japan,both,active,')
    row = next(csv.DictReader(lines))
    assert (row["consent"], row["consent_note"], row["unsubscribed"]) == ("operator", "command line", "")
    written = _cli("subscribers", "export", "-o", "out.csv")
    assert written.exit_code == 0 and "wrote 1 subscription(s) to out.csv" in written.stdout
    again = _cli("subscribers", "import", "out.csv", "--report", "japan")
    assert "imported 0 subscription(s), updated 0, unchanged 1; refused 0" in again.stdout


def test_cli_unsubscribe_acts_on_a_mailed_token(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    _cli("subscribers", "add", "ann@example.org", "--report", "japan")
    token = make_token(SECRET, 1, "japan")
    done = _cli("subscribers", "unsubscribe", f"unsubscribe {token}")
    assert done.exit_code == 0 and "ann@example.org unsubscribed from japan" in done.stdout
    forged = _cli("subscribers", "unsubscribe", token[:-2] + "xx")
    assert forged.exit_code == 1 and "not valid" in forged.stderr
