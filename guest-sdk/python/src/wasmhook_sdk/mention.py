"""Writing mentions the host resolves (``<@email>``, ``@username``), and suppressing
accidental ones in untrusted text. Behaves exactly like the Rust SDK's ``mention`` module.
"""

from __future__ import annotations

from typing import Optional

_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def email(addr: str) -> Optional[str]:
    """A mention of the user with this email, ``<@addr>``, or ``None`` when ``addr`` does not
    look like an email (one ``@`` with text on both sides, no spaces, control characters or
    angle brackets). The host notifies the user if they are a member of the community.

    >>> email("ada@example.com"), email("not an email")
    ('<@ada@example.com>', None)
    """
    local, at, domain = addr.partition("@")
    valid = (
        at
        and local
        and domain
        and "@" not in domain
        and not any(c.isspace() or _is_control(c) or c in "<>" for c in addr)
    )
    return f"<@{addr}>" if valid else None


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def username(name: str) -> Optional[str]:
    """A mention of the user with this username, ``@name``, or ``None`` when ``name`` is empty
    or has characters other than ASCII letters, digits and ``_`` (the host could not resolve
    it). Usernames are case-sensitive; only members of the webhook's channel are notified.

    >>> username("ada_l"), username("ada-l")
    ('@ada_l', None)
    """
    return f"@{name}" if is_valid_username(name) else None


def is_valid_username(name: str) -> bool:
    """Whether ``name`` can be mentioned as ``@name``: non-empty, ASCII letters, digits and
    ``_`` only."""
    return bool(name) and all(c in _USERNAME_CHARS for c in name)


def suppress(text: str) -> str:
    """Makes every ``@`` in ``text`` inert, so quoting untrusted text (an error message, an
    issue title) does not notify anyone: a WORD JOINER (U+2060) is inserted after each ``@``.

    >>> suppress("thanks @ada")
    'thanks @\\u2060ada'
    """
    return text.replace("@", "@\u2060")
