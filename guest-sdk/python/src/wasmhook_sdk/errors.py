"""The errors a transform raises: one class per WIT `plugin-error` case.

The host maps each case to an HTTP status for the sender::

    raise Unauthorized("bad Sentry-Hook-Signature")       # 401
    raise InvalidPayload("no `event` in the body")        # 422
    raise UnsupportedEvent('resource "installation"')     # 200, reported as ignored
    raise Internal("invalid plugin configuration: ...")   # 500, the delivery can be replayed

:class:`ConfigError` is the :class:`Internal` error of a bad configuration, naming the key:
the host refuses such a configuration when it is set (HTTP 422 naming ``plugin_config.<key>``)
for a plugin that checks it (see :meth:`wasmhook_sdk.Plugin.validate_config`).
"""

from __future__ import annotations


class PluginError(Exception):
    """Why a transform failed; raise one of the subclasses."""

    #: Human-readable kind, as in ``str(error)``: ``"unauthorized: bad signature"``.
    kind = "plugin error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.message == self.message  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.message))


class InvalidPayload(PluginError):
    """The body is not what the plugin expects (HTTP 422)."""

    kind = "invalid payload"


class Unauthorized(PluginError):
    """The request failed authentication, for example a bad signature (HTTP 401)."""

    kind = "unauthorized"


class UnsupportedEvent(PluginError):
    """A well-formed event the plugin does not handle (HTTP 200, status "ignored")."""

    kind = "unsupported event"


class Internal(PluginError):
    """Any other failure (HTTP 500); the request is kept as a failed delivery that can be
    replayed, for example after fixing the webhook's configuration."""

    kind = "internal error"


class ConfigError(Internal):
    """A configuration the plugin refuses, naming the key at fault: ``path`` is the key as a
    path into the configuration (``colour``, ``mentions.alice``, ``branches[1]``; empty for
    the whole), ``reason`` the rule it breaks. Raised during a transform it is an
    :class:`Internal` error (HTTP 500) with the message ``invalid plugin configuration:
    <reason>``; raised by :meth:`~wasmhook_sdk.Plugin.validate_config`, the host answers the
    ``PATCH`` that set the configuration with HTTP 422 naming ``plugin_config.<path>``.

    >>> error = ConfigError("colour", "unknown field `colour`")
    >>> (error.path, error.reason, error.message)
    ('colour', 'unknown field `colour`', 'invalid plugin configuration: unknown field `colour`')
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"invalid plugin configuration: {reason}")
        self.path = path
        self.reason = reason

    def __repr__(self) -> str:
        return f"ConfigError({self.path!r}, {self.reason!r})"
