"""Progress: a bar per stage on a terminal, plain lines otherwise, one line per feed or message with -v."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from reporter.cli.common import setup_logging
from reporter.cli.progress import LineProgress, TerminalProgress, make_progress
from reporter.deliver import deliver
from tests.deliver_support import FAST, NOW, SECRET, TINY_PDF, Handler, SmtpServer, make_db
from tests.feeds_support import serve
from tests.render_fixtures import report as sample_report


def cli(*args: str) -> Result:
    from reporter.cli import create_app

    return CliRunner().invoke(create_app(), list(args))


@pytest.fixture
def three_feeds(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REPORTER_ALLOW_PRIVATE_NETWORKS", "1")
    with serve() as feeds:
        feeds.file("/a.xml", "rss20.xml")
        feeds.file("/b.xml", "atom10.xml", "application/atom+xml")
        text = (project / "feeds.yaml").read_text(encoding="utf-8")
        head, _, rest = text.partition("\nfeeds:\n")
        _, _, reports = rest.partition("\nreports:\n")
        listed = "".join(
            f'  - {{name: {name}, url: "{feeds.url(path)}"}}\n'
            for name, path in (("alpha", "/a.xml"), ("beta", "/b.xml"), ("gone", "/missing.xml"))
        )
        (project / "feeds.yaml").write_text(
            f"{head}\nfeeds:\n{listed}\nreports:\n{reports}", encoding="utf-8"
        )
        yield project


def test_ingest_off_a_terminal_prints_one_summary_line_on_stderr(three_feeds: Path) -> None:
    result = cli("ingest")
    assert result.exit_code == 0, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("ingest: ")]
    assert line.startswith("ingest: 4 sources (1 failed) in ")  # the seeds and three feeds
    assert "ingest: " in result.stdout  # the result itself stays on stdout


def test_ingest_with_v_says_one_line_per_feed(three_feeds: Path) -> None:
    result = cli("ingest", "-v")
    lines = [x for x in result.stderr.splitlines() if x.startswith("ingest: ")]
    assert "ingest: seeds: 5 new" in lines
    assert any(x.startswith("ingest: alpha: ") and x.endswith(" new") for x in lines)
    assert any(x.startswith("ingest: beta: ") and x.endswith(" new") for x in lines)
    assert any(x.startswith("ingest: failed: gone: ") and "404" in x for x in lines)
    # Said once as it happens (no log line repeating it), and once in the result, with its hint.
    assert [x for x in result.stderr.splitlines() if "gone:" in x] == [
        next(x for x in lines if x.startswith("ingest: failed: gone: "))
    ]
    assert [x for x in result.stdout.splitlines() if "gone:" in x] == [
        next(x for x in result.stdout.splitlines() if x.startswith("  failed: gone: ") and "(hint: " in x)
    ]


def test_with_nobody_watching_the_log_tells_each_failed_source(three_feeds: Path, caplog) -> None:
    from reporter import pipeline

    ctx = pipeline.open_context(three_feeds / "feeds.yaml")  # as the scheduler has it: no progress
    try:
        with caplog.at_level(logging.INFO, logger="reporter"):
            result = pipeline.ingest(ctx)
    finally:
        ctx.close()
    assert [f.source for f in result.failures] == ["gone"]
    said = [r.getMessage() for r in caplog.records if "gone:" in r.getMessage()]
    assert len(said) == 1 and "404" in said[0]


def test_on_a_terminal_a_bar_counts_what_failed_and_leaves_a_summary() -> None:
    out = io.StringIO()
    progress = TerminalProgress(Console(file=out, force_terminal=True, width=100), verbose=1)
    progress.begin("ingest", 3, "sources")
    progress.step("ingest", detail="alpha: 3 new")
    progress.step("ingest", "failed", "gone: failed: HTTP 404")
    progress.step("ingest", detail="beta: 1 new")
    progress.end("ingest")
    shown = out.getvalue()
    assert "ingest: alpha: 3 new" in shown and "ingest: gone: failed: HTTP 404" in shown
    assert "ingest: 3 sources (1 failed) in" in shown


def test_make_progress_chooses_lines_when_stderr_is_not_a_terminal() -> None:
    assert isinstance(make_progress(0, stream=io.StringIO()), LineProgress)


def test_sending_counts_sent_and_deferred_messages(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    for email in ("ann@example.org", "bob@example.org"):
        db.subscribers.add(email, report="japan")
    out = io.StringIO()
    handler = Handler(rcpt_replies={"bob@example.org": ["451 try later"] * 10})
    with SmtpServer(handler) as server:
        deliver(
            sample_report(), {"pdf": TINY_PDF}, build_id=db.build_id, subscribers=db.subscribers,
            outbox=db.outbox, smtp=server.settings(), secret=SECRET, now=NOW,
            policy=FAST.__class__(max_attempts=2, first_backoff=0.01, patience=0.5, per_second=0),
            progress=LineProgress(out, verbose=1),
        )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert "sending: ann@example.org: sent" in lines
    assert any(x.startswith("sending: bob@example.org: ") for x in lines)
    summary = lines[-1]
    assert summary.startswith("sending: ") and "1 sent" in summary and "deferred" in summary


def test_the_scheduler_logs_our_events_and_keeps_httpcore_for_vv() -> None:
    setup_logging(1, service=True)
    assert logging.getLogger("reporter").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    setup_logging(0, service=True)
    assert logging.getLogger("reporter").getEffectiveLevel() == logging.INFO
    setup_logging(2, service=True)
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.DEBUG
    setup_logging(0)
