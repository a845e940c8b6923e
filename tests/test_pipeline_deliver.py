"""The monthly run mails the report it has just built, from memory; the run history records each stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter import pipeline
from reporter.models import Period
from reporter.store.subscribers import SubscriberRepo
from tests.deliver_support import SmtpServer
from tests.scheduler_support import SECRET, write_project


@pytest.fixture
def smtp() -> SmtpServer:
    with SmtpServer() as server:
        yield server


def open_ctx(root: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> pipeline.Context:
    monkeypatch.setenv("REPORTER_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(root / "output"))
    monkeypatch.setenv("REPORTER_SECRET", SECRET)
    monkeypatch.delenv("REPORTER_DATABASE_URL", raising=False)
    return pipeline.open_context(write_project(root, send_empty=True, smtp_port=smtp.port))


def test_a_report_built_without_json_is_still_mailed_since_nothing_is_read_back(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = open_ctx(tmp_path, smtp, monkeypatch)
    try:
        SubscriberRepo(ctx.store.engine).add("reader@example.org", report="japan", format="html")
        outcome = pipeline.run(ctx, ctx.config.report("japan"), Period.parse("2025-11"), formats=("md",))
        assert sorted(outcome.build.files) == ["md"]  # no JSON file to read the report back from
        assert outcome.delivery is not None and outcome.delivery.sent == 1
        assert outcome.build.build_id == ctx.store.builds.get("japan", "2025-11").id
        runs = [(r.kind, r.status) for r in reversed(ctx.store.runs.recent())]
        assert runs == [("ingest", "ok"), ("build", "ok"), ("send", "ok")]
        assert ctx.store.runs.recent()[0].detail == {
            "sent": 1, "already_sent": 0, "failed": 0, "pending": 0, "unknown": 0
        }  # fmt: skip
    finally:
        ctx.close()
    (message,) = smtp.handler.received
    assert message.rcpt_to == ["reader@example.org"]
    assert "Subject: " in message.data.decode("utf-8", "replace")


def test_a_stage_that_raises_is_recorded_as_failed_with_its_error(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = open_ctx(tmp_path, smtp, monkeypatch)
    try:
        with pytest.raises(RuntimeError), ctx.store.runs.record("build", report="japan") as run:
            run.end("ok", detail={"paragraphs": 3})
            raise RuntimeError("renderer crashed")
        (recorded,) = ctx.store.runs.recent()
        assert (recorded.status, recorded.error) == ("failed", "RuntimeError: renderer crashed")
        assert recorded.detail == {"paragraphs": 3}
    finally:
        ctx.close()
