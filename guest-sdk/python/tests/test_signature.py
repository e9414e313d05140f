"""HMAC-SHA256 verification: GitHub's documented example and malformed signatures."""

import pytest

from wasmhook_sdk.signature import constant_time_eq, hmac_sha256_hex, sign_hmac_sha256, verify_hmac_sha256

# From GitHub's "Validating webhook deliveries" documentation.
SECRET = "It's a Secret to Everybody"
BODY = b"Hello, World!"
SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_accepts_githubs_documented_example():
    assert verify_hmac_sha256(SECRET, BODY, SIGNATURE)
    assert verify_hmac_sha256(SECRET.encode(), BODY, SIGNATURE[len("sha256="):])
    assert sign_hmac_sha256(SECRET, BODY) == SIGNATURE


def test_known_vector():
    assert hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_accepts_upper_case_hex_and_surrounding_whitespace():
    upper = SIGNATURE[len("sha256="):].upper()
    assert verify_hmac_sha256(SECRET, BODY, f" {upper}\n")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "sha256=",
        SIGNATURE[:-2],
        SIGNATURE[:10] + "0" + SIGNATURE[11:],
        "sha1=757107ea",
        "zz",
        "sha256=" + "75 71" * 16,  # bytes.fromhex would accept the spaces
        "sha256=" + "é" * 64,
    ],
)
def test_rejects_bad_signatures(bad):
    assert not verify_hmac_sha256(SECRET, BODY, bad)


def test_rejects_other_secret_or_body():
    assert not verify_hmac_sha256("other", BODY, SIGNATURE)
    assert not verify_hmac_sha256(SECRET, b"Hello, World?", SIGNATURE)


def test_constant_time_eq():
    assert constant_time_eq(b"token", b"token")
    assert constant_time_eq("tökén", "tökén".encode())
    assert not constant_time_eq(b"token", b"tokem")
    assert not constant_time_eq(b"token", b"tok")
