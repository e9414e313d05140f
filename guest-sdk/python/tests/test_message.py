"""Messages, outcomes, errors and the sender-override check."""

import pytest

from wasmhook_sdk import (
    Internal,
    InvalidPayload,
    Message,
    Outcome,
    PluginError,
    Unauthorized,
    UnsupportedEvent,
    check_sender_overrides,
)


def test_message_fields_and_equality():
    message = Message("c", username="u", avatar_url="https://a/b.png")
    assert (message.content, message.username, message.avatar_url) == ("c", "u", "https://a/b.png")
    assert message == Message("c", "u", "https://a/b.png")
    assert message != Message("c")


def test_outcome_constructors():
    assert Outcome.message("a").as_messages() == [Message("a")]
    assert Outcome.messages("a", Message("b")).as_messages() == [Message("a"), Message("b")]
    assert Outcome.messages(["a", "b"]) == Outcome.messages("a", "b")
    assert Outcome.messages(m for m in ["a"]).as_messages() == [Message("a")]
    skipped = Outcome.skip("ping")
    assert skipped.skip_reason == "ping" and skipped.as_messages() == []
    assert Outcome.message("a").skip_reason is None


def test_outcome_messages_accepts_only_messages_and_strings():
    with pytest.raises(TypeError):
        Outcome.messages([1])


def test_errors_carry_kind_and_message():
    error = Unauthorized("bad signature")
    assert str(error) == "unauthorized: bad signature"
    assert error.message == "bad signature"
    assert isinstance(error, PluginError)
    assert str(UnsupportedEvent('event "fork"')) == 'unsupported event: event "fork"'
    assert str(Internal("x")) == "internal error: x"
    assert str(InvalidPayload("x")) == "invalid payload: x"
    assert InvalidPayload("x") == InvalidPayload("x") != Internal("x")


def test_check_sender_overrides():
    check_sender_overrides("CI Bot", "https://example.com/a.png")
    check_sender_overrides(None, None)
    check_sender_overrides("x" * 64, "http://example.com/a.png")
    with pytest.raises(Internal, match="username must have 1 to 64 characters"):
        check_sender_overrides(" ", None)
    with pytest.raises(Internal, match="username"):
        check_sender_overrides("x" * 65, None)
    with pytest.raises(Internal, match="avatar_url must be an http"):
        check_sender_overrides(None, "ftp://example.com/a.png")
