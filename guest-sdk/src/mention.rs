//! Writing mentions the host resolves (`<@email>`, `@username`), and suppressing
//! accidental ones in untrusted text.

use std::borrow::Cow;

/// A mention of the user with this email, `<@addr>`, or `None` when `addr` does not look like
/// an email (one `@` with text on both sides, no spaces or angle brackets).
///
/// The host notifies the user if they are a member of the webhook's community.
///
/// ```
/// use wasmhook_sdk::mention;
///
/// assert_eq!(mention::email("ada@example.com").as_deref(), Some("<@ada@example.com>"));
/// assert_eq!(mention::email("not an email"), None);
/// ```
pub fn email(addr: &str) -> Option<String> {
    let (local, domain) = addr.split_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !addr
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    valid.then(|| format!("<@{addr}>"))
}

/// A mention of the user with this username, `@name`, or `None` when `name` is empty or has
/// characters other than ASCII letters, digits and `_` (the host could not resolve it).
///
/// Usernames are case-sensitive and only members of the webhook's channel are notified.
///
/// ```
/// use wasmhook_sdk::mention;
///
/// assert_eq!(mention::username("ada_l").as_deref(), Some("@ada_l"));
/// assert_eq!(mention::username("ada-l"), None);
/// ```
pub fn username(name: &str) -> Option<String> {
    is_valid_username(name).then(|| format!("@{name}"))
}

/// Whether `name` can be mentioned as `@name`: non-empty, ASCII letters, digits and `_` only.
///
/// ```
/// assert!(wasmhook_sdk::mention::is_valid_username("octo_cat2"));
/// assert!(!wasmhook_sdk::mention::is_valid_username("octo.cat"));
/// ```
pub fn is_valid_username(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Makes every `@` in `text` inert, so quoting untrusted text (a commit message, an issue
/// title) does not notify anyone: a zero-width joiner (U+2060, WORD JOINER) is inserted after
/// each `@`. Borrows when there is no `@`.
///
/// ```
/// use wasmhook_sdk::mention;
///
/// assert_eq!(mention::suppress("thanks @ada"), "thanks @\u{2060}ada");
/// assert_eq!(mention::suppress("no mentions"), "no mentions");
/// ```
pub fn suppress(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace('@', "@\u{2060}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rejects_malformed_addresses() {
        for bad in ["", "@x", "x@", "a@b@c", "a b@c", "a@b>", "<a@b"] {
            assert_eq!(email(bad), None, "{bad:?}");
        }
        assert_eq!(email("a+tag@b.co").as_deref(), Some("<@a+tag@b.co>"));
    }

    #[test]
    fn username_requires_word_characters() {
        assert_eq!(username(""), None);
        assert_eq!(username("é"), None);
        assert_eq!(username("A_1").as_deref(), Some("@A_1"));
    }

    #[test]
    fn suppress_breaks_every_mention() {
        let text = suppress("<@a@b.c> @x");
        assert!(!text.contains("@a") && !text.contains("@x"), "{text}");
    }
}
