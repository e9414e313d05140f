"""The :class:`Plugin` base class, and running a plugin on one request."""

from __future__ import annotations

import json as _json
from typing import Any, ClassVar, Optional

from .config import Schema, check_config
from .errors import ConfigError, Internal
from .message import Outcome
from .request import Request


class Plugin:
    """A transformer plugin: subclass it and implement :meth:`transform`.

    The host calls ``transform`` once per request on a fresh instance (of the whole
    component), so there is no state to keep between requests. A plugin is plain Python:
    test it natively with pytest, build it into a component with ``python -m
    wasmhook_sdk.build``.

    >>> class Shout(Plugin):
    ...     def transform(self, request):
    ...         return Outcome.message(request.text().upper())
    >>> Shout().transform(Request("hi")).as_messages()[0].content
    'HI'
    """

    def transform(self, request: Request) -> Outcome:
        """Transforms one request into an :class:`Outcome`: messages
        (:meth:`Outcome.message`, :meth:`Outcome.messages`) or :meth:`Outcome.skip`. Raise a
        :class:`~wasmhook_sdk.errors.PluginError` subclass to fail (each maps to an HTTP
        status for the sender). As in the Rust and JavaScript SDKs, anything other than an
        ``Outcome`` (a ``str``, a :class:`Message`, a list) fails as
        :class:`~wasmhook_sdk.errors.Internal`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement transform")

    #: The configuration's schema (see :mod:`wasmhook_sdk.config`), or ``None``. When set,
    #: :meth:`validate_config` checks a configuration against it when it is set, and
    #: ``request.config(self.config_schema)`` reads it in :meth:`transform`.
    config_schema: ClassVar[Optional[Schema]] = None

    def validate_config(self, config: dict[str, Any]) -> None:
        """Checks a webhook's configuration (a parsed JSON object) when it is set: the host
        calls it on ``PATCH plugin_config`` and refuses the configuration with HTTP 422 naming
        ``plugin_config.<path>`` when it raises :class:`~wasmhook_sdk.errors.ConfigError`.
        By default it checks :attr:`config_schema` (and accepts everything without one);
        override it to check values too, calling ``super().validate_config(config)`` first.

        >>> class Alerts(Plugin):
        ...     config_schema = {"min_level": str}
        >>> Alerts().validate_config({"min_level": "error"})
        >>> Alerts().validate_config({"colour": "red"})
        Traceback (most recent call last):
        ...
        wasmhook_sdk.errors.ConfigError: internal error: invalid plugin configuration: unknown field `colour`, expected one of `min_level`
        """
        if self.config_schema is not None:
            check_config(config, self.config_schema)


def run(plugin: Plugin, request: Request) -> Outcome:
    """Runs ``plugin`` on ``request`` and returns its :class:`Outcome`;
    :class:`~wasmhook_sdk.errors.PluginError` propagates, and a result that is not an
    ``Outcome`` raises :class:`~wasmhook_sdk.errors.Internal`."""
    outcome = plugin.transform(request)
    if not isinstance(outcome, Outcome):
        raise Internal(
            f"transform returned {_describe(outcome)}, not an Outcome (return "
            "Outcome.message(...), Outcome.messages(...) or Outcome.skip(...))"
        )
    return outcome


def validate(plugin: Plugin, config_json: str) -> None:
    """Checks a configuration given as JSON text with ``plugin``'s
    :meth:`~Plugin.validate_config`; raises :class:`~wasmhook_sdk.errors.ConfigError` naming
    the key at fault (an empty path for the configuration as a whole).

    >>> validate(Plugin(), "[1]")
    Traceback (most recent call last):
    ...
    wasmhook_sdk.errors.ConfigError: internal error: invalid plugin configuration: expected a JSON object
    """
    try:
        value = _json.loads(config_json.strip() or "{}")
    except ValueError as err:
        raise ConfigError("", f"not JSON: {err}") from None
    if not isinstance(value, dict):
        raise ConfigError("", "expected a JSON object")
    plugin.validate_config(value)


def _describe(value: object) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def find_plugin(module: Any, name: str = "") -> Plugin:
    """The plugin of ``module``: its attribute ``name`` when given, else its ``PLUGIN``
    attribute, else the one :class:`Plugin` subclass it defines. Classes are instantiated."""
    if name or hasattr(module, "PLUGIN"):
        found = getattr(module, name or "PLUGIN")
    else:
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Plugin)
            and value is not Plugin
            and value.__module__ == module.__name__
        ]
        if len(classes) != 1:
            names = ", ".join(c.__name__ for c in classes) or "none"
            raise LookupError(
                f"module {module.__name__} must define exactly one Plugin subclass "
                f"(found: {names}), or set PLUGIN"
            )
        found = classes[0]
    plugin = found() if isinstance(found, type) else found
    if not callable(getattr(plugin, "transform", None)):
        raise TypeError(f"{plugin!r} has no transform method")
    return plugin
