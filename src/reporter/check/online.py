"""`reporter check --online`: each enabled feed fetched once, and the SMTP server greeted (EHLO, no mail)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reporter.check.finding import Finding
from reporter.config import Config, SmtpSettings

if TYPE_CHECKING:
    from reporter.sources.fetch import FetchPolicy


def online_findings(config: Config) -> list[Finding]:
    """One finding per enabled feed (fetched once, no retries, parsed) and one for the SMTP server."""
    return [*feed_findings(config), smtp_finding(config.smtp)]


def feed_findings(config: Config, policy: FetchPolicy | None = None) -> list[Finding]:
    """Fetch and parse every enabled feed once; a failure is a warning, as a build carries on without it."""
    from reporter.errors import FeedError
    from reporter.sources.fetch import FetchPolicy, HostLimiter, Validators, fetch, make_client
    from reporter.sources.parse import parse_feed

    if policy is None:
        # As ingest fetches: private addresses only when the operator allowed them.
        policy = FetchPolicy(retries=0, allow_private_networks=config.settings.allow_private_networks)
    hosts = HostLimiter(policy.per_host)
    findings: list[Finding] = []
    with make_client(config.settings.user_agent, policy) as client:
        for feed in (f for f in config.feeds if f.enabled):
            name = f"feed {feed.name}"
            try:
                got = fetch(client, feed, Validators(), policy=policy, hosts=hosts)
                parsed = parse_feed(
                    got.content, feed=feed, url=got.url, headers=got.headers, fetched_at=datetime.now(UTC)
                )
            except FeedError as exc:
                findings.append(Finding(name, False, exc.reason, exc.hint, required=False))
                continue
            moved = f"; moved to {got.moved_to}" if got.moved_to else ""
            findings.append(
                Finding(name, True, f"{parsed.total_entries or len(parsed.entries)} entries{moved}")
            )
    return findings


def smtp_finding(smtp: SmtpSettings) -> Finding:
    """Connect to the SMTP server and say EHLO (and STARTTLS when configured); no mail, no login."""
    where = f"{smtp.host}:{smtp.port}"
    try:
        if smtp.ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout)
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        try:
            code, _ = conn.ehlo()
            if code != 250:
                return Finding("SMTP server", False, f"{where} answered EHLO with {code}", _SMTP_HINT)
            tls = ""
            if smtp.starttls and not smtp.ssl:
                if not conn.has_extn("starttls"):
                    return Finding(
                        "SMTP server",
                        False,
                        f"{where} does not offer STARTTLS",
                        "set smtp.starttls: false only for a server on this machine or network",
                    )
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
                tls = ", STARTTLS ok"
            auth = ", offers AUTH" if conn.has_extn("auth") else ""
            return Finding("SMTP server", True, f"{where} answered EHLO{tls}{auth}")
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
    except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return Finding("SMTP server", False, f"cannot reach {where}: {reason}", _SMTP_HINT)


_SMTP_HINT = "check smtp.host, smtp.port, smtp.ssl and smtp.starttls in feeds.yaml (or REPORTER_SMTP_*)"
