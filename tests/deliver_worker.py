"""A sender process for the crash test: `python -m tests.deliver_worker DB_URL PORT BUILD_ID`."""

from __future__ import annotations

import sys
from dataclasses import replace

from reporter.deliver import deliver
from reporter.store.deliveries import DeliveryRepo
from reporter.store.subscribers import SubscriberRepo
from tests.deliver_support import FAST, NOW, SECRET, TINY_PDF, SmtpServer
from tests.render_fixtures import report


def main(db_url: str, port: int, build_id: int) -> int:
    """Deliver the sample report to every subscriber in the store; exit 0 when all went out."""
    from reporter.store import Store

    engine = Store.open(db_url).engine
    server = SmtpServer(port=port)  # only for its settings; the test runs the real server
    result = deliver(
        report(),
        {"pdf": TINY_PDF},
        build_id=build_id,
        subscribers=SubscriberRepo(engine),
        outbox=DeliveryRepo(engine),
        smtp=server.settings(),
        secret=SECRET,
        now=NOW,
        policy=replace(FAST, patience=30.0),
    )
    print(f"sent={result.sent} already={result.already_sent} unknown={len(result.unknown)}", flush=True)
    return 0 if not (result.failed or result.error or result.pending) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
