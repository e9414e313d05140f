//! The members of a community as the People page lists them: user, role and channels.

use serde::Serialize;
use uuid::Uuid;

use super::db::query;
use super::{Role, Store, StoreError, User};

/// A member of a community.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// The user.
    #[serde(flatten)]
    pub user: User,
    /// Their role in the community.
    pub role: Role,
    /// The community's channels they belong to.
    pub channel_ids: Vec<Uuid>,
}

impl Store {
    /// Every member of a community with role and channel memberships, by username.
    pub async fn community_members(&self, community_id: Uuid) -> Result<Vec<Member>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            role: Role,
        }
        let rows: Vec<Row> = query(
                "SELECT u.id, u.username, u.email, u.display_name, u.avatar_url, u.push_enabled, u.created_at, m.role
                 FROM community_members m JOIN users u ON u.id = m.user_id
                 WHERE m.community_id = $1 ORDER BY u.username",
            )
            .bind(community_id)
            .fetch_all(self.read())
            .await?;
        let channels: Vec<(Uuid, Uuid)> = query(
            "SELECT cm.user_id, cm.channel_id FROM channel_members cm
             JOIN channels c ON c.id = cm.channel_id WHERE c.community_id = $1",
        )
        .bind(community_id)
        .fetch_all(self.read())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Member {
                channel_ids: channels
                    .iter()
                    .filter(|(user, _)| *user == row.user.id)
                    .map(|(_, channel)| *channel)
                    .collect(),
                user: row.user,
                role: row.role,
            })
            .collect())
    }
}
