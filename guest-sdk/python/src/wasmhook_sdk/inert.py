"""Untrusted text made inert in one call: Markdown escaped and every ``@`` defused, so that a
payload's text (an error message, an issue title, a release name) neither formats the message
nor mentions anyone. Only the mentions a plugin writes itself with
:func:`wasmhook_sdk.mention.email` or :func:`wasmhook_sdk.mention.username` notify.

Each helper is the matching :mod:`wasmhook_sdk.markdown` helper applied to
:func:`wasmhook_sdk.mention.suppress`-ed text, with ``@`` in URLs percent-encoded (``%40``);
each gives exactly the output of the Rust SDK's ``wasmhook_sdk::inert``.

>>> text("*ada* @everyone")
'\\\\*ada\\\\* @\\u2060everyone'
"""

from __future__ import annotations

from . import markdown, mention


def text(raw: str) -> str:
    """Untrusted inline text: :func:`~wasmhook_sdk.markdown.escape`, then
    :func:`~wasmhook_sdk.mention.suppress`.

    >>> text("hi @all *x*")
    'hi @\\u2060all \\\\*x\\\\*'
    """
    return mention.suppress(markdown.escape(raw))


def code(raw: str) -> str:
    """Untrusted text as an inline code span (branch names, tags, SHAs).

    >>> code("a@b")
    '`a@\\u2060b`'
    """
    return markdown.code(mention.suppress(raw))


def code_block(raw: str, language: str = "") -> str:
    """Untrusted text as a fenced code block (a log tail, a stack trace).

    >>> code_block("@ci failed")
    '```\\n@\\u2060ci failed\\n```'
    """
    return markdown.code_block(mention.suppress(raw), language)


def link(label: str, url: str) -> str:
    """A link with an untrusted label and URL: the label escaped with inert ``@``s, every ``@``
    of the URL percent-encoded.

    >>> link("@ada [bot]", "https://x.io/@ada")
    '[@\\u2060ada \\\\[bot\\\\]](https://x.io/%40ada)'
    """
    return markdown.link(mention.suppress(label), _without_at(url))


def url(url: str) -> str:
    """The destination :func:`link` writes for ``url``: ``@`` percent-encoded, and the
    characters that would end a Markdown link early encoded as
    :func:`~wasmhook_sdk.markdown.link` does. For a link around other content, such as a code
    span.

    >>> f"[{code('v1')}]({url('https://x.io/@o/(v1)')})"
    '[`v1`](https://x.io/%40o/%28v1%29)'
    """
    return markdown._destination(_without_at(url))


def _without_at(url: str) -> str:
    return url.replace("@", "%40")
