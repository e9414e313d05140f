//! What a successful transform returns: chat messages, or a deliberate skip.

use crate::limits::MAX_USERNAME_CHARS;
use crate::{Error, Result};

/// One chat message to post. The host validates it like a native webhook post: content of
/// 1 to [`MAX_CONTENT_CHARS`](crate::limits::MAX_CONTENT_CHARS) (4000) characters, a username
/// of at most [`MAX_USERNAME_CHARS`] (64) characters, an `http(s)` avatar URL.
///
/// Content is Markdown; mentions use `@username`, `@email` or `<@email>` (see
/// [`mention`](crate::mention)). Fields are public for tests; build messages with
/// [`Message::new`] and the builder methods.
///
/// ```
/// use wasmhook_sdk::Message;
///
/// let message = Message::new("Deployed **v1.2**")
///     .username("CI")
///     .avatar_url("https://example.com/ci.png");
/// assert_eq!(message.content, "Deployed **v1.2**");
/// assert_eq!(message.username.as_deref(), Some("CI"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// The message text (Markdown).
    pub content: String,
    /// Overrides the webhook's display name for this message.
    pub username: Option<String>,
    /// Overrides the webhook's avatar for this message (an http or https URL).
    pub avatar_url: Option<String>,
}

impl Message {
    /// A message with this content and the webhook's own name and avatar.
    ///
    /// ```
    /// let message = wasmhook_sdk::Message::new("hello");
    /// assert_eq!(message.username, None);
    /// ```
    pub fn new(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            username: None,
            avatar_url: None,
        }
    }

    /// Sets the display name shown for this message.
    ///
    /// ```
    /// let message = wasmhook_sdk::Message::new("hi").username("GitHub");
    /// assert_eq!(message.username.as_deref(), Some("GitHub"));
    /// ```
    #[must_use]
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the avatar shown for this message (an http or https URL).
    ///
    /// ```
    /// let message = wasmhook_sdk::Message::new("hi").avatar_url("https://example.com/a.png");
    /// assert_eq!(message.avatar_url.as_deref(), Some("https://example.com/a.png"));
    /// ```
    #[must_use]
    pub fn avatar_url(mut self, url: impl Into<String>) -> Self {
        self.avatar_url = Some(url.into());
        self
    }
}

/// Checks a plugin configuration's `username` and `avatar_url` overrides against the rules the
/// host applies to every message (a display name of 1 to [`MAX_USERNAME_CHARS`] characters, an
/// http(s) avatar URL), so a bad configuration fails as [`Error::Internal`] naming the key,
/// before any message.
///
/// ```
/// use wasmhook_sdk::check_sender_overrides;
/// assert!(check_sender_overrides(Some("CI Bot"), Some("https://example.com/a.png")).is_ok());
/// assert!(check_sender_overrides(Some(""), None).is_err());
/// assert!(check_sender_overrides(None, Some("ftp://example.com/a.png")).is_err());
/// ```
pub fn check_sender_overrides(username: Option<&str>, avatar_url: Option<&str>) -> Result<()> {
    if let Some(url) = avatar_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(Error::internal(
            "invalid plugin configuration: avatar_url must be an http(s) URL",
        ));
    }
    if let Some(name) = username
        && (name.trim().is_empty() || name.chars().count() > MAX_USERNAME_CHARS)
    {
        return Err(Error::internal(
            "invalid plugin configuration: username must have 1 to 64 characters",
        ));
    }
    Ok(())
}

impl From<String> for Message {
    /// ```
    /// let message: wasmhook_sdk::Message = String::from("hi").into();
    /// assert_eq!(message.content, "hi");
    /// ```
    fn from(content: String) -> Self {
        Self::new(content)
    }
}

impl From<&str> for Message {
    /// ```
    /// let message: wasmhook_sdk::Message = "hi".into();
    /// assert_eq!(message.content, "hi");
    /// ```
    fn from(content: &str) -> Self {
        Self::new(content)
    }
}

/// What a successful transform produced.
///
/// ```
/// use wasmhook_sdk::{Message, Outcome};
///
/// let one = Outcome::message("build passed");
/// assert_eq!(one.as_messages().len(), 1);
///
/// let skipped = Outcome::skip("ping");
/// assert_eq!(skipped.skip_reason(), Some("ping"));
/// assert!(skipped.as_messages().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Post these messages, in order. The host caps the count and takes an empty
    /// list as a skip; prefer [`Outcome::skip`] when there is nothing to say.
    Messages(Vec<Message>),
    /// Nothing to post, on purpose; the reason is returned to the sender (for example
    /// GitHub's `ping`, or an event the webhook's configuration filters out).
    Skip(String),
}

impl Outcome {
    /// Post one message.
    ///
    /// ```
    /// use wasmhook_sdk::{Message, Outcome};
    ///
    /// let outcome = Outcome::message(Message::new("hi").username("bot"));
    /// assert_eq!(outcome.as_messages()[0].content, "hi");
    /// ```
    pub fn message(message: impl Into<Message>) -> Self {
        Self::Messages(vec![message.into()])
    }

    /// Post these messages, in order.
    ///
    /// ```
    /// use wasmhook_sdk::{Message, Outcome};
    ///
    /// let outcome = Outcome::messages(vec![Message::new("one"), Message::new("two")]);
    /// assert_eq!(outcome.as_messages().len(), 2);
    /// ```
    pub fn messages(messages: impl IntoIterator<Item = impl Into<Message>>) -> Self {
        Self::Messages(messages.into_iter().map(Into::into).collect())
    }

    /// Post nothing, on purpose, and tell the sender why.
    ///
    /// ```
    /// let outcome = wasmhook_sdk::Outcome::skip("ping");
    /// assert_eq!(outcome.skip_reason(), Some("ping"));
    /// ```
    pub fn skip(reason: impl Into<String>) -> Self {
        Self::Skip(reason.into())
    }

    /// The messages to post (empty for a skip). Handy in tests.
    ///
    /// ```
    /// assert_eq!(wasmhook_sdk::Outcome::message("a").as_messages()[0].content, "a");
    /// ```
    pub fn as_messages(&self) -> &[Message] {
        match self {
            Self::Messages(messages) => messages,
            Self::Skip(_) => &[],
        }
    }

    /// The reason of a skip, `None` when there are messages. Handy in tests.
    ///
    /// ```
    /// assert_eq!(wasmhook_sdk::Outcome::message("a").skip_reason(), None);
    /// ```
    pub fn skip_reason(&self) -> Option<&str> {
        match self {
            Self::Messages(_) => None,
            Self::Skip(reason) => Some(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_every_field() {
        let message = Message::new("c")
            .username("u")
            .avatar_url("https://a/b.png");
        assert_eq!(
            message,
            Message {
                content: "c".into(),
                username: Some("u".into()),
                avatar_url: Some("https://a/b.png".into()),
            }
        );
    }

    #[test]
    fn messages_accepts_strings_and_messages() {
        let outcome = Outcome::messages(["a", "b"]);
        assert_eq!(outcome.as_messages().len(), 2);
        let outcome = Outcome::messages(vec![Message::new("a")]);
        assert_eq!(outcome.as_messages()[0].content, "a");
    }
}
