//! Other services' webhook formats, turned into our messages (issue 14).

pub mod discord;

/// The Unicode emoji of a `:shortcode:` name (GitHub/Slack/Discord names).
pub fn emoji(name: &str) -> Option<&'static str> {
    emojis::get_by_shortcode(name).map(emojis::Emoji::as_str)
}

/// A mention of another service's user id, kept visible but unable to notify anyone here
/// (a word joiner after the `@` stops our mention parser).
pub fn inert_mention(id: &str) -> String {
    format!("@\u{2060}{id}")
}
