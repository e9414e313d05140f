"""The adapter to componentize-py's bindings, against stand-ins shaped like the generated
``wit_world.imports`` modules."""

import json
import os
import types as pytypes
from enum import Enum

import pytest

from wasmhook_sdk import (
    ConfigError,
    Internal,
    InvalidPayload,
    Message,
    Outcome,
    Plugin,
    Unauthorized,
    UnsupportedEvent,
    log,
)
from wasmhook_sdk._glue import bind, bind_validate
from wasmhook_sdk.plugin import find_plugin


class Err(Exception):
    """Like ``componentize_py_types.Err``."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


def record(name, *fields):
    def init(self, *values):
        for field, value in zip(fields, values):
            setattr(self, field, value)

    return type(name, (), {"__init__": init, "__eq__": lambda a, b: vars(a) == vars(b)})


wit_types = pytypes.SimpleNamespace(
    Request=record("Request", "method", "path", "query", "headers", "body", "config", "webhook_name"),
    Message=record("Message", "content", "username", "avatar_url"),
    Outcome_Messages=record("Outcome_Messages", "value"),
    Outcome_Skip=record("Outcome_Skip", "value"),
    ConfigError=record("ConfigError", "path", "message"),
    **{
        f"PluginError_{case}": record(f"PluginError_{case}", "value")
        for case in ["InvalidPayload", "Unauthorized", "UnsupportedEvent", "Internal"]
    },
)


class WitLog:
    Level = Enum("Level", "TRACE DEBUG INFO WARN ERROR")

    def __init__(self):
        self.records = []

    def log(self, level, message):
        self.records.append((level, message))


class Switch(Plugin):
    def transform(self, request):
        log.info("body %s", request.body)
        match request.text():
            case "skip":
                return Outcome.skip("asked to")
            case "two":
                return Outcome.messages(Message("a", "u", "https://x/a.png"), "b")
            case "bug":
                return 1 / 0
            case "stdlib":
                return json.loads("not json")
            case "config":
                return request.config({"known": str})
        raise {"401": Unauthorized, "422": InvalidPayload, "ignored": UnsupportedEvent}[request.text()]("no")


@pytest.fixture
def transform():
    log.take_records()
    wit_log = WitLog()
    transform = bind(Switch(), wit_types, wit_log, Err)
    transform.wit_log = wit_log
    yield transform
    log.set_host_sink(None)


def call(transform, body, config="{}"):
    return transform(wit_types.Request("POST", "", "", [("x-a", "1")], body, config, "w"))


def test_converts_messages_and_skips(transform):
    result = call(transform, b"two")
    assert result == wit_types.Outcome_Messages(
        [wit_types.Message("a", "u", "https://x/a.png"), wit_types.Message("b", None, None)]
    )
    assert call(transform, b"skip") == wit_types.Outcome_Skip("asked to")


@pytest.mark.parametrize("body, case", [(b"401", "Unauthorized"), (b"422", "InvalidPayload"), (b"ignored", "UnsupportedEvent")])
def test_converts_errors_to_their_case(transform, body, case):
    with pytest.raises(Err) as error:
        call(transform, body)
    assert error.value.value == getattr(wit_types, f"PluginError_{case}")("no")


def test_configuration_errors_and_bugs_are_internal(transform):
    with pytest.raises(Err) as error:
        call(transform, b"config", '{"unknown": 1}')
    assert isinstance(error.value.value, wit_types.PluginError_Internal)
    assert "unknown field `unknown`" in error.value.value.value
    with pytest.raises(Err) as error:
        call(transform, b"bug")
    message = error.value.value.value
    assert message.startswith("unexpected ZeroDivisionError: division by zero at ")
    assert message.endswith(f"{os.path.basename(__file__)}:{line_of('return 1 / 0')}")
    assert not message.endswith(f"/{os.path.basename(__file__)}:{line_of('return 1 / 0')}"), (
        "the path is relative to its sys.path entry"
    )


def test_a_bug_is_located_in_the_plugin_not_in_the_standard_library(transform):
    with pytest.raises(Err) as error:
        call(transform, b"stdlib")
    message = error.value.value.value
    assert message.startswith("unexpected JSONDecodeError: ")
    assert message.endswith(f"{os.path.basename(__file__)}:{line_of('json.loads(')}"), message


def line_of(text):
    with open(__file__) as source:
        return next(n for n, line in enumerate(source, 1) if text in line and "line_of" not in line)


def test_logs_go_to_the_host(transform):
    call(transform, b"skip")
    assert transform.wit_log.records == [(WitLog.Level.INFO, "body b'skip'")]
    assert log.take_records() == []


def test_find_plugin():
    module = pytypes.ModuleType("my_plugin")
    module.Imported = Switch  # defined in another module: not this module's plugin
    with pytest.raises(LookupError, match="found: none"):
        find_plugin(module)
    module.Switch = type("Switch", (Switch,), {"__module__": "my_plugin"})
    assert isinstance(find_plugin(module), module.Switch)
    module.Other = type("Other", (Switch,), {"__module__": "my_plugin"})
    with pytest.raises(LookupError, match="found: Switch, Other"):
        find_plugin(module)
    assert isinstance(find_plugin(module, "Other"), module.Other)
    module.PLUGIN = Switch()
    assert find_plugin(module) is module.PLUGIN
    module.PLUGIN = object()
    with pytest.raises(TypeError, match="no transform method"):
        find_plugin(module)


class Levels(Plugin):
    config_schema = {"min_level": str, "tags": list[str]}

    def transform(self, request):
        return Outcome.skip("unused")

    def validate_config(self, config):
        super().validate_config(config)
        if config.get("min_level") not in (None, "info", "error"):
            raise ConfigError("min_level", "`min_level` must be info or error")
        if config.get("tags") == ["internal"]:
            raise Internal("invalid plugin configuration: tags are reserved")
        if config.get("tags") == ["bug"]:
            return 1 / 0


def refusal(validate_config, config):
    with pytest.raises(Err) as error:
        validate_config(config)
    value = error.value.value
    return (value.path, value.message)


def test_validate_config_accepts_what_the_schema_and_the_plugin_accept():
    validate_config = bind_validate(Levels(), wit_types, Err)
    assert validate_config('{"min_level": "info", "tags": ["a"]}') is None
    assert validate_config("") is None, "no configuration is {}"
    # Without a schema or an override, everything is accepted.
    assert bind_validate(Switch(), wit_types, Err)('{"anything": [1]}') is None


def test_validate_config_names_the_key_at_fault():
    validate_config = bind_validate(Levels(), wit_types, Err)
    assert refusal(validate_config, '{"colour": "red"}') == (
        "colour",
        "unknown field `colour`, expected one of `min_level`, `tags`",
    )
    assert refusal(validate_config, '{"tags": [1]}') == ("tags", "`tags` must be an array of strings")
    assert refusal(validate_config, '{"min_level": "x"}') == ("min_level", "`min_level` must be info or error")
    assert refusal(validate_config, "[1]") == ("", "expected a JSON object")
    assert refusal(validate_config, "{")[0] == ""
    # Other plugin errors name no key; a bug in the check is reported, not a trap.
    assert refusal(validate_config, '{"tags": ["internal"]}') == ("", "tags are reserved")
    path, message = refusal(validate_config, '{"tags": ["bug"]}')
    assert (path, message) == ("", "unexpected ZeroDivisionError while checking: division by zero")


def test_a_config_error_during_a_transform_is_internal():
    error = ConfigError("colour", "unknown field `colour`")
    assert isinstance(error, Internal)
    assert error.message == "invalid plugin configuration: unknown field `colour`"
