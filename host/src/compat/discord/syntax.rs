//! Discord Markdown to ours: `:shortcode:` emoji, `<:name:id>` custom emoji, `<t:unix:style>`
//! timestamps, and `<@id>` user mentions left inert (the ids are Discord's, not ours).

use chrono::{DateTime, Utc};

use crate::compat::text as helpers;

/// Discord Markdown to ours: emoji shortcodes, custom emoji, timestamps and mentions.
/// Trailing line breaks go (they would only widen the gaps between parts).
pub fn text(s: &str) -> String {
    let s = s.trim_end_matches(['\n', '\r']);
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(['<', ':']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if let Some((converted, used)) = angle(rest).or_else(|| shortcode(rest)) {
            out.push_str(&converted);
            rest = &rest[used..];
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

/// `:name:` to its Unicode emoji, when the name is one.
fn shortcode(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix(':')?;
    let end = inner.find(':')?;
    let name = &inner[..end];
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    {
        return None;
    }
    let emoji = helpers::emoji(name)?;
    Some((emoji.to_owned(), end + 2))
}

/// `<...>` constructs: `<@id>`/`<@!id>` (inert), `<:name:id>`/`<a:name:id>`, `<t:unix:style>`.
fn angle(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix('<')?;
    let end = inner.find('>')?;
    let body = &inner[..end];
    let used = end + 2;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(id) = body.strip_prefix("@!").or_else(|| body.strip_prefix('@'))
        && digits(id)
    {
        return Some((helpers::inert(&format!("@{id}")).into_owned(), used));
    }
    if let Some(custom) = body.strip_prefix("a:").or_else(|| body.strip_prefix(':'))
        && let Some((name, id)) = custom.split_once(':')
        && !name.is_empty()
        && digits(id)
    {
        return Some((format!(":{name}:"), used));
    }
    if let Some(t) = body.strip_prefix("t:") {
        let unix = t.split(':').next().unwrap_or_default();
        if let Some(time) = unix
            .parse::<i64>()
            .ok()
            .and_then(|u| DateTime::<Utc>::from_timestamp(u, 0))
        {
            return Some((time.format("%Y-%m-%d %H:%M UTC").to_string(), used));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_syntax_is_converted_and_user_ids_stay_inert() {
        let out = text("<@123> <@!45> <@&9> <:party:77> <t:1700000000:R> :x: :nope:");
        assert!(!out.contains("<@123>") && out.contains("123"), "{out}");
        assert!(crate::mentions::parse(&out).is_empty(), "{out}");
        assert!(
            out.contains("<@&9> :party: 2023-11-14 22:13 UTC ❌ :nope:"),
            "{out}"
        );
    }
}
