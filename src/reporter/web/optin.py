"""Double opt-in: a signed, expiring confirmation link, and the email that carries it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import quote

import jinja2

from reporter.config import SmtpSettings
from reporter.errors import DeliveryError

log = logging.getLogger(__name__)

_SALT = "reporter subscribe confirmation"  # a purpose of its own: no other token verifies as this


@dataclass(frozen=True, slots=True)
class Request:
    """A verified request to subscribe: this address, to this report, in this format."""

    email: str
    report: str
    format: str


class LinkExpired(Exception):
    """The link was signed by us but is older than the allowed age."""


def make_token(secret: str, request: Request) -> str:
    """A URL-safe, signed, timestamped token standing for one subscribe request."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(secret, salt=_SALT)
    return serializer.dumps({"e": request.email, "r": request.report, "f": request.format})


def verify_token(secret: str, token: str, *, max_age: int) -> Request | None:
    """The request a token stands for; None if forged or altered; LinkExpired if too old."""
    from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(secret, salt=_SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        return None
    try:
        return Request(email=str(data["e"]), report=str(data["r"]), format=str(data["f"]))
    except (KeyError, TypeError):
        return None


def confirm_url(base_url: str, token: str) -> str:
    """The link in the confirmation email."""
    return f"{base_url.rstrip('/')}/confirm?token={quote(token, safe='')}"


def confirmation_message(
    templates: jinja2.Environment,
    smtp: SmtpSettings,
    request: Request,
    *,
    report_name: str,
    link: str,
    hours: int,
    now: datetime | None = None,
) -> EmailMessage:
    """The confirmation email: plain text, one link, nothing else from the list."""
    text = templates.get_template("web/confirm_email.txt.j2").render(
        report_name=report_name, link=link, hours=hours, email=request.email
    )
    msg = EmailMessage(policy=SMTP)
    msg["From"] = smtp.from_addr
    msg["To"] = request.email
    msg["Subject"] = f"Confirm your subscription to {report_name}"
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=parseaddr(smtp.from_addr)[1].rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    msg.set_content(text)
    return msg


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Send one message now over SMTP; a DeliveryError if it cannot go."""
    from reporter.deliver.transport import PermanentFailure, SmtpTransport, TemporaryFailure

    transport = SmtpTransport(smtp)
    sender = parseaddr(smtp.from_addr)[1] or smtp.from_addr
    try:
        transport.send(sender, str(msg["To"]), msg.as_bytes(), label="confirmation")
    except (TemporaryFailure, PermanentFailure) as exc:
        raise DeliveryError(f"the confirmation email was not accepted: {exc}") from None
    finally:
        transport.close()
