"""Unit tests of the plugin, run natively: ``python3 -m pytest``."""

import pytest
from wasmhook_sdk import ConfigError, Internal, InvalidPayload, Request

from {{module}} import NOTHING_TO_POST, {{type}}


def run(body, config="{}"):
    return {{type}}().transform(Request(body, config=config))


def test_posts_the_title_as_a_link_and_the_text_escaped():
    body = '{"title": "CPU *high*", "text": "load 12 @oncall", "url": "https://x.example/1"}'
    (message,) = run(body, {"username": "Monitor"}).as_messages()
    assert message.content == "**[CPU \\*high\\*](https://x.example/1)**\nload 12 @\u2060oncall"
    assert message.username == "Monitor"


@pytest.mark.parametrize("body", ["", "  \n", "{}", '{"title": " ", "text": null}'])
def test_skips_empty_bodies_and_pings(body):
    assert run(body).skip_reason == NOTHING_TO_POST


@pytest.mark.parametrize(
    "body", ["{", "[1]", '{"title": 7}', '{"title": "t", "url": "ftp://x"}']
)
def test_rejects_bad_json_wrong_types_and_other_urls(body):
    with pytest.raises(InvalidPayload):
        run(body)


def test_rejects_unknown_configuration_keys():
    with pytest.raises(Internal, match="unknown field `colour`"):
        run('{"text": "hi"}', {"colour": "red"})


def test_the_host_refuses_an_unknown_key_when_the_configuration_is_set():
    with pytest.raises(ConfigError) as error:
        {{type}}().validate_config({"colour": "red"})
    assert error.value.path == "colour"
    {{type}}().validate_config({"username": "Monitor"})
