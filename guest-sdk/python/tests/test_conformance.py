"""The shared conformance vectors (``guest-sdk/conformance/vectors.json``): every helper that
the Rust and JavaScript SDKs also have gives exactly their output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wasmhook_sdk import (
    Internal,
    InvalidPayload,
    Message,
    Outcome,
    Plugin,
    PluginError,
    Request,
    Unauthorized,
    UnsupportedEvent,
    check_sender_overrides,
    inert,
    limits,
    markdown,
    mention,
    signature,
)
from wasmhook_sdk.plugin import run

VECTORS = json.loads(
    (Path(__file__).parents[2] / "conformance" / "vectors.json").read_text(encoding="utf-8")
)

ERRORS = {
    "invalid-payload": InvalidPayload,
    "unauthorized": Unauthorized,
    "unsupported-event": UnsupportedEvent,
    "internal": Internal,
}
KINDS = {cls: kind for kind, cls in ERRORS.items()}


def text(value: Any) -> Any:
    """A text value of the vectors: a string, ``{"repeat", "times"}``, or a list of them."""
    if isinstance(value, dict):
        return value["repeat"] * value["times"]
    if isinstance(value, list):
        return "".join(text(part) for part in value)
    return value


def body(value: Any) -> bytes:
    return bytes.fromhex(value["hex"]) if isinstance(value, dict) else value.encode()


def section(name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{name}[{i}]", vector) for i, vector in enumerate(VECTORS[name])]


def cases(*names: str) -> Any:
    rows = [row for name in names for row in section(name)]
    return pytest.mark.parametrize("vector", [v for _, v in rows], ids=[i for i, _ in rows])


def kind_of(error: PluginError) -> str:
    return next(kind for cls, kind in KINDS.items() if isinstance(error, cls))


def settle(call: Any) -> dict[str, Any]:
    """``{"out": value}``, or ``{"error": kind}`` for a :class:`PluginError`."""
    try:
        return {"out": call()}
    except PluginError as error:
        return {"error": kind_of(error)}


def expected(vector: dict[str, Any]) -> dict[str, Any]:
    if "error" in vector:
        return {"error": vector["error"]}
    return {"out": text(vector["out"])}


def test_limits():
    assert {
        "MAX_CONTENT_CHARS": limits.MAX_CONTENT_CHARS,
        "MAX_USERNAME_CHARS": limits.MAX_USERNAME_CHARS,
    } == VECTORS["limits"]


@cases("markdown.escape")
def test_markdown_escape(vector):
    assert markdown.escape(text(vector["text"])) == text(vector["out"])


@cases("markdown.link")
def test_markdown_link(vector):
    assert markdown.link(text(vector["text"]), text(vector["url"])) == text(vector["out"])


@cases("markdown.code")
def test_markdown_code(vector):
    assert markdown.code(text(vector["text"])) == text(vector["out"])


@cases("markdown.code_block")
def test_markdown_code_block(vector):
    assert markdown.code_block(text(vector["text"]), vector["language"]) == text(vector["out"])


@cases("markdown.truncate")
def test_markdown_truncate(vector):
    max_chars = vector["max_chars"]
    if isinstance(max_chars, str):
        max_chars = getattr(limits, max_chars)
    assert markdown.truncate(text(vector["text"]), max_chars) == text(vector["out"])


@cases("mention.email")
def test_mention_email(vector):
    assert mention.email(vector["addr"]) == vector["out"]


@cases("mention.username")
def test_mention_username(vector):
    assert mention.username(vector["name"]) == vector["out"]


@cases("mention.is_valid_username")
def test_mention_is_valid_username(vector):
    assert mention.is_valid_username(vector["name"]) is vector["out"]


@cases("mention.suppress")
def test_mention_suppress(vector):
    assert mention.suppress(text(vector["text"])) == text(vector["out"])


@cases("inert.text")
def test_inert_text(vector):
    assert inert.text(text(vector["raw"])) == text(vector["out"])


@cases("inert.code")
def test_inert_code(vector):
    assert inert.code(text(vector["raw"])) == text(vector["out"])


@cases("inert.code_block")
def test_inert_code_block(vector):
    assert inert.code_block(text(vector["raw"]), vector["language"]) == text(vector["out"])


@cases("inert.link")
def test_inert_link(vector):
    assert inert.link(text(vector["label"]), text(vector["url"])) == text(vector["out"])


@cases("inert.url")
def test_inert_url(vector):
    assert inert.url(text(vector["url"])) == text(vector["out"])


@cases("check_sender_overrides")
def test_check_sender_overrides(vector):
    username = None if vector["username"] is None else text(vector["username"])
    try:
        check_sender_overrides(username, vector["avatar_url"])
        error = None
    except Internal as raised:
        error = raised.message
    assert error == vector["error"]


@cases("signature.verify_hmac_sha256")
def test_signature_verify(vector):
    sent = vector["signature"]
    assert signature.verify_hmac_sha256(vector["secret"], vector["body"], sent) is vector["out"]


@cases("signature.sign_hmac_sha256")
def test_signature_sign(vector):
    assert signature.sign_hmac_sha256(vector["secret"], vector["body"]) == vector["out"]


def request(vector: dict[str, Any]) -> Request:
    return Request(
        body(vector.get("body", "")),
        headers=[tuple(pair) for pair in vector.get("headers", [])],
        query=vector.get("query", ""),
        config=vector.get("config", "{}"),
    )


@cases("request.header")
def test_request_header(vector):
    assert request(vector).header(vector["name"]) == vector["out"]


@cases("request.header_values")
def test_request_header_values(vector):
    assert request(vector).header_values(vector["name"]) == vector["out"]


@cases("request.content_type")
def test_request_content_type(vector):
    assert request(vector).content_type == vector["out"]


@cases("request.query_param")
def test_request_query_param(vector):
    assert settle(lambda: request(vector).query_param(vector["name"])) == expected(vector)


@cases("request.form_field")
def test_request_form_field(vector):
    assert settle(lambda: request(vector).form_field(vector["name"])) == expected(vector)


@cases("request.text")
def test_request_text(vector):
    assert settle(lambda: request(vector).text()) == expected(vector)


@cases("request.config_json")
def test_request_config_json(vector):
    assert request(vector).config_json == vector["out"]


def message(value: Any) -> Message | str:
    if isinstance(value, str):
        return value
    return Message(value["content"], value["username"], value["avatar_url"])


def returned(spec: dict[str, Any]) -> Any:
    """What a transform returns (or raises) for a ``returns`` spec of the vectors."""
    if "message" in spec:
        return Outcome.message(message(spec["message"]))
    if "messages" in spec:
        return Outcome.messages([message(m) for m in spec["messages"]])
    if "skip" in spec:
        return Outcome.skip(spec["skip"])
    if "error" in spec:
        return ERRORS[spec["error"]["kind"]](spec["error"]["message"])
    (kind, value), = spec.items()
    return {
        "string": lambda: value,
        "bare_message": lambda: Message(value),
        "list": lambda: list(value),
        "null": lambda: None,
        "number": lambda: value,
    }[kind]()


class Returns(Plugin):
    """Returns (or raises) what it is given."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def transform(self, request: Request) -> Any:
        if isinstance(self.value, PluginError):
            raise self.value
        return self.value


def result(plugin: Plugin) -> dict[str, Any]:
    """The WIT-shaped result of running ``plugin``, as the vectors write it."""
    try:
        outcome = run(plugin, Request())
    except PluginError as error:
        return {"error": {"kind": kind_of(error), "message": error.message}}
    if outcome.skip_reason is not None:
        return {"skip": outcome.skip_reason}
    return {
        "messages": [
            {"content": m.content, "username": m.username, "avatar_url": m.avatar_url}
            for m in outcome.as_messages()
        ]
    }


@cases("transform")
def test_transform(vector):
    assert result(Returns(returned(vector["returns"]))) == vector["result"]


@pytest.mark.parametrize("spec", VECTORS["transform.dynamic"]["returns"], ids=str)
def test_transform_requires_an_outcome(spec):
    got = result(Returns(returned(spec)))
    assert got["error"]["kind"] == "internal", got
    assert re.search(VECTORS["transform.dynamic"]["message_pattern"], got["error"]["message"])
