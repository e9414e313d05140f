"""The Python guest SDK for wasmhook transformer plugins.

A transformer plugin is a WebAssembly component that turns one raw third-party webhook
request into chat messages. This package hides the component-model plumbing: subclass
:class:`Plugin`, test it natively with pytest, and build it with ``python -m
wasmhook_sdk.build``::

    from wasmhook_sdk import Message, Outcome, Plugin, Request, inert

    class Hello(Plugin):
        def transform(self, request: Request) -> Outcome:
            event = request.json()
            return Outcome.message(Message(inert.text(event["text"]), username="Hello"))

What is where: :class:`Request` (headers, body, JSON, form fields, configuration),
:class:`Outcome` and :class:`Message` (what to post), the errors (:class:`InvalidPayload`,
:class:`Unauthorized`, :class:`UnsupportedEvent`, :class:`Internal`), :mod:`.log`,
:mod:`.markdown` and :mod:`.mention` (building content from untrusted text), :mod:`.inert`
(both at once: Markdown escaped and ``@`` defused, for text from the payload), :mod:`.limits`
(the host's limits on every message),
:mod:`.signature` (HMAC-SHA256 in constant time), :mod:`.config` (configuration schemas;
:attr:`Plugin.config_schema` has the host check a configuration when it is set),
:mod:`.testing` (golden-file tests) and :mod:`.build` (making the component).
"""

from . import inert, limits, log, markdown, mention, signature
from .errors import (
    ConfigError,
    Internal,
    InvalidPayload,
    PluginError,
    Unauthorized,
    UnsupportedEvent,
)
from .message import Message, Outcome, check_sender_overrides
from .plugin import Plugin
from .request import Request

__version__ = "0.1.1"

__all__ = [
    "ConfigError",
    "Internal",
    "InvalidPayload",
    "Message",
    "Outcome",
    "Plugin",
    "PluginError",
    "Request",
    "Unauthorized",
    "UnsupportedEvent",
    "check_sender_overrides",
    "inert",
    "limits",
    "log",
    "markdown",
    "mention",
    "signature",
]
