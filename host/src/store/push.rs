//! Web Push storage: users' push subscriptions and the durable queue of push messages.
//!
//! A job is enqueued in the transaction that stores the mention, claimed by one node's worker
//! with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several nodes never send the same
//! job), and deleted once the push service accepted it; a failed attempt is rescheduled.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::{Store, StoreError, UserNotification};

/// A subscription as the API shows it (the keys are not shown back).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PushSubscription {
    /// Subscription id.
    pub id: Uuid,
    /// The push service URL the browser gave.
    pub endpoint: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A validated subscription to register.
#[derive(Debug, Clone)]
pub struct NewPushSubscription {
    /// The push service URL.
    pub endpoint: String,
    /// The user agent's P-256 public key, uncompressed (65 bytes).
    pub p256dh: Vec<u8>,
    /// The 16-byte authentication secret.
    pub auth: Vec<u8>,
}

/// A claimed push job with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PushJob {
    /// Job id.
    pub id: Uuid,
    /// The subscription it goes to.
    pub subscription_id: Uuid,
    /// The push service URL.
    pub endpoint: String,
    /// The user agent's public key.
    pub p256dh: Vec<u8>,
    /// The authentication secret.
    pub auth: Vec<u8>,
    /// The plaintext message (JSON).
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// Enqueues, inside `tx`, one push job per subscription of each notified user who has push
/// enabled and no live connection.
pub(crate) async fn enqueue_push_jobs(
    tx: &mut Tx,
    notifications: &[UserNotification],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if notifications.is_empty() {
        return Ok(());
    }
    let subscriptions: Vec<(Uuid, Uuid)> = query(
        "SELECT s.id, s.user_id FROM push_subscriptions s JOIN users u ON u.id = s.user_id
         WHERE u.push_enabled = TRUE
         AND NOT EXISTS (SELECT 1 FROM live_presence p WHERE p.user_id = s.user_id AND p.seen_at >= $1)
         AND s.user_id IN (",
    )
    .bind(super::live::presence_cutoff())
    .push_list(notifications.iter().map(|n| n.user_id))
    .push(") ORDER BY s.id")
    .fetch_all(&mut *tx)
    .await?;
    for (subscription_id, user_id) in subscriptions {
        for n in notifications.iter().filter(|n| n.user_id == user_id) {
            query(
                "INSERT INTO push_jobs (id, subscription_id, notification_id, payload, attempts,
                 next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, 0, $5, $5)",
            )
            .bind(Uuid::now_v7())
            .bind(subscription_id)
            .bind(n.notification.id)
            .bind(payload(&n.notification))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// Largest message text a push payload carries, in bytes: a Web Push message holds at most
/// 4096 encrypted bytes (RFC 8291), about 3990 of plaintext.
const PUSH_TEXT_BYTES: usize = 1000;

/// The push message for a notification: the same JSON as the live `notification.created`
/// event, with the message text shortened to fit, plus a title and body for the service worker.
pub(crate) fn payload(notification: &super::Notification) -> String {
    let mut short = notification.clone();
    let mut limit = PUSH_TEXT_BYTES;
    loop {
        let content = &notification.message.content;
        let mut end = content.len().min(limit);
        while !content.is_char_boundary(end) {
            end -= 1;
        }
        short.message.content = if end < content.len() {
            format!("{}…", &content[..end])
        } else {
            content.clone()
        };
        let text = serde_json::json!({
            "type": "notification.created",
            "title": format!("{} mentioned you", short.message.sender_display_name),
            "body": short.message.content,
            "data": short,
        })
        .to_string();
        // JSON escapes can grow the text up to six times; shrink until it fits.
        if text.len() <= 3500 || limit == 0 {
            return text;
        }
        limit /= 4;
    }
}

impl Store {
    /// Registers a subscription for `user_id`, or updates the one with the same endpoint (a
    /// browser re-subscribing, possibly after another user signed in). `true` when created.
    pub async fn upsert_push_subscription(
        &self,
        user_id: Uuid,
        sub: &NewPushSubscription,
    ) -> Result<(PushSubscription, bool), StoreError> {
        let id = Uuid::now_v7();
        let row: (Uuid, String, DateTime<Utc>) = query(
            "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (endpoint) DO UPDATE SET user_id = $2, p256dh = $4, auth = $5
             RETURNING id, endpoint, created_at",
        )
        .bind(id)
        .bind(user_id)
        .bind(&sub.endpoint)
        .bind(&sub.p256dh)
        .bind(&sub.auth)
        .bind(super::now())
        .fetch_one(self.write())
        .await?;
        Ok((
            PushSubscription {
                id: row.0,
                endpoint: row.1,
                created_at: row.2,
            },
            row.0 == id,
        ))
    }

    /// A user's subscriptions, oldest first.
    pub async fn push_subscriptions_of(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<PushSubscription>, StoreError> {
        Ok(query(
                "SELECT id, endpoint, created_at FROM push_subscriptions WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(self.read())
            .await?)
    }

    /// Deletes one of the user's subscriptions (with its queued jobs). `NotFound` when it is
    /// not theirs.
    pub async fn delete_push_subscription(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let done = query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(self.write())
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Removes a subscription its push service says is gone (404/410), with its jobs.
    pub async fn remove_push_subscription(&self, id: Uuid) -> Result<(), StoreError> {
        query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Claims up to `limit` due jobs for `lease` (counting the attempt): another node (or this
    /// one after a crash) may take a job again only once its lease expired.
    pub async fn claim_push_jobs(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<PushJob>, StoreError> {
        let now = super::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let lock = if self.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let ids: Vec<Uuid> = query(format!(
            "UPDATE push_jobs SET locked_until = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM push_jobs
             WHERE next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
             ORDER BY next_attempt_at LIMIT $3{lock})
             RETURNING id"
        ))
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_scalars(self.write())
        .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(query(
            "SELECT j.id, j.subscription_id, s.endpoint, s.p256dh, s.auth, j.payload, j.attempts
             FROM push_jobs j JOIN push_subscriptions s ON s.id = j.subscription_id WHERE j.id IN (",
        )
        .push_list(&ids)
        .push(") ORDER BY j.id")
        .fetch_all(self.read())
        .await?)
    }

    /// Removes a job: delivered, or given up.
    pub async fn finish_push_job(&self, id: Uuid) -> Result<(), StoreError> {
        query("DELETE FROM push_jobs WHERE id = $1")
            .bind(id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Reschedules a job after a failed attempt.
    pub async fn retry_push_job(
        &self,
        id: Uuid,
        after: Duration,
        error: &str,
    ) -> Result<(), StoreError> {
        let at = super::now() + chrono::Duration::from_std(after).unwrap_or_default();
        query(
            "UPDATE push_jobs SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(at)
        .bind(error)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Jobs waiting in the queue (for `GET /api/runtime` and tests).
    pub async fn pending_push_jobs(&self) -> Result<i64, StoreError> {
        Ok(query("SELECT COUNT(*) FROM push_jobs")
            .fetch_scalar(self.read())
            .await?)
    }
}
