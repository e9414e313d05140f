//! Outgoing webhooks (#7): their settings, the outbox the changes of other tables enqueue into
//! (the `enqueue_*!` macros run inside the caller's transaction), the worker's claims and
//! outcomes, the delivery log, IM integrations and notices.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Backend, Store, StoreError, with_pool};
use crate::outgoing::Target;
use crate::outgoing::im::ImProvider;

/// An outgoing webhook as the API shows it (the secret only as `has_secret`).
#[derive(Clone, Serialize)]
pub struct OutgoingWebhook {
    /// Id.
    pub id: Uuid,
    /// The community whose events it sends.
    pub community_id: Uuid,
    /// Name, 1-64 characters.
    pub name: String,
    /// Where it posts.
    pub target: Target,
    /// The target URL.
    pub url: String,
    /// The signing secret (never serialized).
    #[serde(skip)]
    pub secret: Option<String>,
    /// Whether a signing secret is set.
    pub has_secret: bool,
    /// The events it sends.
    pub events: Vec<String>,
    /// Only events of this channel (community-wide events always pass).
    pub channel_id: Option<Uuid>,
    /// Message events: only messages posted by webhooks.
    pub only_webhook_messages: bool,
    /// `message.created`: only messages that mention someone.
    pub only_mentions: bool,
    /// Whether the users its events name get a direct message through the IM integration.
    pub direct_messages: bool,
    /// Disabled webhooks send nothing; their pending deliveries wait.
    pub enabled: bool,
    /// Failed deliveries since the last success.
    pub consecutive_failures: i64,
    /// Why it was disabled automatically.
    pub disabled_reason: Option<String>,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for OutgoingWebhook {
    // The URL of most targets is itself a credential, like the secret: neither is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingWebhook")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("target", &self.target)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct OutgoingRow {
    id: Uuid,
    community_id: Uuid,
    name: String,
    target: Target,
    url: String,
    secret: Option<String>,
    events: String,
    channel_id: Option<Uuid>,
    only_webhook_messages: bool,
    only_mentions: bool,
    direct_messages: bool,
    enabled: bool,
    consecutive_failures: i64,
    disabled_reason: Option<String>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<OutgoingRow> for OutgoingWebhook {
    fn from(r: OutgoingRow) -> Self {
        OutgoingWebhook {
            id: r.id,
            community_id: r.community_id,
            name: r.name,
            target: r.target,
            url: r.url,
            has_secret: r.secret.is_some(),
            secret: r.secret,
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            channel_id: r.channel_id,
            only_webhook_messages: r.only_webhook_messages,
            only_mentions: r.only_mentions,
            direct_messages: r.direct_messages,
            enabled: r.enabled,
            consecutive_failures: r.consecutive_failures,
            disabled_reason: r.disabled_reason,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const OUTGOING_COLUMNS: &str = "id, community_id, name, target, url, secret, events, channel_id,
    only_webhook_messages, only_mentions, direct_messages, enabled, consecutive_failures, disabled_reason,
    created_by, created_at, updated_at";

/// The settings of an outgoing webhook (validated by the caller).
#[derive(Clone)]
pub struct OutgoingSettings {
    /// Name.
    pub name: String,
    /// Target type.
    pub target: Target,
    /// URL.
    pub url: String,
    /// Signing secret.
    pub secret: Option<String>,
    /// Event names.
    pub events: Vec<String>,
    /// Channel filter.
    pub channel_id: Option<Uuid>,
    /// Only webhook messages.
    pub only_webhook_messages: bool,
    /// Only messages with mentions.
    pub only_mentions: bool,
    /// Direct messages to named users.
    pub direct_messages: bool,
    /// Enabled.
    pub enabled: bool,
}

impl From<&OutgoingWebhook> for OutgoingSettings {
    fn from(w: &OutgoingWebhook) -> Self {
        OutgoingSettings {
            name: w.name.clone(),
            target: w.target,
            url: w.url.clone(),
            secret: w.secret.clone(),
            events: w.events.clone(),
            channel_id: w.channel_id,
            only_webhook_messages: w.only_webhook_messages,
            only_mentions: w.only_mentions,
            direct_messages: w.direct_messages,
            enabled: w.enabled,
        }
    }
}

/// An entry of the delivery log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutgoingDelivery {
    /// Delivery id.
    pub id: Uuid,
    /// The event (the Standard Webhooks `webhook-id`).
    pub event_id: Uuid,
    /// The event type.
    pub event_type: String,
    /// `webhook`, or `dm` for a direct message.
    pub kind: String,
    /// The outgoing webhook (webhook deliveries).
    pub outgoing_webhook_id: Option<Uuid>,
    /// The user messaged (direct messages).
    pub recipient_user_id: Option<Uuid>,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending deliveries), Unix ms.
    #[serde(skip)]
    pub next_attempt_ms: i64,
    /// HTTP status of the last answer.
    pub response_status: Option<i64>,
    /// Duration of the last attempt.
    pub latency_ms: Option<i64>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The community.
    #[serde(skip)]
    pub community_id: Uuid,
}

impl OutgoingDelivery {
    /// When the next attempt is due, for pending deliveries.
    pub fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.status == "pending")
            .then(|| DateTime::from_timestamp_millis(self.next_attempt_ms))
            .flatten()
    }
}

const DELIVERY_SELECT: &str = "SELECT d.id, d.event_id, e.kind AS event_type, d.kind, d.outgoing_webhook_id,
    d.recipient_user_id, d.status, d.attempts, d.next_attempt_ms, d.response_status, d.latency_ms, d.last_error,
    d.created_at, d.updated_at, d.delivered_at, d.community_id
    FROM outgoing_deliveries d JOIN outgoing_events e ON e.id = d.event_id";

/// A delivery the worker claimed, with everything needed to send it.
#[derive(Clone, sqlx::FromRow)]
pub struct OutgoingJob {
    /// Delivery id.
    pub id: Uuid,
    /// The lease this node holds.
    pub lease_until_ms: i64,
    /// Attempts made, this one included.
    pub attempts: i64,
    /// The event.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// Its `data` as JSON text.
    pub payload: String,
    /// When it happened.
    pub event_created_at: DateTime<Utc>,
    /// The outgoing webhook (webhook deliveries).
    pub webhook_id: Option<Uuid>,
    /// Its target.
    pub target: Option<Target>,
    /// Its URL.
    pub url: Option<String>,
    /// Its secret.
    pub secret: Option<String>,
    /// The recipient's email (direct messages).
    pub recipient_email: Option<String>,
    /// The IM provider (direct messages).
    pub provider: Option<ImProvider>,
    /// Its credentials as JSON.
    pub im_settings: Option<String>,
    /// Its base URL override.
    pub im_base_url: Option<String>,
}

/// How an attempt ends for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Delivered.
    Delivered,
    /// Try again at this Unix ms.
    RetryAt(i64),
    /// Failed for good.
    Failed,
}

/// The record of one attempt.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// How it ends.
    pub finish: Finish,
    /// HTTP status.
    pub status: Option<u16>,
    /// Duration.
    pub latency_ms: i64,
    /// Error.
    pub error: Option<String>,
}

/// An outgoing webhook disabled after too many consecutive failures.
#[derive(Debug, Clone)]
pub struct Disabled {
    /// The outgoing webhook.
    pub id: Uuid,
    /// Admins and owners notified.
    pub notified: usize,
}

/// A community's IM integration.
#[derive(Clone, sqlx::FromRow)]
pub struct ImIntegration {
    /// The community.
    pub community_id: Uuid,
    /// Provider.
    pub provider: ImProvider,
    /// Credentials as JSON (secret).
    pub settings: String,
    /// Base URL override.
    pub base_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A notice to a user that is not about a message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notice {
    /// Id.
    pub id: Uuid,
    /// The community concerned.
    pub community_id: Option<Uuid>,
    /// Kind, e.g. `outgoing_webhook.disabled`.
    pub kind: String,
    /// The object concerned (e.g. the outgoing webhook).
    pub subject_id: Option<Uuid>,
    /// What happened.
    pub text: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// The enabled outgoing webhooks of a community, inside the transaction `$tx`.
macro_rules! outgoing_subscriptions {
    ($tx:ident, $community_id:expr) => {{
        let subs: Vec<$crate::outgoing::Subscription> = sqlx::query_as(
            "SELECT id, events, channel_id, only_webhook_messages, only_mentions, direct_messages
             FROM outgoing_webhooks WHERE community_id = $1 AND enabled = TRUE",
        )
        .bind($community_id)
        .fetch_all(&mut *$tx)
        .await?;
        subs
    }};
}

/// Enqueues `$event` for each of `$subs` that wants it (and a direct message to the user it
/// names when one of those asks for it and the community has an IM integration), inside the
/// transaction `$tx`.
macro_rules! enqueue_outgoing {
    ($tx:ident, $subs:expr, $event:expr) => {{
        let subs: &[$crate::outgoing::Subscription] = $subs;
        let event: &$crate::outgoing::NewEvent = $event;
        let wanted: Vec<&$crate::outgoing::Subscription> =
            subs.iter().filter(|s| s.wants(event)).collect();
        if !wanted.is_empty() {
            let event_id = uuid::Uuid::now_v7();
            let now = $crate::store::now();
            let now_ms = now.timestamp_millis();
            sqlx::query(
                "INSERT INTO outgoing_events (id, community_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(event_id)
            .bind(event.community_id)
            .bind(event.kind.as_str())
            .bind(event.data.to_string())
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            for sub in &wanted {
                sqlx::query(
                    "INSERT INTO outgoing_deliveries (id, event_id, community_id, outgoing_webhook_id, kind, status,
                                                      next_attempt_ms, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'webhook', 'pending', $5, $6, $6)",
                )
                .bind(uuid::Uuid::now_v7())
                .bind(event_id)
                .bind(event.community_id)
                .bind(sub.id)
                .bind(now_ms)
                .bind(now)
                .execute(&mut *$tx)
                .await?;
            }
            if let Some(user_id) = event.dm_user_id
                && wanted.iter().any(|s| s.direct_messages)
            {
                sqlx::query(
                    "INSERT INTO outgoing_deliveries (id, event_id, community_id, recipient_user_id, kind, status,
                                                      next_attempt_ms, created_at, updated_at)
                     SELECT $1, $2, $3, $4, 'dm', 'pending', $5, $6, $6
                     WHERE EXISTS (SELECT 1 FROM im_integrations WHERE community_id = $3)",
                )
                .bind(uuid::Uuid::now_v7())
                .bind(event_id)
                .bind(event.community_id)
                .bind(user_id)
                .bind(now_ms)
                .bind(now)
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}

/// Enqueues `message.created` and one `mention.created` per mentioned user for a stored
/// webhook message, inside the transaction `$tx`, given the community's `$subs`.
macro_rules! enqueue_message_events {
    ($tx:ident, $subs:expr, $target:expr, $message:expr) => {{
        let subs: &[$crate::outgoing::Subscription] = $subs;
        let target: &$crate::store::WebhookTarget = $target;
        let message: &$crate::store::StoredMessage = $message;
        if !subs.is_empty() {
            let channel_name: String = sqlx::query_scalar("SELECT name FROM channels WHERE id = $1")
                .bind(target.channel_id)
                .fetch_one(&mut *$tx)
                .await?;
            let base = serde_json::json!({
                "community_id": target.community_id,
                "channel": {"id": target.channel_id, "name": channel_name},
                "message": message,
            });
            let created = $crate::outgoing::NewEvent {
                from_webhook: message.kind == "webhook",
                has_mentions: !message.mentions.is_empty(),
                ..$crate::outgoing::NewEvent::new(
                    $crate::outgoing::EventKind::MessageCreated,
                    target.community_id,
                    Some(target.channel_id),
                    base.clone(),
                )
            };
            $crate::store::outgoing::enqueue_outgoing!($tx, subs, &created);
            for user in &message.mentions {
                let mut data = base.clone();
                data["user"] = serde_json::json!({
                    "id": user.user_id, "username": user.username, "display_name": user.display_name,
                });
                let mention = $crate::outgoing::NewEvent {
                    kind: $crate::outgoing::EventKind::MentionCreated,
                    dm_user_id: Some(user.user_id),
                    data,
                    ..created.clone()
                };
                $crate::store::outgoing::enqueue_outgoing!($tx, subs, &mention);
            }
        }
    }};
}

/// Enqueues a `webhook.*` or `delivery.failed` event about the incoming webhook `$id` (which
/// must still exist), with `$extra` merged into its data, inside the transaction `$tx`.
macro_rules! enqueue_webhook_event {
    ($tx:ident, $id:expr, $kind:expr, $extra:expr) => {{
        type WebhookEventRow = (
            uuid::Uuid,
            String,
            Option<String>,
            String,
            Option<String>,
            bool,
            uuid::Uuid,
            String,
            uuid::Uuid,
        );
        let row: Option<WebhookEventRow> = sqlx::query_as(
            "SELECT w.id, w.name, w.description, w.username, w.avatar_url, w.active, w.channel_id, c.name,
                    c.community_id
             FROM webhooks w JOIN channels c ON c.id = w.channel_id WHERE w.id = $1",
        )
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        if let Some((id, name, description, username, avatar_url, active, channel_id, channel_name, community_id)) = row {
            let subs = $crate::store::outgoing::outgoing_subscriptions!($tx, community_id);
            if !subs.is_empty() {
                let mut data = serde_json::json!({
                    "community_id": community_id,
                    "channel": {"id": channel_id, "name": channel_name},
                    "webhook": {"id": id, "name": name, "description": description, "username": username,
                                "avatar_url": avatar_url, "active": active},
                });
                let extra: Option<(&str, serde_json::Value)> = $extra;
                if let Some((key, value)) = extra {
                    data[key] = value;
                }
                let event = $crate::outgoing::NewEvent::new($kind, community_id, Some(channel_id), data);
                $crate::store::outgoing::enqueue_outgoing!($tx, &subs, &event);
            }
        }
    }};
}

/// Enqueues `member.joined` for `$user_id` joining `$community_id` as `$role`, inside `$tx`.
macro_rules! enqueue_member_joined {
    ($tx:ident, $community_id:expr, $user_id:expr, $role:expr) => {{
        let community_id: uuid::Uuid = $community_id;
        let subs = $crate::store::outgoing::outgoing_subscriptions!($tx, community_id);
        if !subs.is_empty() {
            let (username, display_name): (String, String) =
                sqlx::query_as("SELECT username, display_name FROM users WHERE id = $1")
                    .bind($user_id)
                    .fetch_one(&mut *$tx)
                    .await?;
            let data = serde_json::json!({
                "community_id": community_id,
                "user": {"id": $user_id, "username": username, "display_name": display_name},
                "role": $role,
            });
            let event = $crate::outgoing::NewEvent::new(
                $crate::outgoing::EventKind::MemberJoined,
                community_id,
                None,
                data,
            );
            $crate::store::outgoing::enqueue_outgoing!($tx, &subs, &event);
        }
    }};
}

/// Enqueues `channel.created` for `$channel`, inside `$tx`.
macro_rules! enqueue_channel_created {
    ($tx:ident, $channel:expr) => {{
        let channel: &$crate::store::Channel = $channel;
        let subs = $crate::store::outgoing::outgoing_subscriptions!($tx, channel.community_id);
        if !subs.is_empty() {
            let data = serde_json::json!({
                "community_id": channel.community_id,
                "channel": {"id": channel.id, "name": channel.name},
            });
            let event = $crate::outgoing::NewEvent::new(
                $crate::outgoing::EventKind::ChannelCreated,
                channel.community_id,
                Some(channel.id),
                data,
            );
            $crate::store::outgoing::enqueue_outgoing!($tx, &subs, &event);
        }
    }};
}

pub(crate) use {
    enqueue_channel_created, enqueue_member_joined, enqueue_message_events, enqueue_outgoing,
    enqueue_webhook_event, outgoing_subscriptions,
};

/// Successful deliveries kept per outgoing webhook (failures are kept until retried).
const KEEP_SUCCEEDED: i64 = 200;

impl Store {
    /// Creates an outgoing webhook.
    pub async fn create_outgoing_webhook(
        &self,
        community_id: Uuid,
        created_by: Uuid,
        s: &OutgoingSettings,
    ) -> Result<OutgoingWebhook, StoreError> {
        let id = Uuid::now_v7();
        let now = super::now();
        with_pool!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO outgoing_webhooks (id, community_id, name, target, url, secret, events, channel_id,
                    only_webhook_messages, only_mentions, direct_messages, enabled, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
            )
            .bind(id)
            .bind(community_id)
            .bind(&s.name)
            .bind(s.target)
            .bind(&s.url)
            .bind(&s.secret)
            .bind(serde_json::to_string(&s.events).unwrap_or_default())
            .bind(s.channel_id)
            .bind(s.only_webhook_messages)
            .bind(s.only_mentions)
            .bind(s.direct_messages)
            .bind(s.enabled)
            .bind(created_by)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.outgoing_webhook(id).await
    }

    /// Looks an outgoing webhook up by id.
    pub async fn outgoing_webhook(&self, id: Uuid) -> Result<OutgoingWebhook, StoreError> {
        let row: Option<OutgoingRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(&format!(
                "SELECT {OUTGOING_COLUMNS} FROM outgoing_webhooks WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(OutgoingWebhook::from).ok_or(StoreError::NotFound)
    }

    /// The outgoing webhooks of a community, oldest first.
    pub async fn outgoing_webhooks_of(
        &self,
        community_id: Uuid,
    ) -> Result<Vec<OutgoingWebhook>, StoreError> {
        let rows: Vec<OutgoingRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(&format!(
                "SELECT {OUTGOING_COLUMNS} FROM outgoing_webhooks WHERE community_id = $1 ORDER BY id"
            ))
            .bind(community_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(OutgoingWebhook::from).collect())
    }

    /// Replaces the settings. Enabling a disabled webhook clears its failure count.
    pub async fn update_outgoing_webhook(
        &self,
        id: Uuid,
        s: &OutgoingSettings,
    ) -> Result<OutgoingWebhook, StoreError> {
        let done = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE outgoing_webhooks SET name = $2, url = $3, secret = $4, events = $5, channel_id = $6,
                    only_webhook_messages = $7, only_mentions = $8, direct_messages = $9,
                    consecutive_failures = CASE WHEN $10 AND enabled = FALSE THEN 0 ELSE consecutive_failures END,
                    disabled_reason = CASE WHEN $10 THEN NULL ELSE disabled_reason END,
                    enabled = $10, updated_at = $11
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&s.name)
            .bind(&s.url)
            .bind(&s.secret)
            .bind(serde_json::to_string(&s.events).unwrap_or_default())
            .bind(s.channel_id)
            .bind(s.only_webhook_messages)
            .bind(s.only_mentions)
            .bind(s.direct_messages)
            .bind(s.enabled)
            .bind(super::now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.outgoing_webhook(id).await
    }

    /// Deletes an outgoing webhook with its pending and logged deliveries.
    pub async fn delete_outgoing_webhook(&self, id: Uuid) -> Result<(), StoreError> {
        let done = with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM outgoing_webhooks WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The delivery log of an outgoing webhook, newest first.
    pub async fn outgoing_deliveries_of(
        &self,
        outgoing_webhook_id: Uuid,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OutgoingDelivery>, StoreError> {
        Ok(with_pool!(self, read, |pool| {
            sqlx::query_as(&format!(
                "{DELIVERY_SELECT} WHERE d.outgoing_webhook_id = $1 AND ($2 IS NULL OR d.status = $2)
                 ORDER BY d.id DESC LIMIT $3"
            ))
            .bind(outgoing_webhook_id)
            .bind(status)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        }))
    }

    /// The direct-message log of a community, newest first.
    pub async fn direct_message_deliveries(
        &self,
        community_id: Uuid,
        limit: u32,
    ) -> Result<Vec<OutgoingDelivery>, StoreError> {
        Ok(with_pool!(self, read, |pool| {
            sqlx::query_as(&format!(
                "{DELIVERY_SELECT} WHERE d.community_id = $1 AND d.kind = 'dm' ORDER BY d.id DESC LIMIT $2"
            ))
            .bind(community_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        }))
    }

    /// Looks a delivery up by id.
    pub async fn outgoing_delivery(&self, id: Uuid) -> Result<OutgoingDelivery, StoreError> {
        let row: Option<OutgoingDelivery> = with_pool!(self, read, |pool| {
            sqlx::query_as(&format!("{DELIVERY_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Makes a finished delivery due again with a fresh set of attempts. `Conflict` while it
    /// is still pending.
    pub async fn retry_outgoing_delivery(&self, id: Uuid) -> Result<(), StoreError> {
        let now = super::now();
        let done = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE outgoing_deliveries SET status = 'pending', attempts = 0, next_attempt_ms = $2,
                    lease_until_ms = NULL, updated_at = $3
                 WHERE id = $1 AND status <> 'pending'",
            )
            .bind(id)
            .bind(now.timestamp_millis())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::Conflict { field: "status" });
        }
        Ok(())
    }

    /// Claims up to `limit` due deliveries for this node until `lease_until_ms`, counting the
    /// attempt. On PostgreSQL, rows another node is claiming are skipped (`SKIP LOCKED`), so
    /// each delivery is sent by one node; a node that dies loses its claims when the lease ends.
    pub async fn claim_outgoing(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<Uuid>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres(_) => "FOR UPDATE OF d SKIP LOCKED",
            // One writer connection: claims are serialized already.
            Backend::Sqlite { .. } => "",
        };
        let sql = format!(
            "UPDATE outgoing_deliveries SET lease_until_ms = $2, attempts = attempts + 1
             WHERE id IN (
                SELECT d.id FROM outgoing_deliveries d LEFT JOIN outgoing_webhooks w ON w.id = d.outgoing_webhook_id
                WHERE d.status = 'pending' AND d.next_attempt_ms <= $1
                  AND (d.lease_until_ms IS NULL OR d.lease_until_ms < $1)
                  AND (d.outgoing_webhook_id IS NULL OR w.enabled = TRUE)
                ORDER BY d.next_attempt_ms LIMIT $3 {lock})
             RETURNING id"
        );
        Ok(with_pool!(self, write, |pool| {
            sqlx::query_scalar(&sql)
                .bind(now_ms)
                .bind(lease_until_ms)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        }))
    }

    /// What sending a claimed delivery needs.
    pub async fn outgoing_job(&self, id: Uuid) -> Result<OutgoingJob, StoreError> {
        let job: Option<OutgoingJob> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.lease_until_ms, d.attempts, d.event_id, e.kind AS event_type, e.payload,
                        e.created_at AS event_created_at, w.id AS webhook_id, w.target, w.url, w.secret,
                        u.email AS recipient_email, i.provider, i.settings AS im_settings, i.base_url AS im_base_url
                 FROM outgoing_deliveries d JOIN outgoing_events e ON e.id = d.event_id
                 LEFT JOIN outgoing_webhooks w ON w.id = d.outgoing_webhook_id
                 LEFT JOIN users u ON u.id = d.recipient_user_id
                 LEFT JOIN im_integrations i ON i.community_id = d.community_id AND d.kind = 'dm'
                 WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        job.ok_or(StoreError::NotFound)
    }

    /// Records an attempt on a delivery this node holds the lease of. A final failure of a
    /// webhook delivery counts towards disabling the webhook: at `disable_after` consecutive
    /// failures (0: never) it is disabled and the community's owners and admins get a notice.
    pub async fn finish_outgoing(
        &self,
        job: &OutgoingJob,
        record: &AttemptRecord,
        disable_after: u32,
    ) -> Result<Option<Disabled>, StoreError> {
        let now = super::now();
        let (status, next_ms) = match record.finish {
            Finish::Delivered => ("succeeded", None),
            Finish::RetryAt(at) => ("pending", Some(at)),
            Finish::Failed => ("failed", None),
        };
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE outgoing_deliveries SET status = $3, next_attempt_ms = COALESCE($4, next_attempt_ms),
                    lease_until_ms = NULL, response_status = $5, latency_ms = $6, last_error = $7, updated_at = $8,
                    delivered_at = CASE WHEN $3 = 'succeeded' THEN $8 ELSE delivered_at END
                 WHERE id = $1 AND lease_until_ms = $2 AND status = 'pending'",
            )
            .bind(job.id)
            .bind(job.lease_until_ms)
            .bind(status)
            .bind(next_ms)
            .bind(record.status.map(i64::from))
            .bind(record.latency_ms)
            .bind(&record.error)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                // The lease ran out and another node took the delivery over: its record wins.
                return Ok(None);
            }
            let mut disabled = None;
            if let Some(webhook_id) = job.webhook_id {
                match record.finish {
                    Finish::Delivered => {
                        sqlx::query(
                            "UPDATE outgoing_webhooks SET consecutive_failures = 0 WHERE id = $1",
                        )
                        .bind(webhook_id)
                        .execute(&mut *tx)
                        .await?;
                        let pruned: Vec<Uuid> = sqlx::query_scalar(
                            "DELETE FROM outgoing_deliveries WHERE outgoing_webhook_id = $1 AND status = 'succeeded'
                             AND id NOT IN (SELECT id FROM outgoing_deliveries WHERE outgoing_webhook_id = $1
                                            AND status = 'succeeded' ORDER BY id DESC LIMIT $2)
                             RETURNING event_id",
                        )
                        .bind(webhook_id)
                        .bind(KEEP_SUCCEEDED)
                        .fetch_all(&mut *tx)
                        .await?;
                        for event_id in pruned {
                            sqlx::query(
                                "DELETE FROM outgoing_events WHERE id = $1
                                 AND NOT EXISTS (SELECT 1 FROM outgoing_deliveries WHERE event_id = $1)",
                            )
                            .bind(event_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    Finish::Failed => {
                        let (failures, enabled, name, community_id): (i64, bool, String, Uuid) = sqlx::query_as(
                            "UPDATE outgoing_webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = $1
                             RETURNING consecutive_failures, enabled, name, community_id",
                        )
                        .bind(webhook_id)
                        .fetch_one(&mut *tx)
                        .await?;
                        if disable_after > 0 && enabled && failures >= i64::from(disable_after) {
                            let last: String = record
                                .error
                                .as_deref()
                                .unwrap_or("unknown error")
                                .chars()
                                .take(300)
                                .collect();
                            let reason = format!(
                                "disabled after {failures} consecutive failed deliveries; last error: {last}"
                            );
                            sqlx::query(
                                "UPDATE outgoing_webhooks SET enabled = FALSE, disabled_reason = $2, updated_at = $3
                                 WHERE id = $1",
                            )
                            .bind(webhook_id)
                            .bind(&reason)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            let managers: Vec<Uuid> = sqlx::query_scalar(
                                "SELECT user_id FROM community_members WHERE community_id = $1
                                 AND role IN ('owner', 'admin') ORDER BY user_id",
                            )
                            .bind(community_id)
                            .fetch_all(&mut *tx)
                            .await?;
                            let text = format!("Outgoing webhook \"{name}\" was {reason}");
                            for user_id in &managers {
                                sqlx::query(
                                    "INSERT INTO notices (id, user_id, community_id, kind, subject_id, text, created_at)
                                     VALUES ($1, $2, $3, 'outgoing_webhook.disabled', $4, $5, $6)",
                                )
                                .bind(Uuid::now_v7())
                                .bind(user_id)
                                .bind(community_id)
                                .bind(webhook_id)
                                .bind(&text)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            }
                            disabled = Some(Disabled {
                                id: webhook_id,
                                notified: managers.len(),
                            });
                        }
                    }
                    Finish::RetryAt(_) => {}
                }
            }
            tx.commit().await?;
            Ok(disabled)
        })
    }

    /// Sets (creates or replaces) a community's IM integration.
    pub async fn set_im_integration(
        &self,
        community_id: Uuid,
        provider: ImProvider,
        settings: &str,
        base_url: Option<&str>,
    ) -> Result<ImIntegration, StoreError> {
        let now = super::now();
        with_pool!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO im_integrations (community_id, provider, settings, base_url, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (community_id) DO UPDATE SET provider = excluded.provider,
                    settings = excluded.settings, base_url = excluded.base_url, updated_at = excluded.updated_at",
            )
            .bind(community_id)
            .bind(provider)
            .bind(settings)
            .bind(base_url)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.im_integration(community_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A community's IM integration.
    pub async fn im_integration(
        &self,
        community_id: Uuid,
    ) -> Result<Option<ImIntegration>, StoreError> {
        Ok(with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT community_id, provider, settings, base_url, created_at, updated_at
                 FROM im_integrations WHERE community_id = $1",
            )
            .bind(community_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Removes a community's IM integration (pending direct messages then fail).
    pub async fn delete_im_integration(&self, community_id: Uuid) -> Result<(), StoreError> {
        let done = with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM im_integrations WHERE community_id = $1")
                .bind(community_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A user's notices, newest first.
    pub async fn notices_of(&self, user_id: Uuid, limit: u32) -> Result<Vec<Notice>, StoreError> {
        Ok(with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, community_id, kind, subject_id, text, created_at FROM notices
                 WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        }))
    }
}

/// The `data` of the sample event the "test" action sends.
pub fn test_event_data(webhook: &OutgoingWebhook) -> Value {
    serde_json::json!({
        "community_id": webhook.community_id,
        "outgoing_webhook": {"id": webhook.id, "name": webhook.name},
    })
}
