//! Notices: messages to users that are not chat messages (an outgoing webhook was disabled, a
//! webhook's plugin was quarantined), addressed to a community's owners and admins.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::{NoticesCreated, Store, StoreError, now};

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

/// A notice another node committed, as it announces it to the others (PostgreSQL `NOTIFY` on
/// [`NOTICES_CHANNEL`](super::NOTICES_CHANNEL)): each node tells the community's managers
/// connected to it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RemoteNotice {
    /// The announcing node (which tells its own connections itself).
    pub node: Uuid,
    /// The community whose owners and admins got the notice.
    pub community_id: Uuid,
    /// Kind, e.g. `outgoing_webhook.disabled`.
    pub kind: String,
    /// The object concerned.
    pub subject_id: Uuid,
    /// What happened (cut to 1000 characters: a `NOTIFY` payload is small).
    pub text: String,
}

/// Inside `tx`, leaves a notice of `kind` about `subject_id` for every owner and admin of the
/// community and, on PostgreSQL, announces it to the other nodes; returns what to hand to
/// [`Store::notices_created`] after the commit. `node` is this node's id.
pub(crate) async fn notify_managers_in(
    tx: &mut Tx,
    node: Uuid,
    community_id: Uuid,
    kind: &str,
    subject_id: Uuid,
    text: &str,
) -> Result<NoticesCreated, StoreError> {
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
    if tx.is_postgres() && !managers.is_empty() {
        let remote = RemoteNotice {
            node,
            community_id,
            kind: kind.to_owned(),
            subject_id,
            text: text.chars().take(1000).collect(),
        };
        query("SELECT pg_notify($1, $2)")
            .bind(super::NOTICES_CHANNEL)
            .bind(serde_json::to_string(&remote).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
    }
    Ok(NoticesCreated {
        community_id,
        kind: kind.to_owned(),
        subject_id,
        text: text.to_owned(),
        user_ids: managers,
    })
}

impl Store {
    /// Leaves a notice of `kind` about `subject_id` for every owner and admin of the
    /// community (live too, through the notice hook); returns how many were notified.
    pub async fn notify_managers(
        &self,
        community_id: Uuid,
        kind: &str,
        subject_id: Uuid,
        text: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let created =
            notify_managers_in(&mut tx, self.node_id, community_id, kind, subject_id, text).await?;
        tx.commit().await?;
        self.notices_created(&created);
        Ok(created.user_ids.len())
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
