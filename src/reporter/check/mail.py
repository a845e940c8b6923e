"""Email identity and links: what a subscriber's mail will say it is from, link to, and unsubscribe by.

Used by `reporter check` and, before anything is written, by `reporter send` (dry run or not).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr

from reporter.check.finding import Finding
from reporter.config import SmtpSettings
from reporter.urls import web_url

_LOCAL_DOMAINS = {"localhost", "localhost.localdomain", "localdomain", "local", ""}


def mail_findings(
    smtp: SmtpSettings, env: Mapping[str, str], subscribers: Mapping[str, int]
) -> list[Finding]:
    """Every problem with who mail is from, what it links to and how it is unsubscribed from.

    `subscribers` maps report slugs to their active subscribers; a secret is required when any has one.
    """
    from reporter.deliver.tokens import SECRET_ENV, secret_from_env
    from reporter.errors import DeliveryError

    findings: list[Finding] = []
    with_subscribers = sorted(slug for slug, n in subscribers.items() if n)
    base = smtp.base_url
    if not base:
        findings.append(
            Finding(
                "mail links",
                False,
                "smtp.base_url is not set: messages carry no link to the report, links-only subscribers "
                "get no report at all, and unsubscribe is by mailto only (no one-click)",
                "set smtp.base_url in feeds.yaml to the https address where output/ is published",
                required=False,
            )
        )
    elif web_url(base) is None:
        findings.append(
            Finding(
                "mail links", False, f"smtp.base_url {base!r} is not an http(s) URL", "use https://host/path"
            )
        )
    elif not base.lower().startswith("https://"):
        findings.append(
            Finding(
                "mail links",
                False,
                f"smtp.base_url {base} is not https: links work, but one-click unsubscribe (RFC 8058) is "
                "not offered and mail providers trust the messages less",
                "publish the archive over https and set smtp.base_url to the https address",
                required=False,
            )
        )
    else:
        findings.append(Finding("mail links", True, f"reports linked from {base}, one-click unsubscribe on"))

    address = parseaddr(smtp.from_addr)[1] or smtp.from_addr
    domain = address.rpartition("@")[2].lower()
    if "@" not in address or domain in _LOCAL_DOMAINS or domain.endswith((".localhost", ".local")):
        findings.append(
            Finding(
                "mail sender",
                False,
                f"mail goes out from {smtp.from_addr}: receiving servers reject or spam-file mail from a "
                "local address",
                "set smtp.from in feeds.yaml (or REPORTER_SMTP_FROM) to an address at your own domain",
                required=bool(with_subscribers),
            )
        )
    else:
        findings.append(Finding("mail sender", True, f"from {smtp.from_addr}"))

    try:
        secret_from_env(env)
        findings.append(Finding("unsubscribe secret", True, f"{SECRET_ENV} is set"))
    except DeliveryError as exc:
        if with_subscribers:
            findings.append(
                Finding(
                    "unsubscribe secret",
                    False,
                    f"{exc}; {', '.join(with_subscribers)} ha{'s' if len(with_subscribers) == 1 else 've'} "
                    "subscribers, so sending would fail",
                    exc.hint,
                )
            )
        else:
            findings.append(
                Finding(
                    "unsubscribe secret",
                    False,
                    f"{exc} (needed once a report has subscribers)",
                    exc.hint,
                    False,
                )
            )
    return findings
