//! The outgoing delivery log: what the worker claims (with a lease, so one node sends each
//! delivery), the outcome of each attempt, and the auto-disable policy after repeated failures.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::outgoing::Target;
use crate::outgoing::im::ImProvider;
use crate::outgoing::payloads::{disabled_notice, disabled_reason};
use crate::store::db::{Tx, query};
use crate::store::notices::notify_managers_in;
use crate::store::sealed;
use crate::store::{NoticesCreated, Store, StoreError};

/// Successful deliveries kept per outgoing webhook (failures are kept until retried).
const KEEP_SUCCEEDED: i64 = 200;

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
    /// The community the delivery belongs to.
    pub community_id: Uuid,
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

impl Store {
    /// The delivery log of an outgoing webhook, newest first.
    pub async fn outgoing_deliveries_of(
        &self,
        outgoing_webhook_id: Uuid,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OutgoingDelivery>, StoreError> {
        Ok(query(format!(
            "{DELIVERY_SELECT} WHERE d.outgoing_webhook_id = $1 AND ($2 IS NULL OR d.status = $2)
                 ORDER BY d.id DESC LIMIT $3"
        ))
        .bind(outgoing_webhook_id)
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(self.read())
        .await?)
    }

    /// The direct-message log of a community, newest first.
    pub async fn direct_message_deliveries(
        &self,
        community_id: Uuid,
        limit: u32,
    ) -> Result<Vec<OutgoingDelivery>, StoreError> {
        Ok(query(format!(
                "{DELIVERY_SELECT} WHERE d.community_id = $1 AND d.kind = 'dm' ORDER BY d.id DESC LIMIT $2"
            ))
            .bind(community_id)
            .bind(i64::from(limit))
            .fetch_all(self.read())
            .await?)
    }

    /// Looks a delivery up by id.
    pub async fn outgoing_delivery(&self, id: Uuid) -> Result<OutgoingDelivery, StoreError> {
        let row: Option<OutgoingDelivery> = query(format!("{DELIVERY_SELECT} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.ok_or(StoreError::NotFound)
    }

    /// Makes a finished delivery due again with a fresh set of attempts. `Conflict` while it
    /// is still pending.
    pub async fn retry_outgoing_delivery(&self, id: Uuid) -> Result<(), StoreError> {
        let now = crate::store::now();
        let done = query(
            "UPDATE outgoing_deliveries SET status = 'pending', attempts = 0, next_attempt_ms = $2,
             lease_until_ms = NULL, updated_at = $3
             WHERE id = $1 AND status <> 'pending'",
        )
        .bind(id)
        .bind(now.timestamp_millis())
        .bind(now)
        .execute(self.write())
        .await?;
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
        // On SQLite the one writer connection serializes claims already.
        let lock = if self.is_postgres() {
            "FOR UPDATE OF d SKIP LOCKED"
        } else {
            ""
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
        Ok(query(&sql)
            .bind(now_ms)
            .bind(lease_until_ms)
            .bind(i64::from(limit))
            .fetch_scalars(self.write())
            .await?)
    }

    /// What sending a claimed delivery needs.
    pub async fn outgoing_job(&self, id: Uuid) -> Result<OutgoingJob, StoreError> {
        let job: Option<OutgoingJob> = query(
                "SELECT d.id, d.lease_until_ms, d.attempts, d.event_id, e.kind AS event_type, e.payload,
                 e.created_at AS event_created_at, w.id AS webhook_id, w.target, w.url, w.secret,
                 u.email AS recipient_email, i.provider, i.settings AS im_settings, i.base_url AS im_base_url,
                 d.community_id
                 FROM outgoing_deliveries d JOIN outgoing_events e ON e.id = d.event_id
                 LEFT JOIN outgoing_webhooks w ON w.id = d.outgoing_webhook_id
                 LEFT JOIN users u ON u.id = d.recipient_user_id
                 LEFT JOIN im_integrations i ON i.community_id = d.community_id AND d.kind = 'dm'
                 WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        let mut job = job.ok_or(StoreError::NotFound)?;
        if let Some(webhook_id) = job.webhook_id {
            job.secret = self.open_secret_opt(sealed::OUTGOING_SECRET, webhook_id, job.secret)?;
        }
        job.im_settings =
            self.open_secret_opt(sealed::IM_SETTINGS, job.community_id, job.im_settings)?;
        Ok(job)
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
        let now = crate::store::now();
        let (status, next_ms) = match record.finish {
            Finish::Delivered => ("succeeded", None),
            Finish::RetryAt(at) => ("pending", Some(at)),
            Finish::Failed => ("failed", None),
        };
        let mut tx = self.begin().await?;
        let done = query(
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
        .execute(&mut tx)
        .await?;
        if done == 0 {
            // The lease ran out and another node took the delivery over: its record wins.
            return Ok(None);
        }
        let disabled = match (job.webhook_id, record.finish) {
            (Some(webhook_id), Finish::Delivered) => {
                record_success(&mut tx, webhook_id).await?;
                None
            }
            (Some(webhook_id), Finish::Failed) => {
                let node = self.node_id;
                record_failure(&mut tx, node, webhook_id, record, disable_after, now).await?
            }
            _ => None,
        };
        tx.commit().await?;
        Ok(disabled.map(|(disabled, notices)| {
            self.notices_created(&notices);
            disabled
        }))
    }
}

/// A delivery of `webhook_id` succeeded: its failure count restarts, and only the newest
/// [`KEEP_SUCCEEDED`] successes stay in its log (with their events, once no delivery needs them).
async fn record_success(tx: &mut Tx, webhook_id: Uuid) -> Result<(), StoreError> {
    query("UPDATE outgoing_webhooks SET consecutive_failures = 0 WHERE id = $1")
        .bind(webhook_id)
        .execute(&mut *tx)
        .await?;
    let pruned: Vec<Uuid> = query(
        "DELETE FROM outgoing_deliveries WHERE outgoing_webhook_id = $1 AND status = 'succeeded'
         AND id NOT IN (SELECT id FROM outgoing_deliveries WHERE outgoing_webhook_id = $1
         AND status = 'succeeded' ORDER BY id DESC LIMIT $2)
         RETURNING event_id",
    )
    .bind(webhook_id)
    .bind(KEEP_SUCCEEDED)
    .fetch_scalars(&mut *tx)
    .await?;
    for event_id in pruned {
        query(
            "DELETE FROM outgoing_events WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM outgoing_deliveries WHERE event_id = $1)",
        )
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// A delivery of `webhook_id` failed for good: its failure count grows, and at
/// `disable_after` (0: never) the webhook is disabled and its community's managers notified.
async fn record_failure(
    tx: &mut Tx,
    node: Uuid,
    webhook_id: Uuid,
    record: &AttemptRecord,
    disable_after: u32,
    now: DateTime<Utc>,
) -> Result<Option<(Disabled, NoticesCreated)>, StoreError> {
    let (failures, enabled, name, community_id): (i64, bool, String, Uuid) = query(
        "UPDATE outgoing_webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = $1
         RETURNING consecutive_failures, enabled, name, community_id",
    )
    .bind(webhook_id)
    .fetch_one(&mut *tx)
    .await?;
    if disable_after == 0 || !enabled || failures < i64::from(disable_after) {
        return Ok(None);
    }
    let reason = disabled_reason(failures, record.error.as_deref());
    query(
        "UPDATE outgoing_webhooks SET enabled = FALSE, disabled_reason = $2, updated_at = $3
         WHERE id = $1",
    )
    .bind(webhook_id)
    .bind(&reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let text = disabled_notice(&name, &reason);
    let notices = notify_managers_in(
        tx,
        node,
        community_id,
        "outgoing_webhook.disabled",
        webhook_id,
        &text,
    )
    .await?;
    let disabled = Disabled {
        id: webhook_id,
        notified: notices.user_ids.len(),
    };
    Ok(Some((disabled, notices)))
}
