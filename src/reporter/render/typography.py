"""Typographic quotes and apostrophes for text that reaches a printed or mailed page.

Generated sentences and feed titles arrive with typewriter quotes ("It's", "the "Quad""); a printed
report uses ’ “ ” ‘. Applied to template output only (Jinja's `finalize`), never to markup, URLs
or the JSON, which keeps the text as it came.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|[#/.?])|^\S*[/=]\S*$", re.I)
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|(?<=[sS])'(?=[\s,.;:!?)]|$)|'(?=\d\ds\b)")
_OPEN_DOUBLE = re.compile(r'(^|[\s(\[{\u2014\u2013-])"')
_OPEN_SINGLE = re.compile(r"(^|[\s(\[{\u2014\u2013\u201c-])'")
_NBSP = "\u00a0"
_TRAILING_PARENS = re.compile(r"\(([^()]*)\)\s*$")


def smart_quotes(text: str) -> str:
    """Straight quotes and apostrophes as typographic ones: it’s, “the Quad”, ‘so-called’."""
    if "'" not in text and '"' not in text:
        return text
    text = _APOSTROPHE.sub("\u2019", text)
    text = _OPEN_DOUBLE.sub("\\1\u201c", text).replace('"', "\u201d")
    return _OPEN_SINGLE.sub("\\1\u2018", text).replace("'", "\u2019")


def finalize(value: object) -> object:
    """Jinja `finalize`: typographic quotes in plain text; markup, URLs and non-text left alone."""
    if isinstance(value, Markup) or not isinstance(value, str) or _URLISH.search(value):
        return value
    return smart_quotes(value)


def keep_parenthesis_together(text: str) -> str:
    """No line break inside a trailing parenthesis: 'Country Report: Japan (November 2025)'."""
    return _TRAILING_PARENS.sub(lambda m: "(" + m.group(1).replace(" ", _NBSP) + ")", text)
