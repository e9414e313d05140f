//! Text helpers shared by the foreign formats: escaping plain text into our Markdown, links that
//! never come out empty, inert foreign mentions, emoji shortcodes, colours, times, and splitting
//! a long text into messages that fit.

use std::borrow::Cow;

use wasmhook_sdk::{markdown, mention};

/// Plain text shown literally in our Markdown (formatting characters escaped; `@name`
/// mentions are left to our rules).
pub fn escape(text: &str) -> String {
    markdown::escape(text)
}

/// Text that contains foreign mention syntax we cannot resolve: every `@` made inert, so no one
/// is notified by accident (the text is still shown).
pub fn inert(text: &str) -> Cow<'_, str> {
    mention::suppress(text)
}

/// Whether a link target is safe and meaningful to show as a link: http(s) or mailto.
pub fn is_linkable(url: &str) -> bool {
    match url::Url::parse(url.trim()) {
        Ok(u) => match u.scheme() {
            "http" | "https" => u.host().is_some(),
            "mailto" => true,
            _ => false,
        },
        Err(_) => false,
    }
}

/// A link with a plain-text label, never an empty one: `[label](url)`; the bare URL when the
/// label is empty; the escaped label alone when the URL is empty or not http(s)/mailto.
pub fn link(label: &str, url: &str) -> String {
    let (label, url) = (label.trim(), url.trim());
    match (label.is_empty(), is_linkable(url)) {
        (false, true) => markdown::link(label, url),
        (true, true) => autolink(url),
        (false, false) => escape(label),
        (true, false) => escape(url),
    }
}

/// A link whose label is already Markdown (converted from a foreign format): `[label](url)`,
/// falling back like [`link`].
pub fn markdown_link(label_md: &str, url: &str) -> String {
    let (label_md, url) = (label_md.trim(), url.trim());
    if label_md.is_empty() || !is_linkable(url) {
        return if label_md.is_empty() {
            link("", url)
        } else {
            label_md.to_owned()
        };
    }
    // `markdown::link` escapes its label; build the same link around a ready label.
    let target = markdown::link("x", url);
    format!("[{}]{}", balanced_brackets(label_md), &target[3..])
}

/// Escapes the square brackets of a Markdown label that do not pair up, so they cannot end
/// (or open) the link early.
fn balanced_brackets(label: &str) -> Cow<'_, str> {
    let mut depth = 0usize;
    let mut escaped = false;
    let mut balanced = true;
    for c in label.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => depth += 1,
            ']' if depth == 0 => balanced = false,
            ']' => depth -= 1,
            _ => {}
        }
    }
    if balanced && depth == 0 {
        return Cow::Borrowed(label);
    }
    let mut out = String::with_capacity(label.len() + 4);
    let mut escaped = false;
    for c in label.chars() {
        if !escaped && matches!(c, '[' | ']') {
            out.push('\\');
        }
        escaped = !escaped && c == '\\';
        out.push(c);
    }
    Cow::Owned(out)
}

/// A bare URL shown as a link (`<url>` when it cannot be mistaken for anything else).
pub fn autolink(url: &str) -> String {
    let url = url.trim();
    if is_linkable(url) && !url.contains(['<', '>', ' ']) {
        format!("<{url}>")
    } else {
        escape(url)
    }
}

/// Slack names that differ from the GitHub (gemoji) names the `emojis` crate knows.
const SLACK_NAMES: [(&str, &str); 6] = [
    ("robot_face", "robot"),
    ("helmet_with_white_cross", "rescue_worker_helmet"),
    ("simple_smile", "slightly_smiling_face"),
    ("thinking_face", "thinking"),
    ("face_with_rolling_eyes", "roll_eyes"),
    ("hugging_face", "hugs"),
];

/// The Unicode emoji of a shortcode such as `rocket` or `+1` (GitHub and Slack names).
pub fn emoji(shortcode: &str) -> Option<&'static str> {
    let name = shortcode.trim_matches(':');
    let name = SLACK_NAMES
        .iter()
        .find(|(slack, _)| *slack == name)
        .map_or(name, |(_, github)| github);
    emojis::get_by_shortcode(name)
        .or_else(|| emojis::get_by_shortcode(&name.replace('-', "_")))
        .map(|e| e.as_str())
}

/// Replaces every known `:shortcode:` in `text` by its emoji (unknown ones stay as written);
/// a Slack skin-tone suffix such as `:skin-tone-3:` is dropped.
pub fn shortcodes(text: &str) -> Cow<'_, str> {
    if !text.contains(':') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
            .count();
        if name_len > 0
            && after.as_bytes().get(name_len) == Some(&b':')
            && let Some(e) = emoji(&after[..name_len])
        {
            out.push_str(e);
            rest = &after[name_len + 1..];
            if let Some(tone) = rest.strip_prefix(":skin-tone-")
                && tone.len() >= 2
                && tone.as_bytes()[0].is_ascii_digit()
                && tone.as_bytes()[1] == b':'
            {
                rest = &tone[2..];
            }
        } else {
            out.push(':');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A coloured marker for a foreign colour bar (`good`/`warning`/`danger` or `#rrggbb`):
/// the nearest of the coloured circle emoji.
pub fn color_marker(color: &str) -> Option<&'static str> {
    let color = color.trim();
    match color.to_ascii_lowercase().as_str() {
        "" => return None,
        "good" | "success" | "green" => return Some("🟢"),
        "warning" | "yellow" => return Some("🟡"),
        "danger" | "attention" | "error" | "red" => return Some("🔴"),
        "accent" | "blue" => return Some("🔵"),
        _ => {}
    }
    let hex = color.trim_start_matches('#');
    let hex: String = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        6 => hex.to_owned(),
        _ => return None,
    };
    let value = u32::from_str_radix(&hex, 16).ok()?;
    let rgb = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff].map(|c| c as i32);
    const PALETTE: [([i32; 3], &str); 9] = [
        ([221, 46, 68], "🔴"),
        ([244, 144, 12], "🟠"),
        ([253, 203, 88], "🟡"),
        ([120, 177, 89], "🟢"),
        ([85, 172, 238], "🔵"),
        ([170, 142, 214], "🟣"),
        ([193, 105, 79], "🟤"),
        ([49, 55, 61], "⚫"),
        ([230, 231, 232], "⚪"),
    ];
    PALETTE
        .iter()
        .min_by_key(|(p, _)| (0..3).map(|i| (p[i] - rgb[i]).pow(2)).sum::<i32>())
        .map(|(_, e)| *e)
}

/// A Unix time (seconds, possibly fractional) as `2024-01-31 17:05 UTC`.
pub fn unix_time(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    let t = chrono::DateTime::from_timestamp(seconds.trunc() as i64, 0)?;
    Some(t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Splits `text` into pieces of at most `max` characters, at paragraph or line ends where it
/// can, then at spaces, then anywhere; a code block cut in two is closed and reopened. Blank
/// pieces are left out; nothing visible is lost.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let text = text.trim_matches('\n');
    if text.chars().count() <= max {
        return if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![text.to_owned()]
        };
    }
    // Room for a fence reopened at the start and one closed at the end of a piece.
    let budget = max.saturating_sub(16).max(1);
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    let mut open_fence: Option<String> = None;
    let flush = |current: &mut String,
                 current_len: &mut usize,
                 pieces: &mut Vec<String>,
                 fence: &Option<String>| {
        let mut piece = std::mem::take(current).trim_end_matches('\n').to_owned();
        if let Some(f) = fence {
            piece.push('\n');
            piece.push_str(f);
        }
        if !piece.trim().is_empty() {
            pieces.push(piece);
        }
        *current_len = 0;
        if let Some(f) = fence {
            current.push_str(f);
            current.push('\n');
            *current_len = f.chars().count() + 1;
        }
    };
    for line in text.split_inclusive('\n') {
        let mut line = line;
        loop {
            let len = line.chars().count();
            if current_len + len <= budget {
                current.push_str(line);
                current_len += len;
                break;
            }
            if current_len > 0 && len <= budget {
                flush(&mut current, &mut current_len, &mut pieces, &open_fence);
                continue;
            }
            // One line longer than a piece: cut it at the last space that fits.
            let room = budget.saturating_sub(current_len).max(1);
            let cut_chars = line
                .char_indices()
                .take(room + 1)
                .filter(|(_, c)| *c == ' ')
                .map(|(i, _)| i)
                .last()
                .filter(|&i| i > 0)
                .unwrap_or_else(|| line.char_indices().nth(room).map_or(line.len(), |(i, _)| i));
            current.push_str(&line[..cut_chars]);
            current.push('\n');
            flush(&mut current, &mut current_len, &mut pieces, &open_fence);
            line = line[cut_chars..].trim_start_matches(' ');
            if line.is_empty() {
                break;
            }
        }
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            match &open_fence {
                Some(open) if fence.starts_with(open.as_str()) && trimmed == fence => {
                    open_fence = None
                }
                Some(_) => {}
                None => open_fence = Some(fence),
            }
        }
    }
    open_fence = None;
    flush(&mut current, &mut current_len, &mut pieces, &open_fence);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_never_empty() {
        assert_eq!(link("", ""), "");
        assert_eq!(link("Docs", ""), "Docs");
        assert_eq!(link("", "https://a.io/x"), "<https://a.io/x>");
        assert_eq!(link("Docs", "https://a.io/x"), "[Docs](https://a.io/x)");
        assert_eq!(link("Docs", "javascript:alert(1)"), "Docs");
        assert_eq!(
            markdown_link("**Docs**", "https://a.io/a b"),
            "[**Docs**](https://a.io/a%20b)"
        );
        assert_eq!(markdown_link("", "https://a.io"), "<https://a.io>");
        assert_eq!(
            markdown_link("[FIRING:1] x", "https://a.io"),
            "[[FIRING:1] x](https://a.io)"
        );
        assert_eq!(
            markdown_link("a] b \\[c", "https://a.io"),
            "[a\\] b \\[c](https://a.io)"
        );
    }

    #[test]
    fn replaces_known_shortcodes_only() {
        assert_eq!(shortcodes(":rocket: go :nope: 10:30"), "🚀 go :nope: 10:30");
        assert_eq!(shortcodes(":+1::skin-tone-3: ok"), "👍 ok");
        assert_eq!(shortcodes(":white_check_mark:"), "✅");
        assert_eq!(emoji(":fire:"), Some("🔥"));
        assert_eq!(emoji("robot_face"), Some("🤖"));
    }

    #[test]
    fn inert_breaks_mentions() {
        assert_eq!(crate::mentions::parse(&inert("@ada <@a@b.io>")), vec![]);
    }

    #[test]
    fn maps_colours_to_markers() {
        assert_eq!(color_marker("danger"), Some("🔴"));
        assert_eq!(color_marker("#36a64f"), Some("🟢"));
        assert_eq!(color_marker("#E01E5A"), Some("🔴"));
        assert_eq!(color_marker("nonsense"), None);
    }

    #[test]
    fn formats_times() {
        assert_eq!(
            unix_time(1_700_000_000.5).as_deref(),
            Some("2023-11-14 22:13 UTC")
        );
    }

    #[test]
    fn splits_long_text_without_loss() {
        let para = "word ".repeat(300);
        let text = format!("{para}\n\n{para}\n\n{}", "x".repeat(9000));
        let pieces = split(&text, 4000);
        assert!(pieces.len() >= 4, "{}", pieces.len());
        assert!(pieces.iter().all(|p| p.chars().count() <= 4000));
        let joined: String = pieces.concat();
        assert_eq!(
            joined.chars().filter(|c| !c.is_whitespace()).count(),
            text.chars().filter(|c| !c.is_whitespace()).count()
        );
        assert_eq!(split("short", 4000), vec!["short".to_owned()]);
        assert!(split("\n \n", 4000).is_empty());
    }

    #[test]
    fn split_closes_and_reopens_code_blocks() {
        let body = "line of code\n".repeat(500);
        let pieces = split(&format!("```\n{body}```"), 4000);
        assert!(pieces.len() >= 2);
        for p in &pieces {
            assert!(p.starts_with("```") && p.ends_with("```"), "{p}");
        }
    }
}
