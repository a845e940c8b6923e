"""Benchmark delivery: 1,000 subscribers to a local aiosmtpd, through the outbox, vs raw smtplib.

The floor is `smtplib.SMTP.send_message` of 1,000 pre-built EmailMessages over one connection to
the same server, in the same run. `deliver()` does everything a real run does: queues the outbox
rows, builds each message as it is sent (text, inlined HTML, the PDF attached), commits each row
`sending` then `sent` in SQLite, and sends over one reused connection. The server runs in its own
process so that it does not share a core or the GIL with the sender. Memory: RSS sampled every 100
messages during the run, to show it flat (messages are built as they go, not all at once).

Run: .venv/bin/python bench/bench_deliver.py [--subscribers 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from support import write_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from run import machine  # noqa: E402

SERVER = r"""
import sys, time
from aiosmtpd.controller import Controller

class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"

c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1048576


def main() -> int:
    """Run the rounds, print the table, write docs/bench/deliver.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from sqlalchemy import Engine, event, insert
    from tests.deliver_support import FAST, NOW, SECRET, TINY_PDF, SmtpServer, free_port
    from tests.render_fixtures import report as sample_report

    from reporter.deliver import deliver
    from reporter.deliver.message import EmailBuilder, Recipient
    from reporter.deliver.transport import SmtpTransport
    from reporter.store import Store
    from reporter.store.deliveries import DeliveryRepo
    from reporter.store.schema import builds
    from reporter.store.subscribers import SubscriberRepo

    n = args.subscribers
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    smtp = SmtpServer(port=port).settings()  # settings only; the server is the subprocess above
    report = sample_report(per_section=4)
    files = {"pdf": TINY_PDF}
    tmp = Path(tempfile.mkdtemp(prefix="bench-deliver-"))
    engine = Store.open(f"sqlite:///{tmp / 'bench.db'}").engine
    subscribers = SubscriberRepo(engine)
    # The same outbox with synchronous=NORMAL: WAL commits without an fsync each. Still safe against
    # a killed process (the guarantee the outbox gives), not against power loss. For comparison only.
    relaxed = Store.open(f"sqlite:///{tmp / 'bench.db'}").engine
    event.listen(relaxed, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=NORMAL"))
    for i in range(n):
        subscribers.add(
            f"reader{i:04d}@example.org", report="japan", name=f"Reader {i}", format="pdf", now=NOW
        )

    # The floor's messages: the same bytes, parsed into EmailMessages before the clock starts.
    builder = EmailBuilder(report, files, build_id=0, smtp=smtp, secret=SECRET, now=NOW)
    recipients = [Recipient(s.subscriber_id, s.email, s.name, s.format) for s in subscribers.active("japan")]
    serialised = [builder.render(r) for r in recipients]
    prebuilt = [message_from_bytes(data, policy=policy.SMTP) for data in serialised]
    size_kb = len(builder.render(recipients[0])) / 1024

    class Sampling(SmtpTransport):
        """The real transport, noting RSS every 100 messages."""

        def __init__(self, *args: object, **kwargs: object):
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.count = 0
            self.samples: list[float] = []

        def send(self, sender: str, recipient: str, data: bytes, *, label: str = "") -> None:
            super().send(sender, recipient, data, label=label)
            self.count += 1
            if self.count % 100 == 0:
                self.samples.append(rss_mb())

    rss_spread: list[tuple[float, float]] = []

    def raw() -> float:
        import smtplib

        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
            for msg in prebuilt:
                conn.send_message(msg)
        return time.perf_counter() - start

    def raw_bytes() -> float:
        import smtplib

        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
            for r, data in zip(recipients, serialised, strict=True):
                conn.sendmail(builder.envelope_from, [r.email], data)
        return time.perf_counter() - start

    def ours(round_no: int, engine: Engine = engine) -> float:
        subscribers, outbox = SubscriberRepo(engine), DeliveryRepo(engine)
        with engine.begin() as conn:
            build_id = conn.execute(
                insert(builds).values(
                    report="japan", period=f"{2000 + round_no}-01", status="done", attempt=1, started_at=NOW
                )
            ).inserted_primary_key[0]
        transport = Sampling(smtp)
        start = time.perf_counter()
        result = deliver(
            report, files, build_id=build_id, subscribers=subscribers, outbox=outbox, smtp=smtp,
            secret=SECRET, now=NOW, transport=transport, policy=FAST,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        assert result.sent == n and result.ok, result
        rss_spread.append((transport.samples[0], transport.samples[-1]))
        return elapsed

    raw_times, bytes_times, our_times, relaxed_times = [], [], [], []
    load_before = os.getloadavg()[0]
    try:
        raw()  # warm up the server and the page cache
        for r in range(1, args.rounds + 1):
            raw_times.append(raw())
            bytes_times.append(raw_bytes())
            our_times.append(ours(r))
            relaxed_times.append(ours(100 + r, relaxed))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    first, last = rss_spread[-1]
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    rows = []
    for label, pick in (("best", min), ("median", statistics.median)):
        a, b, c, d = pick(raw_times), pick(bytes_times), pick(our_times), pick(relaxed_times)
        rows.append(
            f"| messages per second ({label}) | {n / a:.0f} | {n / b:.0f} | {n / c:.0f} "
            f"| {a / c:.2f} | {b / c:.2f} | {n / d:.0f} ({a / d:.2f}) |"
        )
    table = [
        "| measure | smtplib.send_message (pre-built) | smtplib.sendmail (pre-serialised) | deliver() "
        "| ratio to send_message | ratio to sendmail "
        "| deliver(), synchronous=NORMAL (ratio to send_message) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(
        [
            "# Delivery benchmark",
            "",
            f"{n} subscribers, {size_kb:.0f} KiB messages (text + inlined HTML + a 6 KiB PDF), to aiosmtpd "
            f"on 127.0.0.1 in its own process; {args.rounds} interleaved rounds; {machine()}; {load}.",
            "",
            *table,
            "",
            "*smtplib.send_message*: one connection, EmailMessages built before the clock starts (it "
            "still serialises each one). *smtplib.sendmail*: the same messages as bytes, the absolute floor. "
            "*deliver()*: the whole stage: queue the outbox rows, build each message as it is sent, "
            "commit it `sending` before and `sent` after its SMTP transaction (SQLite, WAL), one reused "
            "connection, no rate limit (`per_second: 0`). Ratio = deliver() throughput / "
            "smtplib's (aim ≥ 0.7). "
            "The machine is shared, so the best round is the fairer comparison; the median is shown too.",
            "",
            f"Memory stays flat: RSS {first:.1f} MB after 100 messages, {last:.1f} MB after {n} "
            f"(+{last - first:.1f} MB), last round.",
            "",
        ]
    )
    write_result(ROOT / "docs" / "bench" / "deliver.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
