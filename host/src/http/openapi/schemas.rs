//! Schemas of the document that no handler type carries: the one error body, and the
//! envelopes of the answers handlers build with `json!` (lists, tokens, execute results).
//! Resource types (`User`, `Webhook`, `StoredMessage`, ...) derive their schema where they
//! are defined.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::{Channel, StoredMessage};
use crate::store::{
    Community, Member, Notice, Notification, Plugin, PushSubscription, Role, User, Webhook,
};

/// Every error of the API: `{"error":{"code","message"}}`, with `field` naming the offending
/// field of a 409 or 422.
#[derive(Debug, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error object.
#[derive(Debug, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code: `bad_request`, `malformed_json`, `invalid_utf8`, `unauthorized`,
    /// `forbidden`, `not_found`, `method_not_allowed`, `request_timeout`, `conflict`,
    /// `length_required`, `payload_too_large`, `uri_too_long`, `unsupported_media_type`,
    /// `validation_failed`, `upgrade_required`, `rate_limited`, `headers_too_large`,
    /// `unavailable`, `internal`; on the execute paths also the codes of plugin outcomes and
    /// of the fair share (`plugin_*`, `cpu_budget_exhausted`, ...).
    pub code: String,
    /// Human-readable message naming the field and the rule broken.
    pub message: String,
    /// The field concerned (409, 422).
    pub field: Option<String>,
    /// The delivery recorded for a failed plugin run (execute paths).
    pub delivery_id: Option<Uuid>,
}

/// `{"communities": [...]}`.
#[derive(Debug, ToSchema)]
pub struct CommunityList {
    /// The caller's communities with their role.
    pub communities: Vec<Community>,
}

/// `{"channels": [...]}`.
#[derive(Debug, ToSchema)]
pub struct ChannelList {
    /// The community's channels.
    pub channels: Vec<Channel>,
}

/// A community membership.
#[derive(Debug, ToSchema)]
pub struct Membership {
    /// The community.
    pub community_id: Uuid,
    /// The member.
    pub user_id: Uuid,
    /// Their role.
    pub role: Role,
}

/// A channel membership.
#[derive(Debug, ToSchema)]
pub struct ChannelMembership {
    /// The channel.
    pub channel_id: Uuid,
    /// The member.
    pub user_id: Uuid,
}

/// `{"members": [...]}`.
#[derive(Debug, ToSchema)]
pub struct MemberList {
    /// The community's members by username.
    pub members: Vec<Member>,
}

/// A page of a channel's messages, newest first.
#[derive(Debug, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub messages: Vec<StoredMessage>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<Uuid>,
}

/// `{"webhooks": [...]}`.
#[derive(Debug, ToSchema)]
pub struct WebhookList {
    /// The channel's webhooks (never with their tokens).
    pub webhooks: Vec<Webhook>,
}

/// A webhook with its token and URLs: answered only when the token is created or regenerated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithToken {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Its token and URLs.
    #[serde(flatten)]
    pub token: WebhookToken,
}

/// A webhook as `GET /api/webhooks/{id}` shows it: with `plugin_share`, its fair share state,
/// when a plugin is attached.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDetail {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The plugin's fair share: budget, running instances, circuit breaker.
    pub plugin_share: Option<Object>,
}

/// Any JSON object.
pub type Object = serde_json::Map<String, Value>;

/// The execute URLs of a webhook, one per format.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookUrls {
    /// `/api/webhooks/execute/{token}`.
    pub chatalot: String,
    /// `/api/v1/hooks/{token}`.
    pub bitolink: String,
    /// `/webhooks/{id}/{token}`.
    pub chattr: String,
    /// `/api/slack/{token}`.
    pub slack: String,
    /// `/hooks/{token}`.
    pub mattermost: String,
    /// `/hooks/{id}/{token}`.
    pub rocketchat: String,
    /// `/api/teams/{token}`.
    pub teams: String,
    /// `/api/webhooks/{id}/{token}`.
    pub discord: String,
}

/// The token part of a webhook answered with its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookToken {
    /// The webhook's token: shown once, stored hashed.
    pub token: String,
    /// The native execute URL.
    pub url: String,
    /// Every execute URL.
    pub urls: WebhookUrls,
}

/// A login's API token and user.
#[derive(Debug, ToSchema)]
pub struct LoginAnswer {
    /// A new API token (`Authorization: Bearer`): shown once, stored hashed.
    pub token: String,
    /// The user.
    pub user: User,
}

/// The web session: its user and CSRF token, both null when signed out.
#[derive(Debug, ToSchema)]
pub struct SessionAnswer {
    /// The signed-in user.
    pub user: Option<User>,
    /// Send it in `X-CSRF-Token` with every state-changing request.
    pub csrf_token: Option<String>,
}

/// `{"notifications": [...]}`.
#[derive(Debug, ToSchema)]
pub struct NotificationList {
    /// Mention notifications, newest first.
    pub notifications: Vec<Notification>,
}

/// `{"notices": [...]}`.
#[derive(Debug, ToSchema)]
pub struct NoticeList {
    /// Notices to the caller, newest first.
    pub notices: Vec<Notice>,
}

/// `{"plugins": [...]}`.
#[derive(Debug, ToSchema)]
pub struct PluginList {
    /// The community's plugins and the built-in ones.
    pub plugins: Vec<Plugin>,
}

/// `{"subscriptions": [...]}`.
#[derive(Debug, ToSchema)]
pub struct SubscriptionList {
    /// The caller's push subscriptions.
    pub subscriptions: Vec<PushSubscription>,
}

/// The server's VAPID public key.
#[derive(Debug, ToSchema)]
pub struct VapidKey {
    /// Base64url, as `PushManager.subscribe` takes it.
    pub public_key: String,
}

/// Liveness or readiness.
#[derive(Debug, ToSchema)]
pub struct Health {
    /// `ok` (liveness) or `ready` (readiness).
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// `{"deliveries": [...]}`: delivery records (the request with its body in `body` or
/// `body_base64`, the outcome, the plugin log, `duration_us` and `peak_memory_bytes`, the
/// plugin run's peak linear memory, `null` when no plugin ran).
#[derive(Debug, ToSchema)]
pub struct DeliveryList {
    /// The deliveries, newest first.
    pub deliveries: Vec<Object>,
}

/// `{"events": [...]}`: the events outgoing webhooks can subscribe to.
#[derive(Debug, ToSchema)]
pub struct EventList {
    /// Each event's name and description.
    pub events: Vec<EventKindDoc>,
}

/// An outgoing event kind.
#[derive(Debug, ToSchema)]
pub struct EventKindDoc {
    /// Name, e.g. `message.created`.
    pub name: String,
    /// What it reports.
    pub description: String,
}

/// `{"outgoing_webhooks": [...]}`.
#[derive(Debug, ToSchema)]
pub struct OutgoingWebhookList {
    /// The community's outgoing webhooks.
    pub outgoing_webhooks: Vec<Object>,
}

/// A message a native execute request stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Executed {
    /// Always `ok`.
    pub status: String,
    /// The stored message.
    pub message_id: Uuid,
    /// Its channel.
    pub channel_id: Uuid,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A message Chattr's dialect stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChattrExecuted {
    /// The stored message.
    pub message: StoredMessage,
}

/// What "Send for real" got from the webhook's pipeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentForReal {
    /// The HTTP status the external sender would have got.
    pub status: u16,
    /// The body the external sender would have got (JSON; a string when it was none).
    pub body: Value,
    /// Its `Retry-After` in seconds, when it had one (429, 503).
    pub retry_after: Option<u64>,
    /// The delivery it recorded, if any.
    pub delivery_id: Option<Uuid>,
}

/// The messages a plugin run posted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PluginPosted {
    /// Always `ok`.
    pub status: String,
    /// The posted messages.
    pub messages: Vec<PostedMessage>,
    /// The delivery recorded.
    pub delivery_id: Uuid,
}

/// One message a plugin run posted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedMessage {
    /// The message.
    pub message_id: Uuid,
    /// Its channel.
    pub channel_id: Uuid,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A plugin run that posted nothing on purpose.
#[derive(Debug, ToSchema)]
pub struct PluginSkipped {
    /// `skipped` or `ignored`.
    pub status: String,
    /// The plugin's reason.
    pub reason: String,
    /// The delivery recorded.
    pub delivery_id: Uuid,
}

/// A test message posted through a webhook.
#[derive(Debug, ToSchema)]
pub struct TestPosted {
    /// Always `ok`.
    pub status: String,
    /// The message.
    pub message: Option<StoredMessage>,
}

/// Rocket.Chat's answer.
#[derive(Debug, ToSchema)]
pub struct RocketChatAnswer {
    /// Whether the message was posted.
    pub success: bool,
    /// Why not.
    pub error: Option<String>,
}

/// Discord's error answer, with our `error` object beside its fields.
#[derive(Debug, ToSchema)]
pub struct DiscordError {
    /// Discord's message, e.g. `Unknown Webhook`.
    pub message: String,
    /// Discord's numeric error code, e.g. 10015.
    pub code: u32,
    /// Our error object.
    pub error: Option<ErrorDetail>,
}

/// Mattermost's error answer, with our `error` object beside its fields.
#[derive(Debug, ToSchema)]
pub struct MattermostError {
    /// Mattermost's error id, e.g. `web.incoming_webhook.invalid.app_error`.
    pub id: Option<String>,
    /// Mattermost's message.
    pub message: Option<String>,
    /// HTTP status.
    pub status_code: Option<u16>,
}

/// A message in the Chatalot dialect (`/api/webhooks/execute/{token}`).
#[derive(Debug, ToSchema)]
pub struct ChatalotMessage {
    /// Message text (Markdown), 1-4000 characters.
    pub content: String,
    /// Display name for this message, overriding the webhook's.
    pub username: Option<String>,
    /// Avatar URL (http or https) for this message.
    pub avatar_url: Option<String>,
}

/// A message in the BitoLink dialect (`/api/v1/hooks/{token}`).
#[derive(Debug, ToSchema)]
pub struct BitoLinkMessage {
    /// Message text (Markdown), 1-4000 characters.
    pub text: String,
    /// Display name for this message, overriding the webhook's.
    pub username: Option<String>,
    /// Avatar URL (http or https) for this message.
    pub icon_url: Option<String>,
}

/// A message in the Chattr dialect (`/webhooks/{webhook_id}/{token}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChattrMessage {
    /// Message text (Markdown), 1-4000 characters.
    pub content: String,
    /// Display name for this message, overriding the webhook's.
    pub name: Option<String>,
    /// Avatar URL (http or https) for this message.
    #[serde(rename = "avatarUrl")]
    pub avatar_url: Option<String>,
}

/// What a native execute URL answers with 201: the stored message, or the messages the
/// webhook's plugin posted.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ExecuteAnswer {
    /// A webhook without a plugin.
    Stored(Executed),
    /// A webhook with a plugin.
    Plugin(PluginPosted),
}

/// What the Chattr URL answers with 201.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ChattrAnswer {
    /// A webhook without a plugin.
    Stored(Box<ChattrExecuted>),
    /// A webhook with a plugin.
    Plugin(PluginPosted),
}
