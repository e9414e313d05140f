"""The :class:`Plugin` base class, and running a plugin on one request."""

from __future__ import annotations

from typing import Any

from .errors import Internal
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
