"""Request: construction, header lookup, body decoding, form fields and fixtures."""

import pytest

from wasmhook_sdk import Internal, InvalidPayload, Request
from wasmhook_sdk.request import parse_headers


def test_defaults():
    request = Request()
    assert (request.method, request.path, request.query, request.headers) == ("POST", "", "", [])
    assert (request.body, request.config_json, request.webhook_name) == (b"", "{}", "test")


def test_constructor_normalizes_like_the_host():
    request = Request(
        "{}",
        headers=[("X-Event", "one"), ("x-event", "two")],
        method="put",
        path="/github",
        query="a=1",
        config={"branch": "main"},
        webhook_name="deploys",
    )
    assert request.method == "PUT"
    assert request.body == b"{}"
    assert request.headers == [("x-event", "one"), ("x-event", "two")]
    assert request.config_json == '{"branch": "main"}'
    assert (request.path, request.query, request.webhook_name) == ("/github", "a=1", "deploys")


def test_header_lookup_is_case_insensitive_and_returns_the_first_value():
    request = Request(headers=[("X-Event", "one"), ("x-event", "two")])
    assert request.header("X-EVENT") == "one"
    assert request.header_values("x-Event") == ["one", "two"]
    assert request.header("x-missing") is None
    assert request.header_values("x-missing") == []


def test_content_type_is_the_lower_case_media_type():
    request = Request(headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert request.content_type == "application/json"
    assert Request().content_type is None


def test_with_json_sets_the_body_and_content_type():
    request = Request.with_json([1, 2], headers={"X-A": "b"})
    assert request.json() == [1, 2]
    assert request.header("content-type") == "application/json"
    request = Request.with_json({}, headers={"Content-Type": "text/plain"})
    assert request.header_values("content-type") == ["text/plain"]


def test_text_rejects_invalid_utf8_as_invalid_payload():
    assert Request("héllo").text() == "héllo"
    with pytest.raises(InvalidPayload, match="not UTF-8"):
        Request(b"a\xff").text()


def test_json_errors_name_the_problem():
    assert Request('{"n": 2}').json() == {"n": 2}
    with pytest.raises(InvalidPayload, match=r"invalid JSON body: Expecting"):
        Request('{"n": ').json()
    with pytest.raises(InvalidPayload):
        Request(b"\xff\xfe{}").json()


def test_form_field_and_query_param_decode():
    body = "a=1&payload=%7B%22x%22%3A+1%7D&b"
    request = Request(body, query="channel=ops%20team&x")
    assert request.form_field("payload") == '{"x": 1}'
    assert request.form_field("a") == "1"
    assert request.form_field("b") == ""
    assert request.form_field("c") is None
    assert request.query_param("channel") == "ops team"
    assert request.query_param("missing") is None


def test_form_decoding_keeps_stray_percent_signs_and_decodes_keys():
    request = Request("a%20b=100%&k=%zz%4")
    assert request.form_field("a b") == "100%"
    assert request.form_field("k") == "%zz%4"
    with pytest.raises(InvalidPayload, match="form data is not UTF-8"):
        Request("k=%FF").form_field("k")


def test_config_parses_an_object_and_defaults_to_empty():
    assert Request().config() == {}
    assert Request(config="  ").config_json == "{}"
    assert Request(config='{"a": [1]}').config() == {"a": [1]}
    with pytest.raises(Internal, match="expected a JSON object"):
        Request(config="[1]").config()
    with pytest.raises(Internal, match="invalid plugin configuration"):
        Request(config="{").config()


def test_config_schema_rejects_unknown_keys_and_wrong_types():
    schema = {"secret": str, "levels": list[str], "verbose": bool, "max": int}
    request = Request(config={"secret": "s", "levels": ["a"], "verbose": None})
    assert request.config(schema) == {"secret": "s", "levels": ["a"]}
    with pytest.raises(Internal) as error:
        Request(config={"secrte": "s"}).config(schema)
    assert error.value.message == (
        "invalid plugin configuration: unknown field `secrte`, "
        "expected one of `secret`, `levels`, `verbose`, `max`"
    )
    with pytest.raises(Internal, match="`levels` must be an array of strings"):
        Request(config={"levels": ["a", 1]}).config(schema)
    with pytest.raises(Internal, match="`max` must be an integer"):
        Request(config={"max": True}).config(schema)


def test_parse_headers_skips_comments_blank_lines_and_lines_without_colon():
    text = "X-GitHub-Event: push\r\n# comment\n\nnot a header\nX-Url: http://a:b\n"
    assert parse_headers(text) == [("x-github-event", "push"), ("x-url", "http://a:b")]


def test_from_fixture_loads_body_headers_and_config(tmp_path):
    (tmp_path / "request.json").write_bytes(b'{"a":1}')
    (tmp_path / "headers.txt").write_text("X-GitHub-Event: push\n\n")
    (tmp_path / "config.json").write_text('{"k":"v"}')
    (tmp_path / "source.txt").write_text("not the body")
    request = Request.from_fixture(tmp_path)
    assert request.body == b'{"a":1}'
    assert request.header("x-github-event") == "push"
    assert request.config() == {"k": "v"}


def test_from_fixture_without_optional_files_and_without_body(tmp_path):
    (tmp_path / "request.txt").write_bytes(b"payload=x")
    request = Request.from_fixture(tmp_path)
    assert (request.body, request.headers, request.config_json) == (b"payload=x", [], "{}")
    (tmp_path / "request.txt").unlink()
    with pytest.raises(FileNotFoundError):
        Request.from_fixture(tmp_path)
