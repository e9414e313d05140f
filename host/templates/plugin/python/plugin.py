"""{{name}}: a wasmhook transformer plugin.

It posts one Markdown message for a JSON alert such as::

    {"title": "Disk almost full", "text": "/var is at 95%", "url": "https://status.example.com/1"}

Every field is optional; ``url`` (http or https) links the title. An empty body, or an alert
with neither title nor text (a "ping"), posts nothing. Text from the payload is escaped and its
``@`` made inert, so it can neither format nor mention anyone.

Configuration (optional): ``{"username": "Monitor"}`` overrides the webhook's display name; any
other key is refused when the configuration is set (HTTP 422 naming it).
"""

from __future__ import annotations

from typing import Any, Optional

from wasmhook_sdk import (
    InvalidPayload,
    Message,
    Outcome,
    Plugin,
    Request,
    check_sender_overrides,
    inert,
    log,
    markdown,
)
from wasmhook_sdk.limits import MAX_CONTENT_CHARS

#: Why an empty body, or an alert without title and text, posts nothing.
NOTHING_TO_POST = "nothing to post: no title or text (a ping?)"


class {{type}}(Plugin):
    """The plugin: one message per alert."""

    #: The configuration's keys and types: the host checks a configuration against it when it
    #: is set (an unknown key or a mistyped value is refused with HTTP 422 naming it), so a typo
    #: cannot go unnoticed.
    config_schema = {"username": str}

    def transform(self, request: Request) -> Outcome:
        config = request.config(self.config_schema)
        check_sender_overrides(config.get("username"), None)
        if not request.body.strip():
            return Outcome.skip(NOTHING_TO_POST)
        # Bad JSON raises InvalidPayload: HTTP 422 for the sender, nothing kept.
        alert = request.json()
        if not isinstance(alert, dict):
            raise InvalidPayload("expected a JSON object")
        content = render(alert)
        if content is None:
            return Outcome.skip(NOTHING_TO_POST)
        log.info("posting an alert of %d characters", len(content))
        return Outcome.message(Message(content, username=config.get("username")))


def field(alert: dict[str, Any], name: str) -> str:
    """The string field ``name``, stripped; ``""`` when absent."""
    value = alert.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidPayload(f"`{name}` must be a string")
    return value.strip()


def render(alert: dict[str, Any]) -> Optional[str]:
    """The title in bold (a link when there is a URL), then the text; ``None`` when both are
    empty."""
    url = alert.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        raise InvalidPayload("url must be an http(s) URL")
    # Payload text goes through `inert`: Markdown escaped and `@` made inert, in one call.
    lines = []
    title = field(alert, "title")
    if title:
        lines.append(f"**{inert.link(title, url) if url else inert.text(title)}**")
    text = field(alert, "text")
    if text:
        lines.append(inert.text(text))
    return markdown.truncate("\n".join(lines), MAX_CONTENT_CHARS) if lines else None
