//! Foreign incoming-webhook formats (Slack, Mattermost, Rocket.Chat, Microsoft Teams, and
//! Discord): pure conversions of their payloads into messages in our Markdown. URL shapes and
//! answers are HTTP concerns (`http::compat`); what a conversion returns then goes through the
//! same validation, mention resolution and storage as every other post.

pub mod discord;
pub mod mattermost;
pub mod rocketchat;
pub mod slack;
pub mod teams;
pub mod text;

use serde_json::{Map, Value};

use crate::ingest::validate::{
    self, FieldError, FieldNames, MAX_CONTENT_CHARS, MAX_USERNAME_CHARS,
};
use crate::store::{NewMessage, WebhookTarget};

/// A foreign format served natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Slack incoming webhooks.
    Slack,
    /// Mattermost incoming webhooks.
    Mattermost,
    /// Rocket.Chat incoming integrations.
    RocketChat,
    /// Microsoft Teams connectors and workflows.
    Teams,
    /// Discord execute-webhook.
    Discord,
}

impl Format {
    /// The format's name, as the delivery log shows it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Slack => "slack",
            Format::Mattermost => "mattermost",
            Format::RocketChat => "rocketchat",
            Format::Teams => "teams",
            Format::Discord => "discord",
        }
    }

    /// The request fields validation errors name (the sender's own field names).
    pub fn fields(self) -> FieldNames {
        match self {
            Format::Slack | Format::Mattermost => FieldNames {
                content: "text",
                username: "username",
                avatar_url: "icon_url",
            },
            Format::RocketChat => FieldNames {
                content: "text",
                username: "alias",
                avatar_url: "avatar",
            },
            Format::Teams => FieldNames {
                content: "text",
                username: "title",
                avatar_url: "icon_url",
            },
            Format::Discord => FieldNames {
                content: "content",
                username: "username",
                avatar_url: "avatar_url",
            },
        }
    }
}

/// A payload converted to our terms: the message text in our Markdown (any length; see
/// [`Converted::into_messages`]) and the sender's display overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// The text in our Markdown.
    pub text: String,
    /// Display-name override.
    pub username: Option<String>,
    /// Avatar override (an http(s) URL).
    pub avatar_url: Option<String>,
    /// An emoji standing for the avatar (Slack's `icon_emoji`): shown before the name when
    /// there is no avatar URL, since our avatars are images.
    pub avatar_emoji: Option<String>,
}

/// Why a foreign payload was refused; each format answers it in its own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A content type the format does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Not JSON, or not the format's shape.
    #[error("{0}")]
    InvalidPayload(String),
    /// Nothing to show.
    #[error("{0}")]
    NoText(String),
    /// A field broke one of our rules (display name, avatar URL).
    #[error(transparent)]
    Invalid(#[from] FieldError),
}

impl Refusal {
    /// Our error code (`unsupported_media_type`, `invalid_payload`, `no_text`,
    /// `validation_failed`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnsupportedMediaType(_) => "unsupported_media_type",
            Refusal::InvalidPayload(_) => "invalid_payload",
            Refusal::NoText(_) => "no_text",
            Refusal::Invalid(_) => "validation_failed",
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Refusal::Invalid(f) => Some(&f.field),
            _ => None,
        }
    }

    /// A human-readable sentence.
    pub fn message(&self) -> String {
        match self {
            Refusal::Invalid(f) => f.message.clone(),
            other => other.to_string(),
        }
    }
}

/// Reads a foreign body as a JSON object. JSON is accepted with a JSON content type or none,
/// and, as Slack and Mattermost do, as form data: a `payload` field, or the whole body (what
/// `curl -d '{...}'` sends).
pub fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    let essence = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let json_bytes: Vec<u8> = match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            match url::form_urlencoded::parse(body).find(|(k, _)| k == "payload") {
                Some((_, payload)) => payload.into_owned().into_bytes(),
                None => body.to_vec(),
            }
        }
        "" | "text/plain" => body.to_vec(),
        e if e == "application/json" || e.ends_with("+json") => body.to_vec(),
        other => {
            return Err(Refusal::UnsupportedMediaType(format!(
                "Content-Type must be application/json (got {other})"
            )));
        }
    };
    let text = std::str::from_utf8(&json_bytes)
        .map_err(|_| Refusal::InvalidPayload("the body is not valid UTF-8".into()))?;
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Refusal::InvalidPayload(
            "the body must be a JSON object".into(),
        )),
        Err(e) => Err(Refusal::InvalidPayload(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// The string at `key`, trimmed, when it is a non-empty string (empty strings count as absent,
/// as the original services treat them).
pub fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `key` must be absent, `null` or a string.
pub fn optional_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, Refusal> {
    match obj.get(key) {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(string(obj, key)),
        Some(_) => Err(Refusal::InvalidPayload(format!("{key} must be a string"))),
    }
}

/// `key` must be absent, `null` or an array; its items.
pub fn optional_array<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], Refusal> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[][..]),
        Some(Value::Array(items)) => Ok(items.as_slice()),
        Some(_) => Err(Refusal::InvalidPayload(format!("{key} must be an array"))),
    }
}

/// Joins non-empty parts with `sep`.
pub fn join_nonempty<I, S>(parts: I, sep: &str) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    parts
        .into_iter()
        .filter(|p| !p.as_ref().trim().is_empty())
        .map(|p| p.as_ref().trim_matches('\n').to_owned())
        .collect::<Vec<_>>()
        .join(sep)
}

impl Converted {
    /// The messages to store: the text split into pieces of at most 4000 characters (a long
    /// payload becomes several messages, in order, never cut silently), each validated as
    /// every message is. `names` are the sender's field names, for errors.
    pub fn into_messages(
        self,
        target: &WebhookTarget,
        names: FieldNames,
    ) -> Result<Vec<NewMessage>, Refusal> {
        let pieces = text::split(&self.text, MAX_CONTENT_CHARS);
        if pieces.is_empty() {
            return Err(Refusal::NoText(format!(
                "the payload has no text to show ({} is missing or empty)",
                names.content
            )));
        }
        let mut username = self.username;
        if let Some(name) = &username {
            validate::display_name(names.username, name)?;
        }
        if let (Some(emoji), None) = (&self.avatar_emoji, &self.avatar_url) {
            let with_emoji = format!(
                "{emoji} {}",
                username.as_deref().unwrap_or(&target.username)
            );
            if with_emoji.chars().count() <= MAX_USERNAME_CHARS {
                username = Some(with_emoji);
            }
        }
        pieces
            .into_iter()
            .map(|piece| {
                validate::message(names, piece, username.clone(), self.avatar_url.clone())
                    .map_err(Refusal::from)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn target() -> WebhookTarget {
        WebhookTarget {
            id: Uuid::nil(),
            channel_id: Uuid::nil(),
            community_id: Uuid::nil(),
            name: "hook".into(),
            username: "Webhook".into(),
            avatar_url: None,
            plugin: None,
            plugin_config: "{}".into(),
        }
    }

    #[test]
    fn reads_json_and_form_bodies() {
        let json = parse_body(Some("application/json; charset=utf-8"), br#"{"text":"a"}"#).unwrap();
        assert_eq!(json["text"], "a");
        let form = parse_body(
            Some("application/x-www-form-urlencoded"),
            b"payload=%7B%22text%22%3A%22b%22%7D",
        )
        .unwrap();
        assert_eq!(form["text"], "b");
        let curl = parse_body(
            Some("application/x-www-form-urlencoded"),
            br#"{"text":"c"}"#,
        )
        .unwrap();
        assert_eq!(curl["text"], "c");
        assert!(matches!(
            parse_body(Some("application/xml"), b"<a/>"),
            Err(Refusal::UnsupportedMediaType(_))
        ));
        assert!(matches!(
            parse_body(None, b"[1]"),
            Err(Refusal::InvalidPayload(_))
        ));
    }

    #[test]
    fn splits_long_texts_into_valid_messages() {
        let converted = Converted {
            text: format!("{}\n{}", "a".repeat(3000), "b".repeat(3000)),
            username: Some("CI".into()),
            ..Converted::default()
        };
        let messages = converted
            .into_messages(&target(), Format::Slack.fields())
            .unwrap();
        assert_eq!(messages.len(), 2);
        assert!(messages.iter().all(|m| m.username.as_deref() == Some("CI")));
    }

    #[test]
    fn icon_emoji_goes_before_the_name() {
        let converted = Converted {
            text: "hi".into(),
            avatar_emoji: Some("🚀".into()),
            ..Converted::default()
        };
        let m = converted
            .into_messages(&target(), Format::Slack.fields())
            .unwrap();
        assert_eq!(m[0].username.as_deref(), Some("🚀 Webhook"));
    }

    #[test]
    fn empty_text_and_bad_names_are_refused() {
        let empty = Converted::default().into_messages(&target(), Format::Slack.fields());
        assert!(matches!(empty, Err(Refusal::NoText(_))));
        let long_name = Converted {
            text: "x".into(),
            username: Some("n".repeat(65)),
            ..Converted::default()
        }
        .into_messages(&target(), Format::Slack.fields())
        .unwrap_err();
        assert_eq!(long_name.field(), Some("username"));
    }
}
