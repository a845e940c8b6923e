"""Benchmark a large delivery (issue 13): 100,000 outbox rows sent to a local aiosmtpd, speed and memory.

`deliver()` does everything a real run does for one build and `--rows` subscribers: it queues an outbox
row per subscriber, builds each message as it is sent (text, inlined HTML, the PDF attached), commits
the row `sending` then `sent` in SQLite (WAL) and sends over one reused connection. The floor is
`smtplib.sendmail` of one pre-serialised message of the same size, over one connection to the same
server, timed for `--floor` messages before the delivery and again after it (the machine is shared, so
the two bracket it). The server runs in its own process. Memory: the sender's RSS every 1,000 messages.

Run: nice .venv/bin/python bench/bench_outbox.py [--rows 100000] [--floor 20000]
Writes docs/bench/outbox.md (or --out FILE).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_deliver import SERVER, rss_mb  # noqa: E402
from run import machine  # noqa: E402

OUT = ROOT / "docs" / "bench" / "outbox.md"


def subscribe_all(engine, n: int, now) -> None:
    """`n` subscribers of the Japan report, inserted in bulk (as `subscribers add` would leave them)."""
    from sqlalchemy import insert

    from reporter.store.schema import subscribers, subscriptions

    people = [{"id": i + 1, "email": f"reader{i:06d}@example.org", "name": f"Reader {i}", "created_at": now}
              for i in range(n)]  # fmt: skip
    subscribed = [
        {"subscriber_id": i + 1, "report": "japan", "format": "pdf", "created_at": now,
         "consent_source": "operator", "consent_at": now}
        for i in range(n)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(subscribers), people)
        conn.execute(insert(subscriptions), subscribed)


def floor(port: int, sender: str, data: bytes, n: int) -> float:
    """Seconds for smtplib to send `data` `n` times over one connection."""
    import smtplib

    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
        for i in range(n):
            conn.sendmail(sender, [f"reader{i:06d}@example.org"], data)
    return time.perf_counter() - started


def main() -> int:
    """Subscribe, measure the floor, deliver, measure the floor again; print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--floor", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the results (markdown)")
    args = parser.parse_args()

    from sqlalchemy import insert
    from tests.deliver_support import FAST, NOW, SECRET, TINY_PDF, SmtpServer, free_port
    from tests.render_fixtures import report as sample_report

    from reporter.deliver import deliver
    from reporter.deliver.message import EmailBuilder
    from reporter.deliver.service import recipients_for
    from reporter.deliver.transport import SmtpTransport
    from reporter.store import Store
    from reporter.store.deliveries import DeliveryRepo
    from reporter.store.schema import builds
    from reporter.store.subscribers import SubscriberRepo

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    smtp = SmtpServer(port=port).settings()
    report = sample_report(per_section=4)
    files = {"pdf": TINY_PDF}
    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    engine = Store.open(f"sqlite:///{tmp / 'outbox.db'}").engine
    started = time.perf_counter()
    subscribe_all(engine, args.rows, NOW)
    subscribe_s = time.perf_counter() - started
    with engine.begin() as conn:
        build_id = conn.execute(
            insert(builds).values(report="japan", period="2025-11", status="done", attempt=1, started_at=NOW)
        ).inserted_primary_key[0]
    builder = EmailBuilder(report, files, build_id=0, smtp=smtp, secret=SECRET, now=NOW)
    one = builder.render(recipients_for(SubscriberRepo(engine), "japan")[0])

    class Sampling(SmtpTransport):
        """The real transport, noting RSS every 1,000 messages."""

        def __init__(self, *a: object, **kw: object):
            super().__init__(*a, **kw)  # type: ignore[arg-type]
            self.count, self.samples = 0, []

        def send(self, sender: str, recipient: str, data: bytes, *, label: str = "") -> None:
            super().send(sender, recipient, data, label=label)
            self.count += 1
            if self.count % 1000 == 0:
                self.samples.append(rss_mb())

    loads = [os.getloadavg()]
    try:
        before = floor(port, builder.envelope_from, one, args.floor)
        transport = Sampling(smtp)
        started = time.perf_counter()
        result = deliver(
            report, files, build_id=build_id, subscribers=SubscriberRepo(engine), outbox=DeliveryRepo(engine),
            smtp=smtp, secret=SECRET, now=NOW, transport=transport, policy=FAST,
        )  # fmt: skip
        ours = time.perf_counter() - started
        loads.append(os.getloadavg())
        after = floor(port, builder.envelope_from, one, args.floor)
        loads.append(os.getloadavg())
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(30)
    assert result.sent == args.rows and result.ok, result

    n, samples = args.rows, transport.samples
    floor_rate = (args.floor / before, args.floor / after)
    rate = n / ours
    load_text = "; ".join(
        f"{when} {', '.join(f'{x:.1f}' for x in la)}"
        for when, la in zip(("start", "after delivery", "end"), loads, strict=True)
    )
    text = "\n".join(
        [
            f"# Delivery of {n:,} outbox rows",
            "",
            f"`bench/bench_outbox.py`, {time.strftime('%Y-%m-%d')}: {n:,} outbox rows (one build, {n:,} "
            f"subscribers) delivered to aiosmtpd on 127.0.0.1 in its own process; {len(one) / 1024:.0f} KiB "
            f"messages (text + inlined HTML + a 6 KiB PDF); {machine()}; load average (1, 5, 15 min) "
            f"{load_text}.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| `deliver()`, {n:,} messages | {ours:.0f} s, **{rate:.0f} messages/s** |",
            f"| floor: `smtplib.sendmail` of one pre-serialised message, {args.floor:,} times, before / "
            f"after | {floor_rate[0]:.0f} / {floor_rate[1]:.0f} messages/s |",
            f"| **deliver() ÷ floor** (the floor's mean rate) | **{rate / (sum(floor_rate) / 2):.2f}** |",
            f"| sender RSS after 1,000 / {n // 2:,} / {n:,} messages | {samples[0]:.0f} / "
            f"{samples[len(samples) // 2 - 1]:.0f} / {samples[-1]:.0f} MiB |",
            f"| subscribing {n:,} addresses (bulk insert, setup, not part of the delivery) | "
            f"{subscribe_s:.0f} s |",
            "",
            "The floor neither builds messages nor keeps an outbox: the ratio is what building each message "
            "(its own unsubscribe link, HTML inlined, the PDF attached) and committing its row twice cost.",
            "",
        ]
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
