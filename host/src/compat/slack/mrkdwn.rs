//! Slack's mrkdwn (and Mattermost's Markdown with Slack's angle brackets) to our Markdown:
//! emphasis, code, `<...>` links, mentions, channels and commands, entities and emoji.

use wasmhook_sdk::markdown;

use crate::compat::text::{self, escape};

/// How the text fields of a payload are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Slack's mrkdwn (also Rocket.Chat's message format).
    Mrkdwn,
    /// Markdown with Slack's angle-bracket links and mentions (Mattermost).
    Markdown,
}

/// Converts mrkdwn to our Markdown.
pub fn mrkdwn(text: &str) -> String {
    convert_text(text, Flavor::Mrkdwn)
}

/// Converts a text field written in `flavor` to our Markdown.
pub fn convert_text(text: &str, flavor: Flavor) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    convert_into(&chars, flavor, &mut out);
    out
}

fn flush(plain: &mut String, out: &mut String) {
    if !plain.is_empty() {
        out.push_str(&text::shortcodes(plain));
        plain.clear();
    }
}

fn starts_with(chars: &[char], at: usize, pat: &str) -> bool {
    (at..)
        .zip(pat.chars())
        .all(|(i, p)| chars.get(i) == Some(&p))
}

fn find_seq(chars: &[char], from: usize, pat: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| starts_with(chars, i, pat))
}

fn find_on_line(chars: &[char], from: usize, c: char) -> Option<usize> {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|&&x| x != '\n')
        .position(|&x| x == c)
        .map(|p| from + p)
}

/// Plain text (attachment titles, author and field names): shown literally, with emoji.
pub(super) fn plain(s: &str) -> String {
    escape(&text::shortcodes(&decode_entities(s)))
}

/// Decodes the three entities Slack requires senders to use.
pub(super) fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Whether an emphasis marker at `i` can open: not inside a word, followed by text.
fn opens(chars: &[char], i: usize) -> bool {
    let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
    let after = chars.get(i + 1);
    before_ok && after.is_some_and(|c| !c.is_whitespace() && *c != chars[i])
}

/// The matching closing marker on the same line: after text, not inside a word.
fn closing(chars: &[char], i: usize) -> Option<usize> {
    let marker = chars[i];
    let mut j = i + 2;
    while j < chars.len() && chars[j] != '\n' {
        if chars[j] == marker
            && !chars[j - 1].is_whitespace()
            && chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric())
        {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn convert_into(chars: &[char], flavor: Flavor, out: &mut String) {
    let mrkdwn = flavor == Flavor::Mrkdwn;
    let mut plain = String::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c == '`' && mrkdwn {
            if starts_with(chars, i, "```") {
                if let Some(end) = find_seq(chars, i + 3, "```") {
                    flush(&mut plain, out);
                    let inner: String = chars[i + 3..end].iter().collect();
                    let inner = inner.strip_prefix('\n').unwrap_or(&inner);
                    let inner = inner.strip_suffix('\n').unwrap_or(inner);
                    if !out.is_empty() && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&markdown::code_block(&decode_entities(inner), ""));
                    i = end + 3;
                    if i < n && chars[i] != '\n' {
                        out.push('\n');
                    }
                    continue;
                }
            } else if let Some(end) = find_on_line(chars, i + 1, '`')
                && end > i + 1
            {
                flush(&mut plain, out);
                let inner: String = chars[i + 1..end].iter().collect();
                out.push_str(&markdown::code(&decode_entities(&inner)));
                i = end + 1;
                continue;
            }
            plain.push_str("\\`");
            i += 1;
            continue;
        }
        if c == '<' {
            if let Some(end) = find_on_line(chars, i + 1, '>') {
                let inner: String = chars[i + 1..end].iter().collect();
                if let Some(rendered) = angle(&inner, flavor) {
                    flush(&mut plain, out);
                    out.push_str(&rendered);
                    i = end + 1;
                    // A dropped broadcast leaves no double or leading space behind.
                    if rendered.is_empty()
                        && chars.get(i) == Some(&' ')
                        && (out.is_empty() || out.ends_with([' ', '\n']))
                    {
                        i += 1;
                    }
                    continue;
                }
            }
            plain.push_str(if mrkdwn { "\\<" } else { "<" });
            i += 1;
            continue;
        }
        if mrkdwn && c == '&' {
            let entity = [("&amp;", "&"), ("&lt;", "\\<"), ("&gt;", ">")]
                .into_iter()
                .find(|(e, _)| starts_with(chars, i, e));
            if let Some((e, replacement)) = entity {
                plain.push_str(replacement);
                i += e.len();
                continue;
            }
        }
        if mrkdwn
            && matches!(c, '*' | '_' | '~')
            && opens(chars, i)
            && let Some(end) = closing(chars, i)
        {
            flush(&mut plain, out);
            let marker = match c {
                '*' => "**",
                '~' => "~~",
                _ => "_",
            };
            let mut inner = String::new();
            convert_into(&chars[i + 1..end], flavor, &mut inner);
            out.push_str(marker);
            out.push_str(&inner);
            out.push_str(marker);
            i = end + 1;
            continue;
        }
        plain.push(c);
        i += 1;
    }
    flush(&mut plain, out);
}

/// Renders `<...>`: links, mentions, channels, special commands; `None` when it is not one of
/// Slack's forms (the `<` is then literal).
fn angle(inner: &str, flavor: Flavor) -> Option<String> {
    if inner.is_empty() || inner.starts_with(' ') {
        return None;
    }
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(decode_entities(l.trim())).filter(|l| !l.is_empty())),
        None => (inner, None),
    };
    let target = decode_entities(target);
    let first = target.chars().next()?;
    match first {
        '@' => {
            let name = label
                .as_deref()
                .map(|l| l.trim_start_matches('@'))
                .unwrap_or(&target[1..]);
            Some(text::inert(&format!("@{}", escape(name))).into_owned())
        }
        '#' => Some(format!(
            "#{}",
            escape(
                label
                    .as_deref()
                    .map(|l| l.trim_start_matches('#'))
                    .unwrap_or(&target[1..])
            )
        )),
        '!' => {
            let command = &target[1..];
            Some(match command {
                "channel" | "here" | "everyone" | "group" => String::new(),
                c if c.starts_with("subteam^") => {
                    let name = match label.as_deref() {
                        Some(l) => l.trim_start_matches('@'),
                        None => &c["subteam^".len()..],
                    };
                    text::inert(&format!("@{}", escape(name))).into_owned()
                }
                c if c.starts_with("date^") => match label {
                    Some(fallback) => escape(&fallback),
                    None => c
                        .split('^')
                        .nth(1)
                        .and_then(|ts| ts.parse::<f64>().ok())
                        .and_then(text::unix_time)
                        .unwrap_or_default(),
                },
                _ => label.as_deref().map(escape).unwrap_or_default(),
            })
        }
        _ => {
            url::Url::parse(&target).ok()?;
            if target.contains(char::is_whitespace) {
                return None;
            }
            // A link label is formatted text itself (`<url|*bold*>`).
            let label_md = inner
                .split_once('|')
                .map(|(_, raw)| convert_text(raw.trim(), flavor))
                .unwrap_or_default();
            Some(text::markdown_link(&label_md, &target))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_mrkdwn_emphasis_links_and_emoji() {
        assert_eq!(
            mrkdwn("*bold* _it_ ~gone~ :rocket: <https://a.io/x?a=1&amp;b=2|the docs>"),
            "**bold** _it_ ~~gone~~ 🚀 [the docs](https://a.io/x?a=1&b=2)"
        );
        assert_eq!(mrkdwn("see <https://a.io>"), "see <https://a.io>");
        assert_eq!(
            mrkdwn("<https://a.io|*Hotel* &amp; spa>"),
            "[**Hotel** & spa](https://a.io)"
        );
        assert_eq!(
            mrkdwn("snake_case_name and 2*3*4"),
            "snake_case_name and 2*3*4"
        );
        assert_eq!(mrkdwn("a &lt;b&gt; &amp; c"), "a \\<b> & c");
        assert_eq!(
            mrkdwn("*bold with _italic_ inside*"),
            "**bold with _italic_ inside**"
        );
    }

    #[test]
    fn drops_broadcasts_and_keeps_foreign_mentions_inert() {
        let out = mrkdwn("<!channel> deploy by <@U024BE7LH> and <@U1|ada> in <#C1|ops>");
        assert_eq!(out, "deploy by @\u{2060}U024BE7LH and @\u{2060}ada in #ops");
        assert!(crate::mentions::parse(&out).is_empty());
        assert_eq!(mrkdwn("<!here> x <!everyone> y"), "x y");
        assert_eq!(mrkdwn("<!date^1700000000^{date}|Nov 14>"), "Nov 14");
    }

    #[test]
    fn code_stays_literal_and_blocks_get_own_lines() {
        assert_eq!(mrkdwn("run `*x* &lt;y&gt;`"), "run `*x* <y>`");
        assert_eq!(
            mrkdwn("log:```a *b*\nc```done"),
            "log:\n```\na *b*\nc\n```\ndone"
        );
    }

    #[test]
    fn literal_angles_and_unsafe_links_are_not_links() {
        assert_eq!(mrkdwn("if a < b > c"), "if a \\< b > c");
        assert_eq!(mrkdwn("<javascript:alert(1)|click>"), "click");
    }
}
