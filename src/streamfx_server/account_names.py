"""Emails and display names that cannot pass for someone else's.

`bob@example.com` with a zero-width space, its fullwidth spelling (U+FF42...), a NUL or a
right-to-left override each used to make a new account that looks the same as Bob's
in `streamfx server accounts list`. So every email is normalised (NFKC, which folds
fullwidth and other compatibility forms, then lower case) before it is stored or
looked up, and control and format characters (Unicode categories Cc and Cf: NUL,
zero-width spaces and joiners, direction overrides) are refused in emails and
display names. Letters from other scripts that merely look alike (a Cyrillic o, U+043E)
are still distinct accounts; see docs/SECURITY.md.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = frozenset(("Cc", "Cf"))


def refuse_invisible(value: str) -> str:
    """`value` unchanged, or ValueError if it holds a control or format character."""
    for char in value:
        if unicodedata.category(char) in _INVISIBLE:
            raise ValueError(
                f"must not contain control or invisible format characters (found U+{ord(char):04X})"
            )
    return value


def normalise_email(value: str) -> str:
    """The one spelling of an email that is stored and looked up."""
    return unicodedata.normalize("NFKC", value).strip().lower()
