//! Notices: messages to users that are not chat messages (an outgoing webhook was disabled, a
//! webhook's plugin was quarantined), addressed to a community's owners and admins.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::{Store, StoreError, now};

/// A notice to a user that is not about a message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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

/// Inside `tx`, leaves a notice of `kind` about `subject_id` for every owner and admin of the
/// community; returns how many were notified.
pub(crate) async fn notify_managers_in(
    tx: &mut Tx,
    community_id: Uuid,
    kind: &str,
    subject_id: Uuid,
    text: &str,
) -> Result<usize, StoreError> {
    let managers: Vec<Uuid> = query(
        "SELECT user_id FROM community_members WHERE community_id = $1
         AND role IN ('owner', 'admin') ORDER BY user_id",
    )
    .bind(community_id)
    .fetch_scalars(&mut *tx)
    .await?;
    let created_at = now();
    for user_id in &managers {
        query(
            "INSERT INTO notices (id, user_id, community_id, kind, subject_id, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(user_id)
        .bind(community_id)
        .bind(kind)
        .bind(subject_id)
        .bind(text)
        .bind(created_at)
        .execute(&mut *tx)
        .await?;
    }
    Ok(managers.len())
}

impl Store {
    /// Leaves a notice of `kind` about `subject_id` for every owner and admin of the
    /// community; returns how many were notified.
    pub async fn notify_managers(
        &self,
        community_id: Uuid,
        kind: &str,
        subject_id: Uuid,
        text: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let notified = notify_managers_in(&mut tx, community_id, kind, subject_id, text).await?;
        tx.commit().await?;
        Ok(notified)
    }

    /// A user's notices, newest first.
    pub async fn notices_of(&self, user_id: Uuid, limit: u32) -> Result<Vec<Notice>, StoreError> {
        Ok(query(
            "SELECT id, community_id, kind, subject_id, text, created_at FROM notices
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::from(limit))
        .fetch_all(self.read())
        .await?)
    }
}
