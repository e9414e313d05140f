"""Verifying webhook signatures (HMAC-SHA256, as GitHub, Sentry and many others send), in
constant time. Behaves exactly like the Rust SDK's ``signature`` module.

>>> body = b'{"zen":"Design for failure."}'
>>> header = sign_hmac_sha256("s3cret", body)
>>> verify_hmac_sha256("s3cret", body, header), verify_hmac_sha256("wrong", body, header)
(True, False)
"""

from __future__ import annotations

import hmac
from typing import Union

from ._text import trim

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

#: A secret or a body: bytes, or text (encoded as UTF-8).
BytesLike = Union[bytes, bytearray, str]


def _bytes(value: BytesLike) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _digest(secret: BytesLike, body: BytesLike) -> bytes:
    # The one-shot `hmac.digest` with a digest *name* runs in C where the interpreter has
    # HACL* or OpenSSL, and, unlike `hmac.new`, imports nothing lazily: inside a component only
    # modules imported at build time exist (CPython 3.14's `hmac.new` imports `warnings`).
    return hmac.digest(_bytes(secret), _bytes(body), "sha256")


def verify_hmac_sha256(secret: BytesLike, body: BytesLike, signature: str) -> bool:
    """Whether ``signature`` is the HMAC-SHA256 of ``body`` keyed with ``secret``, compared
    in constant time. ``signature`` is hex (either case), optionally prefixed with
    ``sha256=`` as in GitHub's ``X-Hub-Signature-256``; surrounding whitespace is ignored.
    Anything malformed is simply ``False``."""
    signature = trim(signature)
    if signature.startswith("sha256="):
        signature = signature[len("sha256=") :]
    if len(signature) != 64 or not all(c in _HEX_DIGITS for c in signature):
        return False
    return hmac.compare_digest(_digest(secret, body), bytes.fromhex(signature))


def hmac_sha256_hex(secret: BytesLike, body: BytesLike) -> str:
    """The lower-case hex HMAC-SHA256 of ``body`` keyed with ``secret``, without prefix."""
    return _digest(secret, body).hex()


def sign_hmac_sha256(secret: BytesLike, body: BytesLike) -> str:
    """The GitHub-style signature of ``body``: ``sha256=`` and the lower-case hex
    HMAC-SHA256 keyed with ``secret``. Useful to sign fixtures in tests."""
    return "sha256=" + hmac_sha256_hex(secret, body)


def constant_time_eq(a: BytesLike, b: BytesLike) -> bool:
    """Whether ``a`` equals ``b``, in time that depends only on their lengths: for services
    that send a shared token rather than a signature (GitLab's ``X-Gitlab-Token``)."""
    return hmac.compare_digest(_bytes(a), _bytes(b))
