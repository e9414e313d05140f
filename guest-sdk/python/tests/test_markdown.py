"""Markdown helpers: what only the Python SDK has. The cases every SDK shares are in
``guest-sdk/conformance/vectors.json`` (see ``test_conformance.py``)."""

from wasmhook_sdk.markdown import code_block


def test_code_block_language_defaults_to_none():
    assert code_block("x") == "```\nx\n```"
