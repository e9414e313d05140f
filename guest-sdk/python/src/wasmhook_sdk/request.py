"""The request a plugin transforms; in tests, make one directly or from a fixture directory."""

from __future__ import annotations

import json as _json
import os
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

from . import _form
from ._text import ascii_lower, ascii_upper, trim
from .config import Schema, check_config
from .errors import Internal, InvalidPayload

#: Headers as a mapping or as ``(name, value)`` pairs (repeated names allowed).
HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


class Request:
    """The HTTP request a third-party service sent to the webhook, as the plugin sees it.

    Attributes are plain values: ``method`` (upper-case), ``path`` (what follows the token in
    the URL, e.g. ``/github``; empty when nothing follows), ``query`` (raw, without ``?``),
    ``headers`` (``(name, value)`` pairs in the order received, names lower-case), ``body``
    (bytes, exactly as received), ``config_json`` (the webhook's plugin configuration as JSON
    text, ``{}`` when none was set) and ``webhook_name``.

    >>> request = Request('{"ref": "main"}', headers={"X-GitHub-Event": "push"})
    >>> request.header("x-github-event"), request.json()["ref"]
    ('push', 'main')
    """

    __slots__ = ("method", "path", "query", "headers", "body", "config_json", "webhook_name")

    def __init__(
        self,
        body: Union[bytes, str] = b"",
        *,
        headers: HeadersLike = (),
        config: Union[str, Mapping[str, Any]] = "{}",
        method: str = "POST",
        path: str = "",
        query: str = "",
        webhook_name: str = "test",
    ) -> None:
        """A request, by default a ``POST`` with no path, query, headers or body, the
        configuration ``{}`` and the webhook name ``test``. Header names are lower-cased, as
        the host does; ``config`` may be JSON text or a mapping (serialized to JSON)."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self.method = ascii_upper(method)
        self.path = path
        self.query = query
        self.headers = [(ascii_lower(name), value) for name, value in pairs]
        self.body = body.encode() if isinstance(body, str) else bytes(body)
        text = config if isinstance(config, str) else _json.dumps(config)
        self.config_json = text if trim(text) else "{}"
        self.webhook_name = webhook_name

    @classmethod
    def with_json(cls, value: Any, **kwargs: Any) -> Request:
        """A request whose body is ``value`` as JSON, with ``content-type: application/json``
        unless ``headers`` has one; other arguments as for the constructor."""
        request = cls(_json.dumps(value), **kwargs)
        if request.header("content-type") is None:
            request.headers.append(("content-type", "application/json"))
        return request

    @classmethod
    def from_fixture(cls, directory: Union[str, os.PathLike[str]]) -> Request:
        """Loads a request from a fixture directory: the body from the file named
        ``request`` with any extension (required), headers from ``headers.txt`` (optional,
        see :func:`parse_headers`), the configuration from ``config.json`` (optional).

        Raises :class:`FileNotFoundError` when there is no ``request.*`` file."""
        directory = os.fspath(directory)
        names = sorted(
            name
            for name in os.listdir(directory)
            if os.path.splitext(name)[0] == "request"
            and os.path.isfile(os.path.join(directory, name))
        )
        if not names:
            raise FileNotFoundError(f"no request.* file in {directory}")
        body = _read(os.path.join(directory, names[0]))
        headers = _read(os.path.join(directory, "headers.txt"), b"").decode()
        config = _read(os.path.join(directory, "config.json"), b"{}").decode()
        return cls(body, headers=parse_headers(headers), config=config)

    @classmethod
    def _from_wit(cls, request: Any) -> Request:
        """Wraps the host's request (already normalized by the host) without copying."""
        self = cls.__new__(cls)
        self.method = request.method
        self.path = request.path
        self.query = request.query
        self.headers = request.headers
        self.body = request.body
        self.config_json = request.config if trim(request.config) else "{}"
        self.webhook_name = request.webhook_name
        return self

    def header(self, name: str) -> Optional[str]:
        """The first value of the header ``name``, compared case-insensitively."""
        name = ascii_lower(name)
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        """Every value of the header ``name`` (case-insensitive), in the order received."""
        name = ascii_lower(name)
        return [value for key, value in self.headers if key == name]

    @property
    def content_type(self) -> Optional[str]:
        """The media type of ``Content-Type``, lower-cased, without parameters."""
        value = self.header("content-type")
        return None if value is None else ascii_lower(trim(value.split(";", 1)[0]))

    def text(self) -> str:
        """The body as UTF-8 text; :class:`InvalidPayload` when it is not UTF-8."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidPayload(f"body is not UTF-8: {err}") from None

    def json(self) -> Any:
        """The body parsed as JSON; :class:`InvalidPayload` naming the problem otherwise."""
        try:
            return _json.loads(self.text())
        except ValueError as err:
            raise InvalidPayload(f"invalid JSON body: {err}") from None

    def form_field(self, name: str) -> Optional[str]:
        """The decoded value of the form field ``name`` of an
        ``application/x-www-form-urlencoded`` body (GitHub, for one, can send its JSON as
        ``payload=<urlencoded JSON>``); ``None`` when absent, :class:`InvalidPayload` when the
        value is not UTF-8."""
        return _form.find(self.body, name)

    def query_param(self, name: str) -> Optional[str]:
        """The decoded value of the first query parameter called ``name``."""
        return _form.find(self.query.encode(), name)

    def config(self, schema: Optional[Schema] = None) -> dict[str, Any]:
        """The webhook's plugin configuration, a JSON object (``{}`` when none was set).

        With a ``schema`` (see :mod:`wasmhook_sdk.config`), unknown keys and mistyped values
        are rejected and ``null`` values left out. Problems raise :class:`Internal`: the
        webhook is misconfigured, and the request can be replayed once that is fixed.

        >>> Request(config='{"min_level": "error"}').config({"min_level": str})
        {'min_level': 'error'}
        """
        try:
            value = _json.loads(self.config_json)
        except ValueError as err:
            raise Internal(f"invalid plugin configuration: {err}") from None
        if not isinstance(value, dict):
            raise Internal("invalid plugin configuration: expected a JSON object")
        return value if schema is None else check_config(value, schema)

    def __repr__(self) -> str:
        return (
            f"Request({self.body[:60]!r}{'...' if len(self.body) > 60 else ''}, "
            f"headers={self.headers!r}, config={self.config_json!r}, method={self.method!r}, "
            f"path={self.path!r}, query={self.query!r}, webhook_name={self.webhook_name!r})"
        )


def parse_headers(text: str) -> list[tuple[str, str]]:
    """Headers written as ``Name: value`` lines, as in a fixture's ``headers.txt``; blank
    lines, lines starting with ``#`` and lines without a colon are ignored.

    >>> parse_headers("X-GitHub-Event: push\\n# comment\\n")
    [('x-github-event', 'push')]
    """
    headers = []
    for line in text.split("\n"):
        line = trim(line)
        if line and not line.startswith("#") and ":" in line:
            name, _, value = line.partition(":")
            headers.append((ascii_lower(trim(name)), trim(value)))
    return headers


def _read(path: str, default: Optional[bytes] = None) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        if default is None:
            raise
        return default
