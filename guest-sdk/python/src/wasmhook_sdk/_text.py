"""Character helpers that behave like the Rust ``str`` methods the Rust SDK relies on.

Python's ``str.strip()`` and ``str.isspace()`` also treat the separators U+001C to U+001F as
whitespace; Rust's ``char::is_whitespace`` (Unicode White_Space) does not. The SDK's helpers
use :func:`trim` so that they give exactly the Rust SDK's results.
"""

from __future__ import annotations

#: Rust's ``char::is_whitespace``: the Unicode White_Space characters.
WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def trim(text: str) -> str:
    """Rust's ``str::trim``: ``text`` without leading and trailing Unicode White_Space.

    >>> trim(" \\x1c "), " \\x1c ".strip()
    ('\\x1c', '')
    """
    return text.strip(WHITESPACE)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def ascii_lower(text: str) -> str:
    """Rust's ``str::to_ascii_lowercase``: only ``A`` to ``Z`` change (``str.lower`` also
    folds letters such as the Kelvin sign, ``K``, into ``k``).

    >>> ascii_lower("X-\\u212a"), "X-\\u212a".lower()
    ('x-\\u212a', 'x-k')
    """
    return text.translate(_ASCII_LOWER)


def ascii_upper(text: str) -> str:
    """Rust's ``str::to_ascii_uppercase``."""
    return text.translate(_ASCII_UPPER)
