"""Building Markdown message content safely from untrusted text.

Behaves exactly like the Rust SDK's ``wasmhook_sdk::markdown``.
"""

from __future__ import annotations

from ._text import trim

_INLINE_SPECIAL = frozenset("\\`*_~[]<>|")
_DIGITS = frozenset("0123456789")
_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E",
                "\n": "", "\r": "", "\t": ""}


def escape(text: str) -> str:
    """Escapes ``text`` so it renders literally: inline formatting characters are always
    backslash-escaped, and block markers (``#``, ``-``, ``+``, ``=``, ``1.``) only at the
    start of a line, where they matter. Mentions are not touched (see
    :func:`wasmhook_sdk.mention.suppress`).

    >>> escape("fix *all* the_things")
    'fix \\\\*all\\\\* the\\\\_things'
    >>> escape("v1.2.3 - done")
    'v1.2.3 - done'
    """
    return "\n".join(_escape_line(line) for line in text.split("\n"))


def _escape_line(line: str) -> str:
    rest = line.lstrip(" \t")
    out = [line[: len(line) - len(rest)]]
    # A block marker is only special at the start of a line.
    marker_end = -1
    if rest[:1] in ("#", "-", "+", "="):
        marker_end = 0
    elif rest[:1] in _DIGITS:
        digits = 1
        while digits < len(rest) and rest[digits] in _DIGITS:
            digits += 1
        if rest[digits : digits + 1] in (".", ")"):
            marker_end = digits
    for i, char in enumerate(rest):
        if i == marker_end or char in _INLINE_SPECIAL:
            out.append("\\")
        out.append(char)
    return "".join(out)


def link(text: str, url: str) -> str:
    """A link ``[text](url)``: ``text`` is escaped, and the characters of ``url`` that would
    end the link early (spaces, parentheses, angle brackets) are percent-encoded.

    >>> link("PR #1 [draft]", "https://example.com/a b")
    '[PR #1 \\\\[draft\\\\]](https://example.com/a%20b)'
    """
    label = "".join("\\" + c if c in _INLINE_SPECIAL else c for c in text)
    return f"[{label}]({_destination(url)})"


def _destination(url: str) -> str:
    """``url`` as a link destination: the characters that would end it early encoded, line
    breaks and tabs dropped."""
    return "".join(_URL_ESCAPES.get(c, c) for c in url)


def code(text: str) -> str:
    """An inline code span showing ``text`` literally, whatever backticks it contains; empty
    text gives an empty string (an empty code span does not exist in Markdown).

    >>> code("main"), code("a`b"), code("`x`")
    ('`main`', '``a`b``', '`` `x` ``')
    """
    if not text:
        return ""
    fence = "`" * (_longest_backtick_run(text) + 1)
    # CommonMark strips one space on each side when both are present; pad so that the
    # text's own edge backticks or spaces survive.
    pad = (
        text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and trim(text) != "")
    )
    space = " " if pad else ""
    return f"{fence}{space}{text}{space}{fence}"


def code_block(text: str, language: str = "") -> str:
    """A fenced code block showing ``text`` literally, with an optional language for
    highlighting. The fence is longer than any backtick run in ``text``.

    >>> code_block("{}", "json")
    '```json\\n{}\\n```'
    """
    fence = "`" * max(_longest_backtick_run(text) + 1, 3)
    newline = "" if text.endswith("\n") else "\n"
    return f"{fence}{language}\n{text}{newline}{fence}"


def _longest_backtick_run(text: str) -> int:
    longest = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    return longest


def truncate(text: str, max_chars: int) -> str:
    """Shortens ``text`` to at most ``max_chars`` characters, ending with ``…`` when
    something was cut.

    >>> truncate("hello world", 8), truncate("short", 8)
    ('hello w…', 'short')
    """
    if len(text) <= max_chars:
        return text
    if max_chars <= 0:
        return ""
    return text[: max_chars - 1] + "…"
