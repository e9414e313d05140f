//! Untrusted text made inert in one call: Markdown escaped and every `@` defused, so that a
//! payload's text (a commit message, an alert summary, a branch name) neither formats the
//! message nor mentions anyone. Only the mentions a plugin writes itself with
//! [`mention::email`] or [`mention::username`] notify.
//!
//! Each helper is the matching [`markdown`] helper applied to [`mention::suppress`]ed text,
//! with `@` in URLs percent-encoded (`%40`).
//!
//! ```
//! use wasmhook_sdk::inert;
//!
//! let line = format!(
//!     "{} pushed {} to {}",
//!     inert::text("*ada* @everyone"),
//!     inert::code("fix@home"),
//!     inert::link("o/r", "https://example.com/@o/r"),
//! );
//! assert_eq!(
//!     line,
//!     "\\*ada\\* @\u{2060}everyone pushed `fix@\u{2060}home` to [o/r](https://example.com/%40o/r)"
//! );
//! ```

use std::borrow::Cow;

use crate::{markdown, mention};

/// Untrusted inline text: [`markdown::escape`], then [`mention::suppress`].
///
/// ```
/// assert_eq!(wasmhook_sdk::inert::text("hi @all *x*"), "hi @\u{2060}all \\*x\\*");
/// ```
pub fn text(raw: &str) -> String {
    let escaped = markdown::escape(raw);
    match mention::suppress(&escaped) {
        Cow::Borrowed(_) => escaped,
        Cow::Owned(inert) => inert,
    }
}

/// Untrusted text as an inline code span (branch names, tags, SHAs): [`markdown::code`] of the
/// [`mention::suppress`]ed text.
///
/// ```
/// assert_eq!(wasmhook_sdk::inert::code("a@b"), "`a@\u{2060}b`");
/// ```
pub fn code(raw: &str) -> String {
    markdown::code(&mention::suppress(raw))
}

/// Untrusted text as a fenced code block (a log tail): [`markdown::code_block`] of the
/// [`mention::suppress`]ed text.
///
/// ```
/// assert_eq!(wasmhook_sdk::inert::code_block("@ci failed", ""), "```\n@\u{2060}ci failed\n```");
/// ```
pub fn code_block(raw: &str, language: &str) -> String {
    markdown::code_block(&mention::suppress(raw), language)
}

/// A link with an untrusted label and URL: [`markdown::link`] of the [`mention::suppress`]ed
/// label and of the URL with every `@` percent-encoded.
///
/// ```
/// assert_eq!(
///     wasmhook_sdk::inert::link("@ada [bot]", "https://x.io/@ada"),
///     "[@\u{2060}ada \\[bot\\]](https://x.io/%40ada)"
/// );
/// ```
pub fn link(label: &str, url: &str) -> String {
    markdown::link(&mention::suppress(label), &without_at(url))
}

/// The destination [`link`] writes for `url`: `@` percent-encoded, and the characters that
/// would end a Markdown link early encoded as [`markdown::link`] does. For a link around other
/// content, such as a code span.
///
/// ```
/// use wasmhook_sdk::inert;
///
/// let tag = format!("[{}]({})", inert::code("v1"), inert::url("https://x.io/@o/(v1)"));
/// assert_eq!(tag, "[`v1`](https://x.io/%40o/%28v1%29)");
/// ```
pub fn url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    markdown::push_destination(&without_at(url), &mut out);
    out
}

fn without_at(url: &str) -> Cow<'_, str> {
    if url.contains('@') {
        Cow::Owned(url.replace('@', "%40"))
    } else {
        Cow::Borrowed(url)
    }
}
