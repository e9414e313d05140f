"""Mention helpers: the same cases as the Rust SDK's ``mention`` tests."""

import pytest

from wasmhook_sdk.mention import email, is_valid_username, suppress, username


@pytest.mark.parametrize("bad", ["", "@x", "x@", "a@b@c", "a b@c", "a@b>", "<a@b", "a\u0085@b", "a\x7f@b", "nope"])
def test_email_rejects_malformed_addresses(bad):
    assert email(bad) is None


def test_email_mentions_valid_addresses():
    assert email("ada@example.com") == "<@ada@example.com>"
    assert email("a+tag@b.co") == "<@a+tag@b.co>"
    assert email("josé@exämple.com") == "<@josé@exämple.com>"


def test_username_requires_ascii_word_characters():
    assert username("ada_l") == "@ada_l"
    assert username("A_1") == "@A_1"
    for bad in ["", "ada-l", "é", "a b", "١"]:
        assert username(bad) is None, bad
    assert is_valid_username("octo_cat2")
    assert not is_valid_username("octo.cat")


def test_suppress_breaks_every_mention():
    assert suppress("thanks @ada") == "thanks @\u2060ada"
    assert suppress("no mentions") == "no mentions"
    text = suppress("<@a@b.c> @x")
    assert "@a" not in text and "@x" not in text
