//! Building Markdown message content safely from untrusted text.

use std::borrow::Cow;

/// Escapes `text` so it renders literally: inline formatting characters are always
/// backslash-escaped, and block markers (`#`, `-`, `+`, `=`, `1.`) only at the start of a
/// line, where they matter. Mentions are not touched (see [`mention::suppress`](crate::mention::suppress)).
///
/// ```
/// use wasmhook_sdk::markdown;
///
/// assert_eq!(markdown::escape("fix *all* the_things"), r"fix \*all\* the\_things");
/// assert_eq!(markdown::escape("# not a heading"), r"\# not a heading");
/// assert_eq!(markdown::escape("v1.2.3 - done"), "v1.2.3 - done");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        escape_line(line, &mut out);
    }
    out
}

fn escape_line(line: &str, out: &mut String) {
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    out.push_str(&line[..indent]);
    let rest = &line[indent..];
    // A block marker is only special at the start of a line.
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let marker_end = match rest.as_bytes().first() {
        Some(b'#' | b'-' | b'+' | b'=') => 0,
        Some(b'0'..=b'9') if matches!(rest.as_bytes().get(digits), Some(b'.' | b')')) => digits,
        _ => usize::MAX,
    };
    for (i, c) in rest.char_indices() {
        if i == marker_end || is_inline_special(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn is_inline_special(c: char) -> bool {
    // `(`, `)` and `!` need no escape: they only form links and images after a `[`.
    matches!(
        c,
        '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '|'
    )
}

/// A link `[text](url)`: `text` is escaped, and the characters of `url` that would end the
/// link early (spaces, parentheses, angle brackets) are percent-encoded.
///
/// ```
/// use wasmhook_sdk::markdown;
///
/// assert_eq!(
///     markdown::link("PR #1 [draft]", "https://example.com/a b"),
///     r"[PR #1 \[draft\]](https://example.com/a%20b)"
/// );
/// ```
pub fn link(text: &str, url: &str) -> String {
    let mut out = String::with_capacity(text.len() + url.len() + 4);
    out.push('[');
    for c in text.chars() {
        if is_inline_special(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("](");
    push_destination(url, &mut out);
    out.push(')');
    out
}

/// Appends `url` as a link destination: the characters that would end it early (spaces,
/// parentheses, angle brackets) percent-encoded, line breaks and tabs dropped.
pub(crate) fn push_destination(url: &str, out: &mut String) {
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '\n' | '\r' | '\t' => {}
            c => out.push(c),
        }
    }
}

/// An inline code span showing `text` literally, whatever backticks it contains.
/// Empty text gives an empty string (an empty code span does not exist in Markdown).
///
/// ```
/// use wasmhook_sdk::markdown;
///
/// assert_eq!(markdown::code("main"), "`main`");
/// assert_eq!(markdown::code("a`b"), "``a`b``");
/// assert_eq!(markdown::code("`x`"), "`` `x` ``");
/// ```
pub fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_backtick_run(text) + 1);
    // CommonMark strips one space on each side when both are present; pad so that the
    // text's own edge backticks or spaces survive.
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && text.trim() != "");
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced code block showing `text` literally, with an optional language for highlighting
/// (pass `""` for none). The fence is longer than any backtick run in `text`.
///
/// ```
/// use wasmhook_sdk::markdown;
///
/// assert_eq!(markdown::code_block("{}", "json"), "```json\n{}\n```");
/// assert_eq!(markdown::code_block("```", ""), "````\n```\n````");
/// ```
pub fn code_block(text: &str, language: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{language}\n{text}{newline}{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for b in text.bytes() {
        if b == b'`' {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Shortens `text` to at most `max_chars` characters (Unicode scalar values), ending with
/// `…` when something was cut. Borrows when `text` already fits.
///
/// ```
/// use wasmhook_sdk::markdown;
///
/// assert_eq!(markdown::truncate("hello world", 8), "hello w…");
/// assert_eq!(markdown::truncate("short", 8), "short");
/// assert_eq!(markdown::truncate("héllo", 2), "h…");
/// ```
pub fn truncate(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Cheap exit: a string with at most `max_chars` bytes has at most that many chars.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    let mut chars = text.char_indices();
    match chars.nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) if max_chars == 0 => Cow::Borrowed(""),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(max_chars - 1)
                .map_or(text.len(), |(i, _)| i);
            let mut out = String::with_capacity(cut + '…'.len_utf8());
            out.push_str(&text[..cut]);
            out.push('…');
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_inline_and_line_start_markers() {
        assert_eq!(escape("a_b*c`d"), r"a\_b\*c\`d");
        assert_eq!(
            escape("- item\n  + other\n1. first\n10) x"),
            "\\- item\n  \\+ other\n1\\. first\n10\\) x"
        );
        assert_eq!(escape("> quote"), r"\> quote");
        assert_eq!(escape("![img](x)"), r"!\[img\](x)");
        assert_eq!(escape("1 + 2 = 3"), "1 + 2 = 3");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn code_span_pads_edge_backticks_and_spaces() {
        assert_eq!(code(" a "), "`  a  `");
        assert_eq!(code("   "), "`   `");
        assert_eq!(code(""), "");
        assert_eq!(code("a``b"), "```a``b```");
    }

    #[test]
    fn code_block_keeps_a_trailing_newline_single() {
        assert_eq!(code_block("x\n", "rs"), "```rs\nx\n```");
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("ééé", 3), "ééé");
        assert_eq!(truncate("éééé", 3), "éé…");
        assert_eq!(truncate("abcd", 0), "");
        assert_eq!(truncate("abcd", 1), "…");
        assert_eq!(truncate("abc", 3), "abc");
        assert!(matches!(truncate("abc", 3), Cow::Borrowed(_)));
    }

    #[test]
    fn link_encodes_characters_that_end_the_url() {
        assert_eq!(link("a", "https://x/(y) z"), "[a](https://x/%28y%29%20z)");
    }
}
