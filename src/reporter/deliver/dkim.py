"""Optional DKIM signing (dkimpy), covering the unsubscribe headers as RFC 8058 asks."""

from __future__ import annotations

from dataclasses import dataclass

from reporter.config import SmtpSettings
from reporter.errors import DeliveryError

# RFC 8058 §4: the signature must cover both List-Unsubscribe headers.
SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version", b"content-type",
    b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DkimSigner:
    """Signs serialised messages with one domain's key."""

    selector: str
    domain: str
    private_key: bytes

    @classmethod
    def from_settings(cls, smtp: SmtpSettings) -> DkimSigner | None:
        """A signer when the key file, selector and domain are all configured; None when none is."""
        given = {
            "key file (REPORTER_DKIM_KEY_FILE / smtp.dkim_key_file)": smtp.dkim_key_file,
            "selector (REPORTER_DKIM_SELECTOR / smtp.dkim_selector)": smtp.dkim_selector,
            "domain (REPORTER_DKIM_DOMAIN / smtp.dkim_domain)": smtp.dkim_domain,
        }
        if not any(given.values()):
            return None
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise DeliveryError(
                f"DKIM is half configured: missing the {', '.join(missing)}",
                hint="set all three to sign messages, or none to send unsigned",
            )
        assert smtp.dkim_key_file and smtp.dkim_selector and smtp.dkim_domain
        try:
            key = smtp.dkim_key_file.read_bytes()
        except OSError as exc:
            raise DeliveryError(
                f"cannot read the DKIM key {smtp.dkim_key_file}: {exc.strerror}",
                hint="point REPORTER_DKIM_KEY_FILE at a PEM RSA private key readable by this user",
            ) from None
        signer = cls(smtp.dkim_selector, smtp.dkim_domain, key)
        # Fail now, on a bad key, rather than in the middle of a batch.
        signer.sign(b"From: a@example.org\r\nSubject: key check\r\n\r\nkey check\r\n")
        return signer

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header prepended."""
        import dkim

        try:
            header = dkim.sign(
                message,
                self.selector.encode(),
                self.domain.encode(),
                self.private_key,
                include_headers=list(SIGNED_HEADERS),
            )
        except dkim.DKIMException as exc:
            raise DeliveryError(
                f"DKIM signing failed: {exc}",
                hint="the key must be a PEM RSA private key (openssl genrsa -traditional 2048)",
            ) from None
        return header + message
