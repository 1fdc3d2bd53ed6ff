"""File names as safe text: for terminals, JSON, CSV, spreadsheets and the audit log.

A file name on Linux is bytes; one that is not UTF-8 (``caf\\xe9.jpg`` written by a Windows tool) reaches Python
as a string with surrogate escapes, which cannot be encoded as UTF-8, and a name may hold control characters
(a newline, ESC). ``shown`` turns both into visible escapes (``caf\\xe9.jpg``, ``a\\x0ab.jpg``), so that every
name can be printed, logged and written on one line. The file itself is still opened by its real name.

``cell_text`` also defuses spreadsheet formulas (OWASP "CSV injection"): a text cell that starts with
``= + - @`` gets a leading apostrophe, so ``=1+2.jpg`` stays a file name in Excel and LibreOffice.
"""

from __future__ import annotations

import re

# C0/C1 controls, line and paragraph separators, and the bidirectional overrides and isolates (U+202A-202E,
# U+2066-2069), with which a name can display as another ("P0001_\u202egpj.jpg")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text) -> str:
    """``text`` (a path or name) with undecodable bytes and control characters as visible escapes."""
    s = str(text)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        try:  # surrogate escapes of undecodable bytes: show the bytes
            s = s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # other lone surrogates
            s = s.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(_escape, s)


def cell_text(value):
    """A spreadsheet cell's value: text made safe by ``shown`` and never a formula; other values unchanged."""
    if not isinstance(value, str):
        return value
    value = shown(value)
    return "'" + value if value.startswith(FORMULA_START) else value


NAME_BYTES = 255  # the longest file name most file systems take


def cut_stem(stem: str, tail: str, spare: int = 0) -> str:
    """``stem`` cut at a character boundary so that ``stem + tail`` and ``spare`` more bytes make a file name of
    at most NAME_BYTES bytes (a legal 250-byte name plus ".interrupted.csv" or ".heatmap.png" is not one)."""
    import os

    room = NAME_BYTES - len(os.fsencode(tail)) - spare
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    return stem
