"""Golden-file testing for plugins, natively in pytest, as the Rust SDK's ``testing`` module.

A case is a directory with ``request.*`` (the body), optional ``headers.txt`` (``Name: value``
lines) and ``config.json`` (see :meth:`Request.from_fixture`), and ``expected.json``, the
reviewed outcome. Adding a case is adding a directory::

    def test_fixtures():
        check_golden(MyPlugin(), Path(__file__).parent / "fixtures")
"""

from __future__ import annotations

import json
import os
from typing import Any, Union

from .errors import InvalidPayload, PluginError, Unauthorized, UnsupportedEvent
from .limits import MAX_CONTENT_CHARS
from .message import Outcome
from .plugin import Plugin, run
from .request import Request

#: The host's limit on message content, in characters (an alias of
#: :data:`wasmhook_sdk.limits.MAX_CONTENT_CHARS`).
MAX_CHARS = MAX_CONTENT_CHARS


def outcome(plugin: Plugin, request: Request) -> Union[Outcome, PluginError]:
    """What ``plugin`` makes of ``request``: an :class:`Outcome`, or the
    :class:`PluginError` it raised (other exceptions propagate, failing the test)."""
    try:
        return run(plugin, request)
    except PluginError as error:
        return error


def expected_json(result: Union[Outcome, PluginError]) -> dict[str, Any]:
    """What the sender sees for this result, in the format of ``expected.json``:
    ``{"status": 201, "messages": [...]}``, ``{"status": 200, "outcome": "skipped" |
    "ignored", "reason"}``, ``{"status": 401 | 422, "code"}`` or ``{"status": 500, "code":
    "plugin_error", "reason"}``.

    >>> expected_json(Outcome.skip("ping"))["outcome"]
    'skipped'
    """
    if isinstance(result, Outcome):
        if result.skip_reason is not None:
            return {"status": 200, "outcome": "skipped", "reason": result.skip_reason}
        messages = [
            {"content": m.content, "username": m.username, "avatar_url": m.avatar_url}
            for m in result.as_messages()
        ]
        return {"status": 201, "messages": messages}
    if isinstance(result, UnsupportedEvent):
        return {"status": 200, "outcome": "ignored", "reason": result.message}
    if isinstance(result, InvalidPayload):
        return {"status": 422, "code": "invalid_payload"}
    if isinstance(result, Unauthorized):
        return {"status": 401, "code": "unauthorized"}
    return {"status": 500, "code": "plugin_error", "reason": result.message}


def dump(value: Any) -> str:
    """``value`` as ``expected.json`` text: 2-space indent, sorted keys, UTF-8, final newline
    (the format the Rust SDK writes)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def cases(root: Union[str, os.PathLike[str]]) -> list[str]:
    """The case directories under ``root``, sorted."""
    root = os.fspath(root)
    return sorted(
        os.path.join(root, name)
        for name in os.listdir(root)
        if os.path.isdir(os.path.join(root, name))
    )


def check_golden(plugin: Union[Plugin, type], root: Union[str, os.PathLike[str]]) -> None:
    """Runs ``plugin`` natively on every case directory under ``root`` and compares each
    outcome with the case's ``expected.json``; with ``UPDATE_GOLDEN=1`` in the environment it
    rewrites them instead (review the diff before committing). Raises ``AssertionError``
    listing every case that differs, and when a message breaks the host's content limit
    (:data:`~wasmhook_sdk.limits.MAX_CONTENT_CHARS`)."""
    if isinstance(plugin, type):
        plugin = plugin()
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    all_cases = cases(root)
    assert all_cases, f"no cases under {os.fspath(root)}"
    failures = []
    for case in all_cases:
        actual = expected_json(outcome(plugin, Request.from_fixture(case)))
        for message in actual.get("messages", []):
            chars = len(message["content"] or "")
            assert 1 <= chars <= MAX_CONTENT_CHARS, f"{case}: content has {chars} characters"
        path = os.path.join(case, "expected.json")
        if update:
            with open(path, "w", encoding="utf-8") as file:
                file.write(dump(actual))
            continue
        with open(path, encoding="utf-8") as file:
            expected = json.load(file)
        if expected != actual:
            failures.append(
                f"{case}:\nexpected {json.dumps(expected, ensure_ascii=False)}\n"
                f"  actual {json.dumps(actual, ensure_ascii=False)}"
            )
    assert not failures, (
        f"{len(failures)} of {len(all_cases)} cases differ (UPDATE_GOLDEN=1 rewrites them):\n"
        + "\n".join(failures)
    )
