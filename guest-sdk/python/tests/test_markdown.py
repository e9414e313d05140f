"""Markdown helpers: the same cases as the Rust SDK's ``markdown`` tests."""

from wasmhook_sdk.markdown import code, code_block, escape, link, truncate


def test_escape_handles_inline_and_line_start_markers():
    assert escape("fix *all* the_things") == r"fix \*all\* the\_things"
    assert escape("# not a heading") == r"\# not a heading"
    assert escape("v1.2.3 - done") == "v1.2.3 - done"
    assert escape("a_b*c`d") == r"a\_b\*c\`d"
    assert escape("- item\n  + other\n1. first\n10) x") == "\\- item\n  \\+ other\n1\\. first\n10\\) x"
    assert escape("> quote") == r"\> quote"
    assert escape("![img](x)") == r"!\[img\](x)"
    assert escape("1 + 2 = 3") == "1 + 2 = 3"
    assert escape("12 apples") == "12 apples"
    assert escape("\t= x|y~z\\") == "\t\\= x\\|y\\~z\\\\"
    assert escape("") == ""


def test_escape_leaves_non_ascii_digits_alone():
    assert escape("١. arabic-indic") == "١. arabic-indic"


def test_link_escapes_text_and_encodes_url_breakers():
    assert link("PR #1 [draft]", "https://example.com/a b") == r"[PR #1 \[draft\]](https://example.com/a%20b)"
    assert link("a", "https://x/(y) z") == "[a](https://x/%28y%29%20z)"
    assert link("a", "https://x/<y>\n\r\t") == "[a](https://x/%3Cy%3E)"


def test_code_span_pads_edge_backticks_and_spaces():
    assert code("main") == "`main`"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code(" a ") == "`  a  `"
    assert code("   ") == "`   `"
    assert code("") == ""
    assert code("a``b") == "```a``b```"


def test_code_block_fence_outgrows_the_text():
    assert code_block("{}", "json") == "```json\n{}\n```"
    assert code_block("```", "") == "````\n```\n````"
    assert code_block("x\n", "rs") == "```rs\nx\n```"
    assert code_block("x") == "```\nx\n```"


def test_truncate_counts_characters_not_bytes():
    assert truncate("hello world", 8) == "hello w…"
    assert truncate("short", 8) == "short"
    assert truncate("héllo", 2) == "h…"
    assert truncate("ééé", 3) == "ééé"
    assert truncate("éééé", 3) == "éé…"
    assert truncate("abcd", 0) == ""
    assert truncate("abcd", 1) == "…"
    assert truncate("abc", 3) == "abc"
