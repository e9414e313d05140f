"""The golden-file walker: comparison, UPDATE_GOLDEN, the content limit, expected shapes."""

import json

import pytest

from wasmhook_sdk import Internal, InvalidPayload, Message, Outcome, Plugin, Unauthorized, UnsupportedEvent
from wasmhook_sdk.testing import check_golden, dump, expected_json


class Echo(Plugin):
    """Posts the body; some bodies fail in each way."""

    def transform(self, request):
        text = request.text()
        errors = {"401": Unauthorized, "422": InvalidPayload, "ignored": UnsupportedEvent, "500": Internal}
        if text in errors:
            raise errors[text](f"asked for {text}")
        if text == "skip":
            return Outcome.skip("asked to")
        return Outcome.message(Message(text, username=request.header("x-user")))


def case(root, name, body, expected=None, headers=""):
    directory = root / name
    directory.mkdir()
    (directory / "request.txt").write_text(body)
    (directory / "headers.txt").write_text(headers)
    if expected is not None:
        (directory / "expected.json").write_text(json.dumps(expected))
    return directory


def test_expected_json_shapes():
    assert expected_json(Outcome.message(Message("hi", "u"))) == {
        "status": 201,
        "messages": [{"content": "hi", "username": "u", "avatar_url": None}],
    }
    assert expected_json(Outcome.skip("ping")) == {"status": 200, "outcome": "skipped", "reason": "ping"}
    assert expected_json(UnsupportedEvent("e")) == {"status": 200, "outcome": "ignored", "reason": "e"}
    assert expected_json(InvalidPayload("x")) == {"status": 422, "code": "invalid_payload"}
    assert expected_json(Unauthorized("x")) == {"status": 401, "code": "unauthorized"}
    assert expected_json(Internal("why")) == {"status": 500, "code": "plugin_error", "reason": "why"}


def test_dump_matches_the_rust_sdk_format():
    text = dump({"status": 201, "messages": [{"username": None, "content": "é"}]})
    assert text == (
        '{\n  "messages": [\n    {\n      "content": "é",\n      "username": null\n    }\n  ],\n'
        '  "status": 201\n}\n'
    )


def test_passes_when_every_case_matches(tmp_path, monkeypatch):
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    case(tmp_path, "a", "hi", {"status": 201, "messages": [{"content": "hi", "username": "bob", "avatar_url": None}]}, "X-User: bob\n")
    case(tmp_path, "b", "skip", {"status": 200, "outcome": "skipped", "reason": "asked to"})
    case(tmp_path, "c", "401", {"status": 401, "code": "unauthorized"})
    (tmp_path / "README.md").write_text("files beside the cases are ignored")
    check_golden(Echo, tmp_path)
    check_golden(Echo(), str(tmp_path))


def test_fails_naming_every_differing_case(tmp_path, monkeypatch):
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    case(tmp_path, "good", "422", {"status": 422, "code": "invalid_payload"})
    case(tmp_path, "bad-one", "500", {"status": 500, "code": "plugin_error", "reason": "other"})
    case(tmp_path, "bad-two", "ignored", {"status": 200, "outcome": "skipped", "reason": "x"})
    with pytest.raises(AssertionError) as error:
        check_golden(Echo(), tmp_path)
    text = str(error.value)
    assert "2 of 3 cases differ" in text
    assert "bad-one" in text and "bad-two" in text and "good" not in text
    assert '"reason": "asked for 500"' in text


def test_update_golden_rewrites_expected_files(tmp_path, monkeypatch):
    directory = case(tmp_path, "new", "hi")
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    check_golden(Echo(), tmp_path)
    written = (directory / "expected.json").read_text()
    assert written == dump({"status": 201, "messages": [{"content": "hi", "username": None, "avatar_url": None}]})
    monkeypatch.delenv("UPDATE_GOLDEN")
    check_golden(Echo(), tmp_path)


@pytest.mark.parametrize("body", ["", "x" * 4001])
def test_messages_must_have_1_to_4000_characters(tmp_path, monkeypatch, body):
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    case(tmp_path, "long", body)
    with pytest.raises(AssertionError, match="long: content has"):
        check_golden(Echo(), tmp_path)


def test_missing_cases_and_bodies_fail(tmp_path):
    with pytest.raises(AssertionError, match="no cases"):
        check_golden(Echo(), tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError):
        check_golden(Echo(), tmp_path)


def test_unexpected_exceptions_propagate(tmp_path):
    class Buggy(Plugin):
        def transform(self, request):
            return {}["missing"]

    case(tmp_path, "a", "x", {})
    with pytest.raises(KeyError):
        check_golden(Buggy(), tmp_path)
