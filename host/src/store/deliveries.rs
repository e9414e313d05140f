//! Deliveries: the raw requests plugins handled, kept so failures can be inspected and replayed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::delivery_rows::{NewDeliveryRow, insert_deliveries, prune};
use super::messages::insert_webhook_messages;
use super::outgoing::outbox;
use super::{NewMessage, Store, StoreError, StoredMessage, WebhookTarget};
use crate::outgoing::payloads;

/// What happened to a delivery.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Messages were posted.
    Succeeded,
    /// The plugin skipped it on purpose.
    Skipped,
    /// The plugin does not handle this event.
    Ignored,
    /// The plugin or its output failed; replayable.
    Failed,
    /// A failed delivery that a replay later posted.
    Replayed,
}

/// The raw request of a delivery.
#[derive(Debug, Clone, Serialize)]
pub struct RawRequest {
    /// HTTP method.
    pub method: String,
    /// Path suffix after the token.
    pub path: String,
    /// Query string.
    pub query: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The webhook.
    pub webhook_id: Uuid,
    /// Outcome.
    pub status: DeliveryStatus,
    /// The request.
    pub request: RawRequest,
    /// Error code of a failure.
    pub error_code: Option<String>,
    /// Error message of a failure.
    pub error_message: Option<String>,
    /// Reason of a skip or ignore.
    pub reason: Option<String>,
    /// The plugin log.
    pub plugin_log: String,
    /// Time the plugin took.
    pub duration_us: i64,
    /// Peak linear memory of the plugin run, in bytes; `None` when no plugin ran.
    pub peak_memory_bytes: Option<i64>,
}

/// A stored delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Delivery id.
    pub id: Uuid,
    /// The webhook.
    pub webhook_id: Uuid,
    /// Outcome.
    pub status: DeliveryStatus,
    /// The request (body in `body` / `body_base64`).
    pub request: RawRequest,
    /// Error code of a failure.
    pub error_code: Option<String>,
    /// Error message of a failure.
    pub error_message: Option<String>,
    /// Reason of a skip or ignore.
    pub reason: Option<String>,
    /// The plugin log.
    pub plugin_log: String,
    /// Messages it posted.
    pub message_ids: Vec<Uuid>,
    /// Time the plugin took, microseconds.
    pub duration_us: i64,
    /// Peak linear memory of the plugin run, in bytes; `None` when no plugin ran or the
    /// delivery was stored before it was recorded.
    pub peak_memory_bytes: Option<i64>,
    /// When it was received.
    pub created_at: DateTime<Utc>,
    /// When a replay posted it.
    pub replayed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    status: DeliveryStatus,
    method: String,
    path: String,
    query: String,
    headers: String,
    body: Vec<u8>,
    error_code: Option<String>,
    error_message: Option<String>,
    reason: Option<String>,
    plugin_log: String,
    message_ids: String,
    duration_us: i64,
    peak_memory_bytes: Option<i64>,
    created_at: DateTime<Utc>,
    replayed_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            status: r.status,
            request: RawRequest {
                method: r.method,
                path: r.path,
                query: r.query,
                // Rows stored before redaction existed are redacted when read.
                headers: crate::secrets::redact_headers(
                    &serde_json::from_str::<Vec<(String, String)>>(&r.headers).unwrap_or_default(),
                ),
                body: r.body,
            },
            error_code: r.error_code,
            error_message: r.error_message,
            reason: r.reason,
            plugin_log: r.plugin_log,
            message_ids: serde_json::from_str(&r.message_ids).unwrap_or_default(),
            duration_us: r.duration_us,
            peak_memory_bytes: r.peak_memory_bytes,
            created_at: r.created_at,
            replayed_at: r.replayed_at,
        }
    }
}

const DELIVERY_COLUMNS: &str =
    "id, webhook_id, status, method, path, query, headers, body, error_code, error_message, reason,
    plugin_log, message_ids, duration_us, peak_memory_bytes, created_at, replayed_at";

/// Inserts a delivery row inside `tx`; returns its id. Credential-bearing headers
/// (`Authorization`, `Cookie`, `X-Gitlab-Token`, ...) are stored redacted.
pub(super) async fn insert_delivery(
    tx: &mut Tx,
    d: &NewDelivery,
    message_ids: &[Uuid],
) -> Result<Uuid, StoreError> {
    let row = NewDeliveryRow {
        id: Uuid::now_v7(),
        delivery: d,
        message_ids: message_ids.to_vec(),
    };
    insert_deliveries(tx, std::slice::from_ref(&row), super::now()).await?;
    Ok(row.id)
}

impl Store {
    /// Posts a plugin's messages and records the successful delivery, in one transaction (the
    /// group commit's); keeps only the newest `keep` non-failed deliveries of the webhook.
    pub async fn post_plugin_messages(
        &self,
        target: &WebhookTarget,
        messages: &[NewMessage],
        delivery: NewDelivery,
        keep: u32,
    ) -> Result<(Vec<StoredMessage>, Uuid), StoreError> {
        let job = super::batch::PostJob {
            target: target.clone(),
            messages: messages.to_vec(),
            delivery: Some((delivery, keep)),
        };
        let (messages, id) = self.commit_post(job).await?;
        id.map(|id| (messages, id)).ok_or(StoreError::NotFound)
    }

    /// Records a delivery that posted nothing (skipped, ignored or failed). A failure also
    /// counts in the webhook's statistics.
    pub async fn record_delivery(
        &self,
        delivery: NewDelivery,
        keep: u32,
    ) -> Result<Uuid, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_delivery(&mut tx, &delivery, &[]).await?;
        if delivery.status == DeliveryStatus::Failed {
            query("UPDATE webhooks SET failures = failures + 1 WHERE id = $1")
                .bind(delivery.webhook_id)
                .execute(&mut tx)
                .await?;
            outbox::enqueue_webhook_event(&mut tx, delivery.webhook_id, |w| {
                payloads::delivery_failed(
                    w,
                    id,
                    delivery.error_code.as_deref(),
                    delivery.error_message.as_deref(),
                )
            })
            .await?;
        } else {
            prune(&mut tx, delivery.webhook_id, keep).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// A webhook's deliveries, newest first, optionally of one status.
    pub async fn deliveries_of(
        &self,
        webhook_id: Uuid,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows: Vec<DeliveryRow> = query(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = $1 AND ($2 IS NULL OR status = $2)
                 ORDER BY id DESC LIMIT $3"
            ))
            .bind(webhook_id)
            .bind(status)
            .bind(i64::from(limit))
            .fetch_all(self.read())
            .await?;
        Ok(rows.into_iter().map(Delivery::from).collect())
    }

    /// Looks a delivery up by id.
    pub async fn delivery(&self, id: Uuid) -> Result<Delivery, StoreError> {
        let row: Option<DeliveryRow> = query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        row.map(Delivery::from).ok_or(StoreError::NotFound)
    }

    /// Posts the messages of a successful replay and marks the delivery replayed, in one
    /// transaction. `Conflict` when it is no longer failed (a concurrent replay won).
    pub async fn post_replay(
        &self,
        delivery_id: Uuid,
        target: &WebhookTarget,
        messages: &[NewMessage],
        plugin_log: &str,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut tx = self.begin().await?;
        let posted = insert_webhook_messages(&mut tx, self.node_id, target, messages).await?;
        let ids: Vec<Uuid> = posted.messages.iter().map(|m| m.id).collect();
        let done = query(
            "UPDATE deliveries SET status = 'replayed', replayed_at = $2, message_ids = $3, plugin_log = $4
             WHERE id = $1 AND status = 'failed'",
        )
        .bind(delivery_id)
        .bind(super::now())
        .bind(serde_json::to_string(&ids).unwrap_or_default())
        .bind(plugin_log)
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict { field: "status" });
        }
        tx.commit().await?;
        Ok(self.published(posted))
    }

    /// Settles a failed delivery whose replay the plugin skipped or ignored. `Conflict` when
    /// it is no longer failed (a concurrent replay settled it first).
    pub async fn settle_failed_delivery(
        &self,
        delivery_id: Uuid,
        status: DeliveryStatus,
        reason: &str,
        plugin_log: &str,
    ) -> Result<(), StoreError> {
        let done = query(
            "UPDATE deliveries SET status = $2, reason = $3, plugin_log = $4, replayed_at = $5 WHERE id = $1 AND status = 'failed'",
        )
        .bind(delivery_id)
        .bind(status)
        .bind(reason)
        .bind(plugin_log)
        .bind(super::now())
        .execute(self.write())
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict { field: "status" });
        }
        Ok(())
    }

    /// Records the outcome of a replay that did not post (the delivery stays failed).
    /// `Conflict` when it is no longer failed (a concurrent replay settled it first).
    pub async fn update_failed_delivery(
        &self,
        delivery_id: Uuid,
        error_code: &str,
        error_message: &str,
        plugin_log: &str,
    ) -> Result<(), StoreError> {
        let done = query(
            "UPDATE deliveries SET error_code = $2, error_message = $3, plugin_log = $4 WHERE id = $1 AND status = 'failed'",
        )
        .bind(delivery_id)
        .bind(error_code)
        .bind(error_message)
        .bind(plugin_log)
        .execute(self.write())
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict { field: "status" });
        }
        Ok(())
    }
}
