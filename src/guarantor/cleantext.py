"""Clean text: what may be stored or printed from input nobody vouches for.

Text is clean when it is valid Unicode (no lone surrogates) without control characters: no NUL,
no ANSI escape (ESC), no DEL or C1 controls; running text may hold tab, line feed and carriage
return. A name (a party, a kind, a key, an actor, an id) may not hold those either, nor line
separators or the bidirectional overrides and isolates that make a name read differently from
what it is (U+202A-U+202E, U+2066-U+2069).
"""

from __future__ import annotations

import re

_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# The first character that makes text (or a name) unclean, as a regex match, or None: the fast
# test for hot paths; text_problem says why.
find_bad_text = _BAD_TEXT.search
find_bad_name = _BAD_NAME.search


def describe_char(ch: str) -> str:
    """A control or otherwise invisible character written so that a reader sees what it is."""
    return f"U+{ord(ch):04X}"


def text_problem(text: str, *, name: bool = False) -> str | None:
    """Why a string is not clean (control character, lone surrogate), or None when it is."""
    bad = (_BAD_NAME if name else _BAD_TEXT).search(text)
    if bad is None:
        return None
    ch = bad.group()
    if "\ud800" <= ch <= "\udfff":
        return f"holds a lone surrogate ({describe_char(ch)}): not valid Unicode"
    return f"holds the control character {describe_char(ch)} at position {bad.start()}"


def visible_text(text: str) -> str:
    """Text for a terminal or a CSV cell: control, line-break and bidi characters as escapes (\\x1b)."""
    return _BAD_NAME.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
