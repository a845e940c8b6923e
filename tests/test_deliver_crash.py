"""A sender killed mid-batch and restarted delivers to every subscriber exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from reporter.store.deliveries import PENDING, SENDING, SENT
from tests.conftest import REPO
from tests.deliver_support import Handler, SmtpServer, add_subscribers, make_db, wait_for

SUBSCRIBERS = 12
KILL_AT = 5  # SIGKILL the sender while the server holds its 5th message, before it answers 250


def _sender(db_url: str, port: int, build_id: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.deliver_worker", db_url, str(port), str(build_id)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_batch_then_restart_delivers_to_everyone_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    db = make_db(tmp_path, url=database_url)
    emails = add_subscribers(db, SUBSCRIBERS)
    reached = threading.Event()
    killed = threading.Event()

    def on_message(count: int) -> None:
        if count == KILL_AT:
            handler.hold = killed  # keep the sender waiting for its 250 until it is dead
            reached.set()

    handler = Handler(delay=0.02, on_message=on_message)
    with SmtpServer(handler) as server:
        first = _sender(db.url, server.port, db.build_id)
        try:
            assert reached.wait(60), first.communicate(timeout=5)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            killed.set()
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL

        # The outbox after the crash: four sent, one in flight (the server has it), the rest waiting.
        statuses = Counter(d.status for d in db.outbox.for_build(db.build_id))
        assert statuses == {SENT: KILL_AT - 1, SENDING: 1, PENDING: SUBSCRIBERS - KILL_AT}

        second = _sender(db.url, server.port, db.build_id)
        out, err = second.communicate(timeout=60)
        wait_for(lambda: len(handler.received) >= SUBSCRIBERS)

    assert out.strip() == f"sent={SUBSCRIBERS - KILL_AT} already={KILL_AT - 1} unknown=1", err
    # Every subscriber got the report exactly once, the one in flight at the kill included.
    delivered = Counter(a for r in handler.received for a in r.rcpt_to)
    assert delivered == dict.fromkeys(emails, 1)
    # ...and the outbox still says honestly that it does not know about that one.
    final = Counter(d.status for d in db.outbox.for_build(db.build_id))
    assert final == {SENT: SUBSCRIBERS - 1, SENDING: 1}
