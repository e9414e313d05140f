"""The errors a transform raises: one class per WIT `plugin-error` case.

The host maps each case to an HTTP status for the sender::

    raise Unauthorized("bad Sentry-Hook-Signature")       # 401
    raise InvalidPayload("no `event` in the body")        # 422
    raise UnsupportedEvent('resource "installation"')     # 200, reported as ignored
    raise Internal("invalid plugin configuration: ...")   # 500, the delivery can be replayed
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
