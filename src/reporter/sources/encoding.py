"""What a seed's bytes really are: binary or text, UTF-8 whatever the manifest says, or which code page.

charset-normalizer guesses poorly on short single-byte texts (a French paragraph in Latin-1 comes out
as cp775 or cp1250), so the Western code page is tried first: if every non-ASCII byte reads as a
letter or common punctuation in Windows-1252 (a superset of Latin-1 for text), that is the answer.
"""

from __future__ import annotations

import unicodedata

_SAMPLE = 8192
_BINARY_SHARE = 0.05  # more control bytes than this in the first 8 KB: not a text file
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, newline, form feed, carriage return
_PUNCTUATION = set("‘’‚“”„–—…•€£¥©®°±·×÷§¶«»¡¿ªº¹²³µ")


def looks_binary(data: bytes) -> str | None:
    """Why the bytes are not text ("41% control bytes"), or None when they may well be text."""
    sample = data[:_SAMPLE]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte-order mark: text
        return None
    controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
    share = controls / len(sample)
    if share > _BINARY_SHARE:
        return f"{share:.0%} of its first {len(sample):,} bytes are control bytes"
    return None


def utf8_despite(data: bytes, declared: str) -> str | None:
    """The text, when bytes declared as another encoding are valid UTF-8 with non-ASCII in them."""
    if declared.lower().replace("_", "-") in {"utf-8", "utf8", "utf-8-sig"} or data.isascii():
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def guess_encoding(data: bytes) -> str | None:
    """The likeliest single-byte encoding of bytes that are not UTF-8: cp1252 if it reads cleanly."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(
        ch.isascii() or unicodedata.category(ch).startswith("L") or ch in _PUNCTUATION for ch in text
    ):
        return "cp1252"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # an optional nicety: the error is clear without it
        return None
    best = from_bytes(data).best()
    return best.encoding if best else None
