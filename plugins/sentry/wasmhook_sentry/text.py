"""Message text from untrusted payload values: one line, cut, escaped, with inert ``@``s."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from wasmhook_sdk import inert, markdown
from wasmhook_sdk.limits import MAX_CONTENT_CHARS

#: A message's lines, and the mentions to end it with.
Rendered = Tuple[List[str], List[str]]
#: Level emoji, least severe first.
LEVEL_EMOJI = {"debug": "⚪", "info": "🔵", "warning": "🟠", "error": "🔴", "fatal": "💥"}


def string(value: Any) -> Optional[str]:
    """``value`` as text when it is a non-empty string or a number, else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None


def get(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or ``None`` where a level is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def one_line(raw: str, max_chars: int) -> str:
    """``raw`` with its whitespace runs collapsed to single spaces, cut to ``max_chars``."""
    return markdown.truncate(" ".join(raw.split()), max_chars)


def inline(raw: str, max_chars: int = 200) -> str:
    """Untrusted text for the middle of a line."""
    return inert.text(one_line(raw, max_chars))


def code(raw: str, max_chars: int = 120) -> str:
    """Untrusted text as an inline code span."""
    return inert.code(one_line(raw, max_chars))


def link(label: str, url: Optional[str], max_chars: int = 200) -> str:
    """A link to ``url`` when it is http(s) (``@`` encoded so it cannot mention anyone), else
    the escaped label alone."""
    label = one_line(label, max_chars)
    if url is None or not url.startswith(("https://", "http://")):
        return inert.text(label)
    return inert.link(label, url)


def quote(raw: str, max_chars: int = 1000) -> str:
    """Untrusted multi-line text as a Markdown block quote."""
    cut = markdown.truncate(raw.strip(), max_chars)
    return "\n".join("> " + inert.text(line) for line in cut.split("\n"))


def level_badge(level: str) -> str:
    """``🔴 **Error**`` for a level (unknown levels get ``⚪`` and their own name)."""
    return f"{LEVEL_EMOJI.get(level, '⚪')} **{inline(level.capitalize(), 20)}**"


def finish(lines: list[str], mentions: list[str]) -> str:
    """The message: ``lines`` without empty ones, then ``cc`` and the mentions, within the
    host's limit (the mentions always survive)."""
    trailer = "\ncc " + " ".join(mentions) if mentions else ""
    body = "\n".join(line for line in lines if line)
    return markdown.truncate(body, MAX_CONTENT_CHARS - len(trailer)) + trailer
