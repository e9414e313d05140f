"""Logging into the webhook's plugin log, or to stderr when running natively.

>>> from wasmhook_sdk import log
>>> log.info("push with %d commits", 3)

Inside the host, records go to the webhook's plugin log (the host bounds its size). Natively
(in pytest) they are printed to stderr and kept for :func:`take_records`. Arguments are
``%``-formatted only when given, as in the standard ``logging`` module.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Any, Callable, Optional


class Level(IntEnum):
    """Severity of a log record, as in the WIT ``log.level`` enum."""

    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4


#: Records kept at most natively, so a chatty loop in a test cannot eat all memory.
MAX_RECORDS = 10_000

_records: list[tuple[Level, str]] = []
#: Where records go inside a component; set by the generated entry module.
_host_sink: Optional[Callable[[Level, str], None]] = None


def log(level: Level, message: str, *args: Any) -> None:
    """Appends one record to the plugin log of the current request."""
    if args:
        message = message % args
    if _host_sink is not None:
        _host_sink(level, message)
        return
    print(f"[{level.name}] {message}", file=sys.stderr)
    if len(_records) < MAX_RECORDS:
        _records.append((level, message))


def trace(message: str, *args: Any) -> None:
    """Logs very detailed tracing output."""
    log(Level.TRACE, message, *args)


def debug(message: str, *args: Any) -> None:
    """Logs debugging output."""
    log(Level.DEBUG, message, *args)


def info(message: str, *args: Any) -> None:
    """Logs a normal operational message."""
    log(Level.INFO, message, *args)


def warn(message: str, *args: Any) -> None:
    """Logs something unexpected that the plugin handled."""
    log(Level.WARN, message, *args)


def error(message: str, *args: Any) -> None:
    """Logs a failure."""
    log(Level.ERROR, message, *args)


warning = warn


def take_records() -> list[tuple[Level, str]]:
    """The records logged natively since the last call, oldest first, so tests can check
    what a plugin logs. Always empty inside the host, where records go to the host."""
    records = _records[:]
    _records.clear()
    return records


def set_host_sink(sink: Optional[Callable[[Level, str], None]]) -> None:
    """Sends records to ``sink`` instead of stderr (the generated component entry module
    passes the host's ``log`` import); ``None`` restores native logging."""
    global _host_sink
    _host_sink = sink
