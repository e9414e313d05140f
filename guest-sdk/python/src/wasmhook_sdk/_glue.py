"""The adapter between a :class:`Plugin` and componentize-py's generated bindings.

Used by the entry module that :mod:`wasmhook_sdk.build` generates; the bindings are passed in,
so this package never imports them and works natively without them.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any, Callable, Optional

from . import log
from .errors import ConfigError, InvalidPayload, PluginError, Unauthorized, UnsupportedEvent
from .plugin import Plugin, run, validate
from .request import Request

_ERROR_CASES = (
    (InvalidPayload, "PluginError_InvalidPayload"),
    (Unauthorized, "PluginError_Unauthorized"),
    (UnsupportedEvent, "PluginError_UnsupportedEvent"),
)


def bind(plugin: Plugin, types: Any, wit_log: Any, err: type) -> Callable[[Any], Any]:
    """The world's ``transform`` for ``plugin``: ``types`` and ``wit_log`` are the generated
    ``wit_world.imports`` modules, ``err`` is ``componentize_py_types.Err``. Also sends the
    SDK's log records to the host."""
    levels = {level: getattr(wit_log.Level, level.name) for level in log.Level}
    log.set_host_sink(lambda level, message: wit_log.log(levels[level], message))
    errors = [(cls, getattr(types, case)) for cls, case in _ERROR_CASES]
    message, skip, messages = types.Message, types.Outcome_Skip, types.Outcome_Messages
    internal = types.PluginError_Internal

    def transform(request: Any) -> Any:
        try:
            outcome = run(plugin, Request._from_wit(request))
        except PluginError as error:
            case = next((case for cls, case in errors if isinstance(error, cls)), internal)
            raise err(case(error.message)) from None
        except Exception as error:  # a bug in the plugin: report it rather than trap
            where = _location(error.__traceback__)
            text = f"unexpected {type(error).__name__}: {error}{f' at {where}' if where else ''}"
            log.error(text)
            raise err(internal(text)) from None
        if outcome.skip_reason is not None:
            return skip(outcome.skip_reason)
        return messages([message(m.content, m.username, m.avatar_url) for m in outcome.as_messages()])

    return transform


_SDK_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__))


def _location(traceback: Optional[TracebackType]) -> str:
    """``file:line`` of the innermost frame in the plugin's own code (not the SDK's, not the
    standard library's), else of the innermost frame; the file relative to its entry of
    ``sys.path`` (``my_plugin.py``, ``package/module.py``), as inside a component the paths are
    the build's mapping, not the author's."""
    frames = []
    while traceback is not None:
        frames.append((os.path.abspath(traceback.tb_frame.f_code.co_filename), traceback.tb_lineno))
        traceback = traceback.tb_next
    if not frames:
        return ""
    own = [f for f in frames if not f[0].startswith((_SDK_DIR + os.sep, _STDLIB_DIR + os.sep))]
    file, line = (own or frames)[-1]
    roots = sorted((os.path.abspath(p) for p in sys.path if p), key=len, reverse=True)
    for root in roots:
        if file.startswith(root + os.sep):
            file = os.path.relpath(file, root)
            break
    return f"{file}:{line}"


_PREFIX = "invalid plugin configuration: "


def bind_validate(plugin: Plugin, types: Any, err: type) -> Callable[[str], None]:
    """The world's ``validate-config`` for ``plugin`` (see :func:`bind` for the arguments):
    ``None`` when it accepts the configuration, else ``err(types.ConfigError(path, message))``
    naming the key."""

    def validate_config(config: str) -> None:
        try:
            validate(plugin, config)
        except ConfigError as error:
            raise err(types.ConfigError(error.path, error.reason)) from None
        except PluginError as error:
            message = error.message
            reason = message[len(_PREFIX):] if message.startswith(_PREFIX) else message
            raise err(types.ConfigError("", reason)) from None
        except Exception as error:  # a bug in the plugin's check: report it rather than trap
            text = f"unexpected {type(error).__name__} while checking: {error}"
            log.error(text)
            raise err(types.ConfigError("", text)) from None

    return validate_config
