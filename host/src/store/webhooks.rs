//! Incoming webhooks: management rows and the token lookup of the execute path.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::outgoing::outbox;
use super::sealed;
use super::{Store, StoreError, WebhookTarget};
use crate::outgoing::EventKind;

/// A webhook as the management API shows it (never with its token).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Webhook {
    /// Webhook id.
    pub id: Uuid,
    /// The channel it posts into.
    pub channel_id: Uuid,
    /// The community of that channel.
    pub community_id: Uuid,
    /// Name, 1-64 characters.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Default display name of its messages.
    pub username: String,
    /// Default avatar of its messages.
    pub avatar_url: Option<String>,
    /// Disabled webhooks answer 404.
    pub active: bool,
    /// Who created it.
    pub created_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change of its settings or token.
    pub updated_at: DateTime<Utc>,
    /// Messages posted through it.
    pub messages_posted: i64,
    /// When it last posted a message.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Requests accepted by token that then failed (plugin failures).
    pub failures: i64,
    /// The attached transformer plugin.
    pub plugin_id: Option<Uuid>,
    /// The plugin's configuration for this webhook (a JSON object, stored as text).
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = Option<Object>)]
    pub plugin_config: Option<String>,
}

/// Fields of a webhook to create (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Target channel.
    pub channel_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Default display name.
    pub username: String,
    /// Default avatar.
    pub avatar_url: Option<String>,
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// Creator.
    pub created_by: Uuid,
}

/// A partial update; `None` leaves a field unchanged, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    /// New name.
    pub name: Option<String>,
    /// New description (or cleared).
    pub description: Option<Option<String>>,
    /// New default display name.
    pub username: Option<String>,
    /// New default avatar (or cleared).
    pub avatar_url: Option<Option<String>>,
    /// Enable or disable.
    pub active: Option<bool>,
    /// Attach a plugin (or detach it).
    pub plugin_id: Option<Option<Uuid>>,
    /// New plugin configuration as JSON text (or cleared).
    pub plugin_config: Option<Option<String>>,
}

const WEBHOOK_SELECT: &str = "SELECT w.id, w.channel_id, c.community_id, w.name, w.description, w.username,
                              w.avatar_url, w.active, w.created_by, w.created_at, w.updated_at, w.messages_posted, w.last_used_at, w.failures,
                              w.plugin_id, w.plugin_config
                              FROM webhooks w JOIN channels c ON c.id = w.channel_id";

/// Serializes stored JSON text as the JSON it holds.
fn json_text<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value: Option<serde_json::Value> =
        text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    serde::Serialize::serialize(&value, s)
}

impl Webhook {
    /// What the execute path needs, given the attached plugin's SHA-256.
    pub fn target(&self, plugin_sha256: Option<[u8; 32]>) -> WebhookTarget {
        WebhookTarget {
            id: self.id,
            channel_id: self.channel_id,
            community_id: self.community_id,
            name: self.name.clone(),
            username: self.username.clone(),
            avatar_url: self.avatar_url.clone(),
            plugin: self.plugin_id.zip(plugin_sha256),
            plugin_config: self
                .plugin_config
                .as_ref()
                .map_or_else(|| "{}".to_owned(), |c| c.to_string()),
        }
    }
}

impl Store {
    /// Creates a webhook.
    pub async fn create_webhook(&self, new: NewWebhook) -> Result<Webhook, StoreError> {
        let id = Uuid::now_v7();
        let now = super::now();
        let mut tx = self.begin().await?;
        query(
            "INSERT INTO webhooks (id, channel_id, name, description, username, avatar_url, token_hash, active,
             created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9, $9)",
        )
        .bind(id)
        .bind(new.channel_id)
        .bind(&new.name)
        .bind(&new.description)
        .bind(&new.username)
        .bind(&new.avatar_url)
        .bind(&new.token_hash[..])
        .bind(new.created_by)
        .bind(now)
        .execute(&mut tx)
        .await?;
        outbox::enqueue_webhook_change(&mut tx, id, EventKind::WebhookCreated).await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    /// Looks a webhook up by id.
    pub async fn webhook(&self, id: Uuid) -> Result<Webhook, StoreError> {
        let webhook: Option<Webhook> = query(format!("{WEBHOOK_SELECT} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        self.open_webhook(webhook.ok_or(StoreError::NotFound)?)
    }

    /// A webhook as read, its plugin configuration opened.
    fn open_webhook(&self, mut webhook: Webhook) -> Result<Webhook, StoreError> {
        webhook.plugin_config =
            self.open_secret_opt(sealed::PLUGIN_CONFIG, webhook.id, webhook.plugin_config)?;
        Ok(webhook)
    }

    /// The webhooks of a channel, oldest first.
    pub async fn webhooks_of(&self, channel_id: Uuid) -> Result<Vec<Webhook>, StoreError> {
        let webhooks: Vec<Webhook> = query(format!(
            "{WEBHOOK_SELECT} WHERE w.channel_id = $1 ORDER BY w.id"
        ))
        .bind(channel_id)
        .fetch_all(self.read())
        .await?;
        webhooks.into_iter().map(|w| self.open_webhook(w)).collect()
    }

    /// Applies a partial update.
    pub async fn update_webhook(
        &self,
        id: Uuid,
        patch: WebhookPatch,
    ) -> Result<Webhook, StoreError> {
        let done = {
            let mut tx = self.begin().await?;
            let done = query(
                "UPDATE webhooks SET
                 name = COALESCE($2, name),
                 description = CASE WHEN $3 THEN $4 ELSE description END,
                 username = COALESCE($5, username),
                 avatar_url = CASE WHEN $6 THEN $7 ELSE avatar_url END,
                 active = COALESCE($8, active),
                 updated_at = $9,
                 plugin_id = CASE WHEN $10 THEN $11 ELSE plugin_id END,
                 plugin_config = CASE WHEN $12 THEN $13 ELSE plugin_config END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(patch.name)
            .bind(patch.description.is_some())
            .bind(patch.description.flatten())
            .bind(patch.username)
            .bind(patch.avatar_url.is_some())
            .bind(patch.avatar_url.flatten())
            .bind(patch.active)
            .bind(super::now())
            .bind(patch.plugin_id.is_some())
            .bind(patch.plugin_id.flatten())
            .bind(patch.plugin_config.is_some())
            .bind(
                patch
                    .plugin_config
                    .flatten()
                    .map(|config| self.seal_secret(sealed::PLUGIN_CONFIG, id, &config)),
            )
            .execute(&mut tx)
            .await?;
            outbox::enqueue_webhook_change(&mut tx, id, EventKind::WebhookUpdated).await?;
            announce_change(&mut tx, id).await?;
            tx.commit().await?;
            done
        };
        self.webhook_changed(id);
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.webhook(id).await
    }

    /// Replaces the token hash; the old token stops matching with the commit.
    pub async fn set_webhook_token(
        &self,
        id: Uuid,
        token_hash: [u8; 32],
    ) -> Result<(), StoreError> {
        let done = {
            let mut tx = self.begin().await?;
            let done = query("UPDATE webhooks SET token_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(&token_hash[..])
                .bind(super::now())
                .execute(&mut tx)
                .await?;
            outbox::enqueue_webhook_change(&mut tx, id, EventKind::WebhookRegenerated).await?;
            announce_change(&mut tx, id).await?;
            tx.commit().await?;
            done
        };
        self.webhook_changed(id);
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes a webhook. Its messages stay, still naming it.
    pub async fn delete_webhook(&self, id: Uuid) -> Result<(), StoreError> {
        let done = {
            let mut tx = self.begin().await?;
            // Enqueued first: the event describes the webhook, which is gone after the delete.
            outbox::enqueue_webhook_change(&mut tx, id, EventKind::WebhookDeleted).await?;
            let done = query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(&mut tx)
                .await?;
            announce_change(&mut tx, id).await?;
            tx.commit().await?;
            done
        };
        self.webhook_changed(id);
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The active webhook whose token has this SHA-256 (the execute path's one lookup).
    pub async fn webhook_target(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<WebhookTarget>, StoreError> {
        type Row = (
            Uuid,
            Uuid,
            Uuid,
            String,
            String,
            Option<String>,
            Option<Uuid>,
            Option<Vec<u8>>,
            Option<String>,
        );
        let row: Option<Row> = query(
            "SELECT w.id, w.channel_id, c.community_id, w.name, w.username, w.avatar_url, w.plugin_id, p.sha256,
             w.plugin_config
             FROM webhooks w JOIN channels c ON c.id = w.channel_id LEFT JOIN plugins p ON p.id = w.plugin_id
             WHERE w.token_hash = $1 AND w.active = TRUE",
        )
        .bind(&token_hash[..])
        .fetch_optional(self.read())
        .await?;
        row.map(
            |(id, channel_id, community_id, name, username, avatar_url, plugin_id, sha, config)| {
                Ok(WebhookTarget {
                    id,
                    channel_id,
                    community_id,
                    name,
                    username,
                    avatar_url,
                    plugin: plugin_id.zip(sha.and_then(|s| <[u8; 32]>::try_from(s).ok())),
                    plugin_config: self
                        .open_secret_opt(sealed::PLUGIN_CONFIG, id, config)?
                        .unwrap_or_else(|| "{}".to_owned()),
                })
            },
        )
        .transpose()
    }
}

/// Inside the transaction that changes webhook `id`, tells the other nodes (PostgreSQL
/// `NOTIFY` on [`WEBHOOK_CHANNEL`](super::WEBHOOK_CHANNEL), delivered at commit) to forget what
/// they cached of it; nothing on SQLite, where this process is the only node.
async fn announce_change(tx: &mut Tx, id: Uuid) -> Result<(), StoreError> {
    if tx.is_postgres() {
        query("SELECT pg_notify($1, $2)")
            .bind(super::WEBHOOK_CHANNEL)
            .bind(id.to_string())
            .execute(tx)
            .await?;
    }
    Ok(())
}
