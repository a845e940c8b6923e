"""Build one subscriber's message: text + inlined HTML, the PDF or a link, list headers, DKIM.

Everything shared by the batch (bodies, CSS inlining, the encoded PDF) is prepared once by a
`EmailBuilder`; each message is then assembled as it is sent, so memory stays flat however many
subscribers there are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from urllib.parse import quote

from reporter.config import SmtpSettings
from reporter.deliver.dkim import DkimSigner
from reporter.deliver.tokens import make_token
from reporter.models import Report

log = logging.getLogger(__name__)

# The body is rendered once per batch with this in place of the link, then each subscriber's own
# link is swapped in (a string replace, not a template render per message).
UNSUBSCRIBE_PLACEHOLDER = "https://reporter.invalid/unsubscribe-placeholder"
# SMTP line endings, and no folding below RFC 5322's 998: a folded List-Unsubscribe URI gets
# RFC 2047-encoded by the email package, which no client would then recognise.
POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to, and how: "pdf" or "both" get the PDF attached, "html" links only."""

    subscriber_id: int
    email: str
    name: str | None = None
    format: str = "pdf"


def unsubscribe_url(base_url: str, token: str) -> str:
    """The https link (GET shows a page, POST with List-Unsubscribe=One-Click unsubscribes)."""
    return f"{base_url.rstrip('/')}/unsubscribe?token={token}"


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


_CRLF = b"\r\n"


def _text_part(text: str, subtype: str) -> bytes:
    """A text part as wire bytes: quoted-printable by binascii (C), not email.quoprimime (pure Python)."""
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return (
        f"Content-Type: text/{subtype}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii")
        + encoded.replace(b"\n", _CRLF)
    )


def _multipart(subtype: str, boundary: str, parts: list[bytes], *, headers: bool = True) -> bytes:
    """A multipart entity as wire bytes (with its Content-Type header unless `headers` is False)."""
    # "=_" cannot occur in quoted-printable or base64 text, so the boundary never collides.
    delimiter = b"--" + boundary.encode("ascii")
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode() if headers else b""
    body = b"".join(delimiter + _CRLF + part + _CRLF for part in parts)
    return head + body + delimiter + b"--" + _CRLF


class EmailBuilder:
    """Prepares a report's shared parts once, then builds each subscriber's message on demand."""

    def __init__(
        self,
        report: Report,
        files: Mapping[str, Path],
        *,
        build_id: int,
        smtp: SmtpSettings,
        secret: str,
        now: datetime,
        templates_dir: Path | None = None,
        signer: DkimSigner | None = None,
    ):
        self.report = report
        self.build_id = build_id
        self.smtp = smtp
        self._secret = secret
        self._date = format_datetime(now)
        self._templates_dir = templates_dir
        self._signer = signer
        self._domain = _domain(smtp.from_addr)
        self.envelope_from = parseaddr(smtp.from_addr)[1] or smtp.from_addr
        self._unsubscribe_to = parseaddr(smtp.unsubscribe_to or smtp.from_addr)[1]
        self.links = self._links(files)
        self._pdf = self._pdf_part(files.get("pdf"))
        self._bodies: dict[bool, tuple[str, str]] = {}  # attached → (text, html), each rendered once
        self._shared: bytes | None = None

    def _url(self, path: Path | None) -> str | None:
        if path is None or not self.smtp.base_url:
            return None
        slug, key = self.report.spec.slug, self.report.period.key
        return f"{self.smtp.base_url.rstrip('/')}/{quote(slug)}/{key}/{quote(path.name)}"

    def _links(self, files: Mapping[str, Path]) -> dict[str, str | None]:
        archive = f"{self.smtp.base_url.rstrip('/')}/" if self.smtp.base_url else None
        return {"html": self._url(files.get("html")), "pdf": self._url(files.get("pdf")), "archive": archive}

    def _pdf_part(self, path: Path | None) -> bytes | None:
        """The PDF encoded once for the whole batch, or None when missing or over the size limit."""
        if path is None:
            return None
        size = path.stat().st_size
        limit = self.smtp.max_attachment_mb * 1024 * 1024
        if size > limit:
            log.warning(
                "%s is %.1f MB, over smtp.max_attachment_mb (%s): sending a link instead",
                path.name, size / 1048576, self.smtp.max_attachment_mb,
            )  # fmt: skip
            return None
        part = MIMEPart(policy=POLICY)
        part["Content-Type"] = f'application/pdf; name="{path.name}"'
        part["Content-Disposition"] = f'attachment; filename="{path.name}"'
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(base64.encodebytes(path.read_bytes()).decode("ascii"))
        return part.as_bytes(policy=POLICY).rstrip(_CRLF)

    @property
    def attaches_pdf(self) -> bool:
        """Whether the PDF goes as an attachment (False: too large or absent, so a link)."""
        return self._pdf is not None

    def _prepared(self, attached: bool) -> tuple[str, str]:
        """(text, CSS-inlined html) with the unsubscribe placeholder, rendered once per batch and variant.

        A subscriber who gets the PDF is told it is attached; a links-only one is given the links.
        """
        if attached not in self._bodies:
            import css_inline

            from reporter.render import render_email

            links = {k: v for k, v in self.links.items() if v} | {"unsubscribe": UNSUBSCRIBE_PLACEHOLDER}
            text, markup = render_email(
                self.report, templates_dir=self._templates_dir, links=links, attached=attached
            )
            # Many clients (Gmail's apps, Outlook) drop <style>: move the CSS into style attributes.
            self._bodies[attached] = (text, css_inline.inline(markup))
        return self._bodies[attached]

    def message_id(self, recipient: Recipient) -> str:
        """Stable per (build, subscriber): a resend is recognisably the same message."""
        slug, key = self.report.spec.slug, self.report.period.key
        return f"<{slug}.{key}.b{self.build_id}.s{recipient.subscriber_id}@{self._domain}>"

    def _unsubscribe(self, recipient: Recipient) -> tuple[str, str | None]:
        """(mailto link, https link or None) for this subscriber."""
        token = make_token(self._secret, recipient.subscriber_id, self.report.spec.slug)
        mailto = f"mailto:{self._unsubscribe_to}?subject=unsubscribe%20{token}"
        https = unsubscribe_url(self.smtp.base_url, token) if self.smtp.base_url else None
        return mailto, https

    @staticmethod
    def _header_bytes(fields: list[tuple[str, str]]) -> bytes:
        """Header lines, each checked and encoded by the email package."""
        msg = EmailMessage(policy=POLICY)
        for name, value in fields:
            msg[name] = value
        head = msg.as_bytes(policy=POLICY)  # the lines, then the blank line that ends a header block
        assert head.endswith(_CRLF + _CRLF)
        return head[:-2]

    def _shared_headers(self) -> bytes:
        """The headers every subscriber's message shares, serialised once per batch."""
        if self._shared is None:
            fields = [("From", self.smtp.from_addr)]
            if self.smtp.reply_to:
                fields.append(("Reply-To", self.smtp.reply_to))
            fields += [
                ("Subject", self.report.title),
                ("Date", self._date),
                (
                    "List-Id",
                    f"{self.report.spec.subject_name} reports <{self.report.spec.slug}.{self._domain}>",
                ),
                ("MIME-Version", "1.0"),
            ]
            self._shared = self._header_bytes(fields)
        return self._shared

    def _headers(self, recipient: Recipient, content_type: str) -> bytes:
        """The top-level header block: shared lines, this subscriber's lines, then Content-Type."""
        mailto, https = self._unsubscribe(recipient)
        fields = [
            ("To", formataddr((recipient.name or "", recipient.email))),
            ("Message-ID", self.message_id(recipient)),
        ]
        if https:
            fields.append(("List-Unsubscribe", f"<{https}>, <{mailto}>"))
            # RFC 8058 one-click needs an https URI: an http:// base_url gets the link, not the promise.
            if https.startswith("https://"):
                fields.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        else:
            fields.append(("List-Unsubscribe", f"<{mailto}>"))
        # Content-Type by hand: on a message without a body the generator would add an empty multipart.
        return (
            self._shared_headers()
            + self._header_bytes(fields)
            + f"Content-Type: {content_type}\r\n\r\n".encode("ascii")
        )

    def render(self, recipient: Recipient) -> bytes:
        """The message as the bytes that go over SMTP (CRLF lines), DKIM-signed if configured."""
        mailto, https = self._unsubscribe(recipient)
        link = https or mailto
        attached = self._pdf is not None and recipient.format in ("pdf", "both")
        text, markup = self._prepared(attached)
        body = [
            _text_part(text.replace(UNSUBSCRIBE_PLACEHOLDER, link), "plain"),
            _text_part(markup.replace(UNSUBSCRIBE_PLACEHOLDER, html.escape(link)), "html"),
        ]
        # The shared parts are built once; each message is assembled from bytes as it is sent.
        seed = hashlib.sha256(f"{self.build_id}:{recipient.subscriber_id}".encode()).hexdigest()[:24]
        alt, mixed = f"=_alt_{seed}", f"=_mix_{seed}"
        if attached:
            head = self._headers(recipient, f'multipart/mixed; boundary="{mixed}"')
            payload = _multipart(
                "mixed", mixed, [_multipart("alternative", alt, body), self._pdf], headers=False
            )
        else:
            head = self._headers(recipient, f'multipart/alternative; boundary="{alt}"')
            payload = _multipart("alternative", alt, body, headers=False)
        data = head + payload
        return self._signer.sign(data) if self._signer else data

    def message(self, recipient: Recipient) -> EmailMessage:
        """The message parsed back into an EmailMessage (for inspection; sending uses `render`)."""
        from email import message_from_bytes
        from email.policy import default

        return message_from_bytes(self.render(recipient), policy=default)  # type: ignore[return-value]
