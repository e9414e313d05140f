//! Plain data types that several layers share: what a stored message, its mentions, a channel
//! and a webhook's posting target look like. A leaf of the module graph: it imports nothing
//! from the rest of the crate, so the store, the outgoing-event builders and the Markdown
//! renderer can all use it without importing each other.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A user a message mentions and notifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MentionedUser {
    /// User id.
    pub user_id: Uuid,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
}

/// Who a message is shown as sent by.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sender {
    /// The posting user, for user messages.
    pub user_id: Option<Uuid>,
    /// Name shown next to the message.
    pub display_name: String,
    /// Avatar shown next to the message.
    pub avatar_url: Option<String>,
}

/// The webhook a message came from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookRef {
    /// Webhook id (it may since have been deleted).
    pub id: Uuid,
    /// Webhook name when the message was posted.
    pub name: String,
}

/// A stored message as the messages API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredMessage {
    /// Message id (UUID v7, time-ordered).
    pub id: Uuid,
    /// Channel id.
    pub channel_id: Uuid,
    /// `webhook` or `user`.
    pub kind: String,
    /// Message text.
    pub content: String,
    /// The content as sanitized HTML (Markdown rendered, raw HTML shown as text, mentions
    /// highlighted): what web clients insert into the page.
    pub content_html: String,
    /// Whether the content is end-to-end encrypted (never for webhook messages).
    pub e2ee: bool,
    /// Who it is shown as sent by.
    pub sender: Sender,
    /// The webhook it came from, for webhook messages.
    pub webhook: Option<WebhookRef>,
    /// Users it mentions, in order of appearance.
    pub mentions: Vec<MentionedUser>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the last edit, if the message was edited.
    pub edited_at: Option<DateTime<Utc>>,
}

/// A channel of a community.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Channel {
    /// Channel id.
    pub id: Uuid,
    /// The community it belongs to.
    pub community_id: Uuid,
    /// Name, unique within the community.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What the execute path needs to know about the webhook a token belongs to.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// Webhook id.
    pub id: Uuid,
    /// Target channel.
    pub channel_id: Uuid,
    /// The channel's community (scope of email mentions).
    pub community_id: Uuid,
    /// Webhook name.
    pub name: String,
    /// Default display name.
    pub username: String,
    /// Default avatar.
    pub avatar_url: Option<String>,
    /// The attached plugin: its id and the SHA-256 of its component.
    pub plugin: Option<(Uuid, [u8; 32])>,
    /// The plugin configuration as JSON text (`{}` when none).
    pub plugin_config: String,
}
