"""Delivering a built report by email: message structure, retries, failures, the outbox, dry runs.

Every test sends through a real aiosmtpd server on 127.0.0.1 and parses what it received back
with the email package.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from reporter.deliver import deliver, verify_token
from reporter.errors import DeliveryError
from reporter.store.deliveries import FAILED, PENDING, SENDING, SENT
from tests.deliver_support import (
    FAST,
    NOW,
    SECRET,
    TINY_PDF,
    Handler,
    SmtpServer,
    add_subscribers,
    make_db,
)
from tests.render_fixtures import report as sample_report


def send(db, server: SmtpServer, *, report=None, files=None, policy=FAST, **kwargs):
    """deliver() with the test defaults."""
    return deliver(
        report or sample_report(),
        {"pdf": TINY_PDF} if files is None else files,
        build_id=db.build_id,
        subscribers=db.subscribers,
        outbox=db.outbox,
        smtp=kwargs.pop("smtp", None) or server.settings(),
        secret=SECRET,
        now=NOW,
        policy=policy,
        **kwargs,
    )


# --- the message ------------------------------------------------------------------------------


def test_each_subscriber_gets_a_multipart_message_with_text_inlined_html_and_the_pdf(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan", name="Ann Lee", format="pdf")
    with SmtpServer() as server:
        result = send(db, server)
    assert result.sent == 1 and result.ok
    [got] = server.handler.received
    assert got.rcpt_to == ["ann@example.org"]
    assert got.mail_from == "reports@example.org"
    msg = got.message
    assert msg["Subject"] == "Country Report: Japan (November 2025)"
    assert msg["From"] == "Country Reports <reports@example.org>"
    assert msg["To"] == "Ann Lee <ann@example.org>"
    assert msg["Reply-To"] == "editor@example.org"
    assert msg["Date"] == "Mon, 01 Dec 2025 06:00:00 +0000"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Country Report: Japan (November 2025)" in text
    # The CSS is inlined: no <style> left for a mail client to drop, style attributes instead.
    assert "<style" not in html
    assert re.search(r'<h1 style="[^"]+">', html)

    [pdf] = list(msg.iter_attachments())
    assert pdf.get_filename() == "tiny-report.pdf"
    data = pdf.get_content()
    assert data == TINY_PDF.read_bytes()
    (tmp_path / "got.pdf").write_bytes(data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "got.pdf")], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M)


def test_message_id_is_stable_per_build_and_subscriber(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    sub = db.subscribers.add("ann@example.org", report="japan")
    with SmtpServer() as server:
        send(db, server)
    msg = server.handler.received[0].message
    assert msg["Message-ID"] == f"<japan.2025-11.b{db.build_id}.s{sub.subscriber_id}@example.org>"
    assert db.outbox.get(db.build_id, sub.subscriber_id).message_id == msg["Message-ID"]


def test_list_unsubscribe_offers_https_and_mailto_with_a_signed_token_and_one_click(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    sub = db.subscribers.add("ann@example.org", report="japan")
    with SmtpServer() as server:
        send(db, server)
    msg = server.handler.received[0].message
    header = msg["List-Unsubscribe"]
    https, mailto = re.findall(r"<([^>]+)>", header)
    assert https.startswith("https://reports.example.org/unsubscribe?token=")
    assert mailto.startswith("mailto:reports@example.org?subject=unsubscribe%20")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = https.partition("token=")[2]
    assert mailto.endswith(token)
    request = verify_token(SECRET, token)
    assert request is not None and (request.subscriber_id, request.report) == (sub.subscriber_id, "japan")
    # The same link is in the body, for people rather than mail clients.
    assert https in msg.get_body(("plain",)).get_content()
    assert https in msg.get_body(("html",)).get_content()
    assert verify_token("another-secret-of-enough-length", token) is None


def test_without_a_base_url_only_the_mailto_is_offered_and_no_one_click(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan")
    with SmtpServer() as server:
        send(db, server, smtp=server.settings(base_url=None, unsubscribe_to="leave@example.org"))
    msg = server.handler.received[0].message
    assert re.fullmatch(
        r"<mailto:leave@example\.org\?subject=unsubscribe%20[\w.-]+>", msg["List-Unsubscribe"]
    )
    assert msg["List-Unsubscribe-Post"] is None


def test_html_subscribers_get_no_attachment(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan", format="html")
    html_file = tmp_path / "japan-2025-11.html"
    html_file.write_text("<html></html>")
    with SmtpServer() as server:
        send(db, server, files={"pdf": TINY_PDF, "html": html_file})
    msg = server.handler.received[0].message
    assert msg.get_content_type() == "multipart/alternative"
    assert list(msg.iter_attachments()) == []
    assert (
        "https://reports.example.org/japan/2025-11/japan-2025-11.html"
        in msg.get_body(("plain",)).get_content()
    )


def test_a_pdf_over_the_size_limit_is_linked_instead_of_attached(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan", format="both")
    with SmtpServer() as server:
        send(db, server, smtp=server.settings(max_attachment_mb=0.001))  # ~1 kB; the PDF is ~6 kB
    msg = server.handler.received[0].message
    assert list(msg.iter_attachments()) == []
    assert (
        "https://reports.example.org/japan/2025-11/tiny-report.pdf" in msg.get_body(("plain",)).get_content()
    )


def test_dkim_signature_verifies_and_covers_both_unsubscribe_headers(tmp_path: Path) -> None:
    import dkim

    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(key), "1024"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan")
    with SmtpServer() as server:
        smtp = server.settings(dkim_key_file=key, dkim_selector="mail", dkim_domain="example.org")
        send(db, server, smtp=smtp)
    data = server.handler.received[0].data
    assert data.startswith(b"DKIM-Signature:")

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail._domainkey.example.org."
        return record

    assert dkim.verify(data, dnsfunc=dns)
    signed = re.search(rb"h=([^;]+);", data.replace(b"\r\n", b"").replace(b" ", b"")).group(1).lower()
    assert b"list-unsubscribe" in signed.split(b":") and b"list-unsubscribe-post" in signed.split(b":")


def test_half_configured_dkim_is_an_error_before_anything_is_sent(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.subscribers.add("ann@example.org", report="japan")
    with SmtpServer() as server, pytest.raises(DeliveryError, match="DKIM is half configured") as err:
        send(db, server, smtp=server.settings(dkim_selector="mail"))
    assert "key file" in str(err.value) and server.handler.received == []


# --- retries and failures ---------------------------------------------------------------------


def test_a_451_is_retried_with_backoff_and_then_delivered_once(tmp_path: Path, database_url: str) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 3)
    handler = Handler(rcpt_replies={emails[1]: ["451 4.7.1 Greylisted, try again later"]})
    with SmtpServer(handler) as server:
        result = send(db, server)
    assert result.ok and result.sent == 3
    assert handler.rcpt_seen.count(emails[1]) == 2
    assert len(handler.to(emails[1])) == 1
    row = db.outbox.get(db.build_id, db.subscribers.list("japan")[1].subscriber_id)
    assert (row.status, row.attempts) == (SENT, 2)


def test_a_550_fails_that_subscriber_for_good_and_the_others_carry_on(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 3)
    handler = Handler(rcpt_replies={emails[0]: ["550 5.1.1 No such user"] * 3})
    with SmtpServer(handler) as server:
        result = send(db, server)
    assert result.sent == 2
    assert [(f.email, f.error) for f in result.failed] == [(emails[0], "550 5.1.1 No such user")]
    assert handler.rcpt_seen.count(emails[0]) == 1  # not retried
    assert sorted(a for r in handler.received for a in r.rcpt_to) == emails[1:]
    statuses = {d.subscriber_id: (d.status, d.last_error) for d in db.outbox.for_build(db.build_id)}
    assert sorted(s for s, _ in statuses.values()) == [FAILED, SENT, SENT]
    # A later run does not try the failed one again.
    with SmtpServer(handler) as server:
        again = send(db, server)
    assert again.sent == 0 and again.already_sent == 2 and handler.rcpt_seen.count(emails[0]) == 1


def test_a_server_closing_the_connection_mid_batch_is_reconnected_and_the_rest_carry_on(
    tmp_path: Path,
    database_url: str,
) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 4)
    handler = Handler(rcpt_replies={emails[1]: ["421 4.7.0 Too many messages, closing connection"]})
    with SmtpServer(handler) as server:
        result = send(db, server)
    assert result.ok and result.sent == 4
    assert sorted(a for r in handler.received for a in r.rcpt_to) == emails


def test_temporary_failures_that_never_clear_fail_after_max_attempts(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    [email] = add_subscribers(db, 1)
    handler = Handler(rcpt_replies={email: ["452 4.2.2 Mailbox full"] * 10})
    with SmtpServer(handler) as server:
        result = send(db, server)
    assert handler.rcpt_seen.count(email) == FAST.max_attempts
    assert result.failed[0].error == "gave up after 3 attempts: 452 4.2.2 Mailbox full"


def test_deferred_rows_wait_for_the_next_run_when_the_run_runs_out_of_patience(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    [email] = add_subscribers(db, 1)
    handler = Handler(rcpt_replies={email: ["451 4.3.0 Try later"]})
    with SmtpServer(handler) as server:
        first = send(db, server, policy=replace(FAST, first_backoff=60.0))
        assert first.pending == 1 and first.deferred[0].error == "451 4.3.0 Try later" and not first.ok
        row = db.outbox.for_build(db.build_id)[0]
        assert row.status == PENDING and row.next_attempt_at is not None
        # Not due yet: a run now sends nothing.
        assert send(db, server, policy=replace(FAST, patience=0.0)).sent == 0
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE deliveries SET next_attempt_at = NULL")
        assert send(db, server).sent == 1
    assert len(handler.to(email)) == 1


def test_a_refused_connection_names_host_and_port_with_a_hint_and_leaves_everyone_pending(
    tmp_path: Path,
    database_url: str,
) -> None:
    from tests.conftest import closed_port

    db = make_db(tmp_path, url=database_url)
    add_subscribers(db, 2)
    port = closed_port()
    server = SmtpServer(port=port)  # not started
    result = send(db, server, smtp=server.settings())
    assert result.error == f"cannot connect to SMTP server 127.0.0.1:{port}: Connection refused"
    assert "REPORTER_SMTP_HOST" in result.hint and "--dry-run" in result.hint
    assert result.pending == 2 and result.sent == 0 and not result.failed
    assert {d.status for d in db.outbox.for_build(db.build_id)} == {PENDING}
    # Once the server is up, the next run delivers to everyone.
    with server:
        assert send(db, server).sent == 2


# --- the outbox -------------------------------------------------------------------------------


def test_running_again_sends_nothing_twice(tmp_path: Path, database_url: str) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 3)
    with SmtpServer() as server:
        assert send(db, server).sent == 3
        db.subscribers.add("late@example.org", report="japan")
        again = send(db, server)
    assert (again.sent, again.already_sent) == (1, 3)
    assert sorted(a for r in server.handler.received for a in r.rcpt_to) == sorted(
        [*emails, "late@example.org"]
    )


def test_a_row_left_sending_by_a_crash_is_not_resent_unless_asked(tmp_path: Path, database_url: str) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 2)
    subs = db.subscribers.list("japan")
    db.outbox.enqueue(db.build_id, [s.subscriber_id for s in subs], now=NOW)
    row = db.outbox.get(db.build_id, subs[0].subscriber_id)
    assert db.outbox.claim(row.id, message_id="<x@example.org>", now=NOW)  # ...and then the process died
    with SmtpServer() as server:
        result = send(db, server)
        assert result.unknown == (emails[0],) and result.sent == 1 and not result.ok
        assert db.outbox.get(db.build_id, subs[0].subscriber_id).status == SENDING
        retried = send(db, server, retry_unknown=True)
    assert retried.sent == 1 and retried.unknown == ()
    assert [a for r in server.handler.received for a in r.rcpt_to] == [emails[1], emails[0]]


def test_unsubscribed_readers_are_skipped(tmp_path: Path, database_url: str) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 2)
    db.subscribers.unsubscribe(db.subscribers.list("japan")[0].subscriber_id, "japan")
    with SmtpServer() as server:
        send(db, server)
    assert [a for r in server.handler.received for a in r.rcpt_to] == [emails[1]]


def test_rate_limit_spaces_the_messages(tmp_path: Path, database_url: str) -> None:
    import time

    db = make_db(tmp_path, url=database_url)
    add_subscribers(db, 4)
    with SmtpServer() as server:
        start = time.monotonic()
        send(db, server, policy=replace(FAST, per_second=20.0))
        elapsed = time.monotonic() - start
    assert elapsed >= 3 / 20.0


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_writes_eml_files_and_changes_nothing(tmp_path: Path, database_url: str) -> None:
    from email import message_from_bytes, policy

    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 2)
    with SmtpServer() as server:
        result = send(db, server, dry_run_dir=tmp_path / "out")
    assert server.handler.received == []
    assert db.outbox.for_build(db.build_id) == []
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert [Path(p) for p in result.written] == files and len(files) == 2
    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["To"] == emails[0] and msg["Subject"] == "Country Report: Japan (November 2025)"


def test_starttls_required_but_not_offered_stops_the_run_with_a_hint(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    add_subscribers(db, 1)
    with SmtpServer() as server:
        result = send(db, server, smtp=server.settings(starttls=True))
    assert result.error == f"SMTP server 127.0.0.1:{server.port} does not offer STARTTLS"
    assert "smtp.starttls: false" in result.hint
    assert result.pending == 1 and server.handler.received == []


def test_a_user_without_password_is_told_where_the_password_comes_from(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    add_subscribers(db, 1)
    with SmtpServer() as server:
        result = send(db, server, smtp=server.settings(user="reports"))
    assert result.error == "smtp.user is 'reports' but no password is set"
    assert "REPORTER_SMTP_PASSWORD" in result.hint


def test_a_reader_who_leaves_while_deferred_is_not_retried(tmp_path: Path, database_url: str) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, 2)
    handler = Handler(rcpt_replies={emails[0]: ["451 4.3.0 Try later"]})
    with SmtpServer(handler) as server:
        first = send(db, server, policy=replace(FAST, first_backoff=0.3, patience=0.0))
        assert first.pending == 1
        leaver = db.subscribers.list("japan")[0].subscriber_id
        db.subscribers.remove(emails[0])
        second = send(db, server)
    assert second.sent == 0 and second.pending == 0
    row = db.outbox.get(db.build_id, leaver)
    assert row is not None and (row.status, row.last_error) == (FAILED, "no longer subscribed")
    assert handler.to(emails[0]) == []
