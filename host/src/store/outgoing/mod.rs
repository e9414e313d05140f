//! Outgoing webhooks (#7) as stored: their settings here, the outbox that changes of other
//! tables enqueue into ([`outbox`]), and the delivery log the worker claims from and records
//! into ([`deliveries`]).

mod deliveries;
pub(crate) mod outbox;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::query;
use super::sealed;
use super::{Store, StoreError};
use crate::outgoing::Target;

pub use deliveries::{AttemptRecord, Disabled, Finish, OutgoingDelivery, OutgoingJob};

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
        query(
                "INSERT INTO outgoing_webhooks (id, community_id, name, target, url, secret, events, channel_id,
                 only_webhook_messages, only_mentions, direct_messages, enabled, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
            )
            .bind(id)
            .bind(community_id)
            .bind(&s.name)
            .bind(s.target)
            .bind(&s.url)
            .bind(self.sealed_outgoing_secret(id, s))
            .bind(serde_json::to_string(&s.events).unwrap_or_default())
            .bind(s.channel_id)
            .bind(s.only_webhook_messages)
            .bind(s.only_mentions)
            .bind(s.direct_messages)
            .bind(s.enabled)
            .bind(created_by)
            .bind(now)
            .execute(self.write())
            .await?;
        self.outgoing_webhook(id).await
    }

    /// Looks an outgoing webhook up by id.
    pub async fn outgoing_webhook(&self, id: Uuid) -> Result<OutgoingWebhook, StoreError> {
        let row: Option<OutgoingRow> = query(format!(
            "SELECT {OUTGOING_COLUMNS} FROM outgoing_webhooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        self.outgoing_from_row(row.ok_or(StoreError::NotFound)?)
    }

    /// The webhook a row describes, its secret opened.
    fn outgoing_from_row(&self, mut row: OutgoingRow) -> Result<OutgoingWebhook, StoreError> {
        row.secret = self.open_secret_opt(sealed::OUTGOING_SECRET, row.id, row.secret)?;
        Ok(row.into())
    }

    /// The sealed form of the settings' secret for the webhook `id`.
    fn sealed_outgoing_secret(&self, id: Uuid, s: &OutgoingSettings) -> Option<String> {
        s.secret
            .as_deref()
            .map(|secret| self.seal_secret(sealed::OUTGOING_SECRET, id, secret))
    }

    /// The outgoing webhooks of a community, oldest first.
    pub async fn outgoing_webhooks_of(
        &self,
        community_id: Uuid,
    ) -> Result<Vec<OutgoingWebhook>, StoreError> {
        let rows: Vec<OutgoingRow> = query(format!(
            "SELECT {OUTGOING_COLUMNS} FROM outgoing_webhooks WHERE community_id = $1 ORDER BY id"
        ))
        .bind(community_id)
        .fetch_all(self.read())
        .await?;
        rows.into_iter()
            .map(|row| self.outgoing_from_row(row))
            .collect()
    }

    /// Replaces the settings. Enabling a disabled webhook clears its failure count.
    pub async fn update_outgoing_webhook(
        &self,
        id: Uuid,
        s: &OutgoingSettings,
    ) -> Result<OutgoingWebhook, StoreError> {
        let done = query(
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
            .bind(self.sealed_outgoing_secret(id, s))
            .bind(serde_json::to_string(&s.events).unwrap_or_default())
            .bind(s.channel_id)
            .bind(s.only_webhook_messages)
            .bind(s.only_mentions)
            .bind(s.direct_messages)
            .bind(s.enabled)
            .bind(super::now())
            .execute(self.write())
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.outgoing_webhook(id).await
    }

    /// Deletes an outgoing webhook with its pending and logged deliveries.
    pub async fn delete_outgoing_webhook(&self, id: Uuid) -> Result<(), StoreError> {
        let done = query("DELETE FROM outgoing_webhooks WHERE id = $1")
            .bind(id)
            .execute(self.write())
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
