"""A project for the worker tests: many feeds on a local HTTP server, several reports, workers as processes.

`WORKER_CLI` runs `reporter ...` in a child with two seams the tests use to kill it at a known
point: the first render anywhere (marked by the file `slow-build`, holding the pid) waits long
enough to be killed mid-build, and every SMTP send writes the message's Message-ID to `sending-<pid>` first.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.scheduler_support import child_env

WORKER_CLI = """\
import os, re, sys, time
from pathlib import Path


def main():
    marks = Path(sys.argv[1])
    from reporter.pipeline import render as render_stage  # where the build calls render_report
    from reporter.deliver import transport

    real_render = render_stage.render_report
    real_send = transport.SmtpTransport.send

    def slow_render(*args, **kwargs):
        try:
            fd = os.open(marks / "slow-build", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return real_render(*args, **kwargs)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        time.sleep(120)  # killed long before
        return real_render(*args, **kwargs)

    def send(self, sender, recipient, data, *, label):
        found = re.search(rb"^Message-ID: (<[^>]+>)", data, re.M | re.I)
        (marks / f"sending-{os.getpid()}").write_bytes(found.group(1) if found else b"?")
        return real_send(self, sender, recipient, data, label=label)

    render_stage.render_report = slow_render
    transport.SmtpTransport.send = send
    sys.argv = ["reporter", *sys.argv[2:]]
    from reporter.cli import main as cli

    cli()


if __name__ == "__main__":  # feed parsing spawns processes, which import this file again
    main()
"""

REPORTS = (("japan", "JP", "KR"), ("korea", "KR", "JP"), ("china", "CN", "JP"))
PARTNER_NAMES = {"JP": "Japan", "KR": "South Korea", "CN": "China"}


def rss(feed: int, period_start, items: int = 2) -> bytes:
    """A small RSS feed whose items fall inside the period, about Japan, South Korea and China."""
    entries = []
    for n in range(items):
        when = period_start + timedelta(days=3 + 7 * n, hours=feed % 12)
        entries.append(
            f"<item><title>Talks {feed}-{n}: ministers meet</title>"
            f"<link>https://news{feed}.example.org/{n}</link><guid>f{feed}-i{n}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>Japan and South Korea held talks in Seoul on trade and security, "
            f"feed {feed} item {n}. China's foreign minister met his Japanese counterpart in Beijing "
            f"on day {n} to discuss maritime issues and a visit by South Korea's president."
            f"</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
        f"<link>https://news{feed}.example.org/</link><description>news</description>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def feeds_yaml(feed_urls: list[str], *, smtp_port: int, batch: int) -> str:
    """feeds.yaml for the loopback test: the queue on, fast heartbeats, one report per subject."""
    lines = [
        "version: 1",
        "settings:",
        "  data_dir: data",
        "  output_dir: output",
        "  seeds_dir: seeds",
        "  allow_private_networks: true",
        "tasks:",
        "  queue: procrastinate",
        f"  delivery_batch: {batch}",
        "  heartbeat_seconds: 1",
        "  stalled_after_seconds: 4",
        "  sweep_seconds: 1",
        "smtp:",
        "  host: 127.0.0.1",
        f"  port: {smtp_port}",
        "  starttls: false",
        "  from: reports@example.org",
        "  per_second: 0",
        "feeds:",
    ]
    for i, url in enumerate(feed_urls):
        lines += [f"  - name: feed{i:02d}", f"    url: {url}", f"    outlet: Outlet {i}"]
    lines.append("reports:")
    for slug, subject, partner in REPORTS:
        lines += [
            f"  - slug: {slug}",
            f"    subject: {subject}",
            "    seeds: false",
            "    send_empty: true",
            "    schedule:",
            '      cron: "0 6 1 * *"',
            "      timezone: UTC",
            "      ingest_every_hours: 4",
            "    sections:",
            "      - name: Overview",
            f"      - name: {PARTNER_NAMES[partner]}",
            f"        members: [{partner}]",
        ]
    return "\n".join(lines) + "\n"


def worker_cli(root: Path, marks: Path, *args: str) -> subprocess.Popen:
    """Start `reporter ARGS...` with the kill seams, its output to files in `marks`."""
    script = root / "worker_cli.py"
    if not script.exists():
        # Written once, and whole: rewriting it in place for the next process could truncate it while an
        # earlier one is still starting, which then runs an empty script and exits without a word.
        partial = script.with_suffix(".tmp")
        partial.write_text(WORKER_CLI, encoding="utf-8")
        partial.replace(script)
    marks.mkdir(exist_ok=True)
    index = len(list(marks.glob("log-*")))
    log = (marks / f"log-{index}-{args[0]}.txt").open("w")
    return subprocess.Popen(
        [sys.executable, str(script), str(marks), *args],
        cwd=root,
        env=child_env(root),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
