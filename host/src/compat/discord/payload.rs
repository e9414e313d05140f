//! The execute-webhook body as Discord documents it: content, overrides, embeds and their
//! parts, `allowed_mentions`; unknown fields are ignored and `null` counts as absent.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// An execute-webhook body. Unknown fields (`tts`, `flags`, `components`, `thread_name`, the
/// `id` and `wait` some clients echo) are ignored; `null` counts as absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payload {
    /// Message text (Discord Markdown); may be empty when embeds are present.
    #[serde(default)]
    pub content: Option<String>,
    /// Display-name override.
    #[serde(default)]
    pub username: Option<String>,
    /// Avatar override.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Rich embeds, at most [`MAX_EMBEDS`](super::MAX_EMBEDS).
    #[serde(default, deserialize_with = "null_as_default")]
    pub embeds: Vec<Embed>,
    /// Which mentions may notify.
    #[serde(default)]
    pub allowed_mentions: Option<AllowedMentions>,
    /// Attachment descriptors: only an empty list is accepted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attachments: Vec<Value>,
}

/// Discord's `allowed_mentions`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllowedMentions {
    /// Mention kinds parsed from the text: `users`, `roles`, `everyone`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub parse: Vec<String>,
    /// Users who may be notified even when `parse` lacks `users` (our user ids).
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<String>,
}

/// One embed. Every part is optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Embed {
    /// Title, linked to `url` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Always `rich` for webhooks.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Body text (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link of the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// ISO 8601 time shown in the footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Colour of the side bar, `0xRRGGBB` as an integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<i64>,
    /// Footer text and icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
    /// Large image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Media>,
    /// Small image beside the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Media>,
    /// Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Media>,
    /// Site the embed comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Named>,
    /// Author line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Named>,
    /// Name/value fields.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<Field>,
}

/// An embed footer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Footer {
    /// Footer text.
    #[serde(default)]
    pub text: Option<String>,
    /// Footer icon (not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An image, thumbnail or video.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Media {
    /// Where it is.
    #[serde(default)]
    pub url: Option<String>,
}

/// An author or provider.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Named {
    /// Name shown.
    #[serde(default)]
    pub name: Option<String>,
    /// Link of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Icon (not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An embed field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Field {
    /// Field name.
    #[serde(default)]
    pub name: Option<String>,
    /// Field value (Markdown).
    #[serde(default)]
    pub value: Option<String>,
    /// Whether it may sit beside its neighbours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<bool>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
