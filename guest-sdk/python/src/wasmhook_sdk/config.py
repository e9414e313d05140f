"""Checking a webhook's plugin configuration against a schema: unknown keys and mistyped
values are errors, so a typo cannot silently turn a filter off.

A plugin that sets :attr:`~wasmhook_sdk.Plugin.config_schema` has its configuration checked
against it when the configuration is set (the host refuses a bad one with HTTP 422 naming the
key), not only at the next delivery.

A schema maps each allowed key to the type its value must have: ``str``, ``bool``, ``int``,
``float`` (any number), ``list``, ``dict``, ``list[str]``, ``dict[str, str]``, or a tuple of
these for "one of". A ``null`` value counts as not set and is left out of the result.

>>> check_config({"min_level": "error"}, {"min_level": str, "environments": list[str]})
{'min_level': 'error'}
"""

from __future__ import annotations

from typing import Any, Mapping, Tuple, Union

from .errors import ConfigError

#: The type one key's value must have (see the module documentation).
FieldType = Union[type, Any, Tuple[Any, ...]]
#: Allowed keys and the types of their values.
Schema = Mapping[str, FieldType]

_NAMES = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
          list: "an array", dict: "an object"}


def check_config(config: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """``config`` without its ``null`` values, after checking every key is in ``schema`` and
    every value has its type; raises :class:`~wasmhook_sdk.errors.ConfigError` (an
    :class:`~wasmhook_sdk.errors.Internal` error) naming the first key at fault.

    >>> check_config({"colour": "red"}, {"min_level": str})
    Traceback (most recent call last):
    ...
    wasmhook_sdk.errors.ConfigError: internal error: invalid plugin configuration: unknown field `colour`, expected one of `min_level`
    """
    out = {}
    for key, value in config.items():
        if key not in schema:
            expected = ", ".join(f"`{name}`" for name in schema)
            raise ConfigError(
                key,
                f"unknown field `{key}`, expected one of {expected}"
                if schema
                else f"unknown field `{key}`, there are no fields",
            )
        if value is None:
            continue
        if not matches(value, schema[key]):
            raise ConfigError(key, f"`{key}` must be {describe(schema[key])}")
        out[key] = value
    return out


def matches(value: Any, expected: FieldType) -> bool:
    """Whether a JSON value has the type ``expected``."""
    if isinstance(expected, tuple):
        return any(matches(value, one) for one in expected)
    origin = getattr(expected, "__origin__", None)
    if origin is list:
        (item,) = expected.__args__
        return isinstance(value, list) and all(matches(v, item) for v in value)
    if origin is dict:
        _, item = expected.__args__
        return isinstance(value, dict) and all(matches(v, item) for v in value.values())
    if isinstance(value, bool):
        return expected is bool
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)


def describe(expected: FieldType) -> str:
    """``expected`` in words: ``list[str]`` is "an array of strings"."""
    if isinstance(expected, tuple):
        return " or ".join(describe(one) for one in expected)
    origin = getattr(expected, "__origin__", None)
    if origin in (list, dict):
        noun = describe(expected.__args__[-1]).split(" ", 1)[1]
        first, space, rest = noun.partition(" ")
        return f"{_NAMES[origin]} of {first}s{space}{rest}"
    return _NAMES.get(expected, getattr(expected, "__name__", str(expected)))
