"""The :class:`Plugin` base class, and running a plugin on one request."""

from __future__ import annotations

from typing import Any, List, Union

from .message import Message, Outcome
from .request import Request

#: What :meth:`Plugin.transform` may return (see :meth:`Outcome.of`).
TransformResult = Union[Outcome, Message, str, List[Union[Message, str]]]


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

    def transform(self, request: Request) -> TransformResult:
        """Transforms one request into messages, or :meth:`Outcome.skip`; raise a
        :class:`~wasmhook_sdk.errors.PluginError` subclass to fail (each maps to an HTTP
        status for the sender). May return an :class:`Outcome`, a :class:`Message` or
        ``str`` (one message), or a list of them."""
        raise NotImplementedError(f"{type(self).__name__} does not implement transform")


def run(plugin: Plugin, request: Request) -> Outcome:
    """Runs ``plugin`` on ``request`` and returns its result as an :class:`Outcome`;
    :class:`~wasmhook_sdk.errors.PluginError` propagates."""
    return Outcome.of(plugin.transform(request))


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
