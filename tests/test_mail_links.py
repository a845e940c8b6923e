"""Every message says what it carries and links the report; one-click unsubscribe only over https."""

from __future__ import annotations

import re
from pathlib import Path

from reporter.deliver import deliver
from tests.deliver_support import FAST, NOW, SECRET, TINY_PDF, SmtpServer, make_db
from tests.render_fixtures import report as sample_report


def messages(tmp_path: Path, *, formats: dict[str, str], files: dict[str, Path], **smtp: object):
    db = make_db(tmp_path)
    for email, fmt in formats.items():
        db.subscribers.add(email, report="japan", format=fmt)
    with SmtpServer() as server:
        deliver(
            sample_report(),
            files,
            build_id=db.build_id,
            subscribers=db.subscribers,
            outbox=db.outbox,
            smtp=server.settings(**smtp),
            secret=SECRET,
            now=NOW,
            policy=FAST,
        )
    return {r.rcpt_to[0]: r.message for r in server.handler.received}


def bodies(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_a_pdf_subscriber_is_told_the_pdf_is_attached_and_a_links_only_one_gets_the_link(
    tmp_path: Path,
) -> None:
    html_file = tmp_path / "japan-2025-11.html"
    html_file.write_text("<html></html>")
    got = messages(
        tmp_path,
        formats={"pdf@example.org": "pdf", "links@example.org": "html"},
        files={"pdf": TINY_PDF, "html": html_file},
    )
    pdf_text, pdf_html = bodies(got["pdf@example.org"])
    assert "the full report, attached as a PDF" in pdf_text and "attached as a PDF" in pdf_html
    links_text, links_html = bodies(got["links@example.org"])
    assert "attached" not in links_text and "attached" not in links_html
    assert "the full report is online:" in links_text
    assert "https://reports.example.org/japan/2025-11/japan-2025-11.html" in links_text
    assert 'href="https://reports.example.org/japan/2025-11/japan-2025-11.html"' in links_html


def test_no_two_sentences_run_together_in_the_text_part(tmp_path: Path) -> None:
    got = messages(tmp_path, formats={"ann@example.org": "pdf"}, files={"pdf": TINY_PDF})
    text, _ = bodies(got["ann@example.org"])
    words = re.sub(r"https?://\S+", "URL", text)  # tokens in links are not sentences
    assert not re.search(r"[.:)][A-Z]", words), text
    assert "\nPast issues: https://reports.example.org/\r\n" in text


def test_without_a_base_url_a_links_only_message_says_it_carries_the_summary_only(tmp_path: Path) -> None:
    got = messages(tmp_path, formats={"ann@example.org": "html"}, files={"pdf": TINY_PDF}, base_url=None)
    text, html = bodies(got["ann@example.org"])
    assert "This message carries only the summary above; the full report is not attached." in text
    assert "attached as a PDF" not in text and "attached as a PDF" not in html


def test_an_http_base_url_gets_the_unsubscribe_link_but_no_one_click_promise(tmp_path: Path) -> None:
    got = messages(
        tmp_path, formats={"ann@example.org": "pdf"}, files={"pdf": TINY_PDF}, base_url="http://reports.test"
    )
    msg = got["ann@example.org"]
    assert msg["List-Unsubscribe"].startswith("<http://reports.test/unsubscribe?token=")
    assert msg["List-Unsubscribe-Post"] is None
