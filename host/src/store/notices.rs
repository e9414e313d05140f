//! Notices: messages to users that are not chat messages (an outgoing webhook was disabled, a
//! webhook's plugin was quarantined), addressed to a community's owners and admins.

use uuid::Uuid;

use super::{Store, StoreError, now, with_pool};

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
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let managers: Vec<Uuid> = sqlx::query_scalar(
                "SELECT user_id FROM community_members WHERE community_id = $1
                 AND role IN ('owner', 'admin') ORDER BY user_id",
            )
            .bind(community_id)
            .fetch_all(&mut *tx)
            .await?;
            let created_at = now();
            for user_id in &managers {
                sqlx::query(
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
            tx.commit().await?;
            Ok(managers.len())
        })
    }
}
