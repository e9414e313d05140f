//! Communities and their members' roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::db::query;
use super::outgoing::outbox;
use super::{Store, StoreError};

/// A member's role in a community.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    /// Full control, including managing other owners.
    Owner,
    /// Manages channels, members and webhooks.
    Admin,
    /// Reads and writes in the channels they belong to.
    Member,
}

impl Role {
    /// Owners and admins manage channels, members and webhooks.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// A community, with the requesting user's role in it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Community {
    /// Community id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// The requesting user's role.
    pub role: Role,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Creates a community owned by `owner`.
    pub async fn create_community(&self, name: &str, owner: Uuid) -> Result<Community, StoreError> {
        let community = Community {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            role: Role::Owner,
            created_at: super::now(),
        };
        let mut tx = self.begin().await?;
        query("INSERT INTO communities (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(community.id)
            .bind(&community.name)
            .bind(owner)
            .bind(community.created_at)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO community_members (community_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)")
            .bind(community.id)
            .bind(owner)
            .bind(Role::Owner)
            .bind(community.created_at)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(community)
    }

    /// The user's role in the community, or `None` when not a member (or no such community).
    pub async fn role_in(
        &self,
        community_id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<Role>, StoreError> {
        Ok(
            query("SELECT role FROM community_members WHERE community_id = $1 AND user_id = $2")
                .bind(community_id)
                .bind(user_id)
                .fetch_optional_scalar(self.read())
                .await?,
        )
    }

    /// Whether two users are members of at least one common community.
    pub async fn share_a_community(&self, a: Uuid, b: Uuid) -> Result<bool, StoreError> {
        let n: i64 = query(
            "SELECT COUNT(*) FROM community_members x JOIN community_members y
             ON y.community_id = x.community_id WHERE x.user_id = $1 AND y.user_id = $2",
        )
        .bind(a)
        .bind(b)
        .fetch_scalar(self.read())
        .await?;
        Ok(n > 0)
    }

    /// Whether the user is owner or admin of at least one community.
    pub async fn manages_any_community(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let n: i64 = query("SELECT COUNT(*) FROM community_members WHERE user_id = $1 AND role IN ('owner', 'admin')")
                .bind(user_id)
                .fetch_scalar(self.read())
                .await?;
        Ok(n > 0)
    }

    /// The owners and admins of a community (who manage its webhooks).
    pub async fn managers_of(&self, community_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Ok(query(
            "SELECT user_id FROM community_members WHERE community_id = $1
             AND role IN ('owner', 'admin') ORDER BY user_id",
        )
        .bind(community_id)
        .fetch_scalars(self.read())
        .await?)
    }

    /// Adds a member, or changes the role of an existing one. Demoting the community's only
    /// owner is refused with [`StoreError::LastOwner`].
    pub async fn set_community_member(
        &self,
        community_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Membership changes of one community are serialised on its row (PostgreSQL takes a
        // row lock; SQLite has one writer), so two owners demoting each other at once cannot
        // both pass the last-owner check below.
        query("UPDATE communities SET name = name WHERE id = $1")
            .bind(community_id)
            .execute(&mut tx)
            .await?;
        let existing: Option<Role> =
            query("SELECT role FROM community_members WHERE community_id = $1 AND user_id = $2")
                .bind(community_id)
                .bind(user_id)
                .fetch_optional_scalar(&mut tx)
                .await?;
        if existing == Some(Role::Owner) && role != Role::Owner {
            let owners: i64 = query(
                "SELECT COUNT(*) FROM community_members WHERE community_id = $1 AND role = 'owner'",
            )
            .bind(community_id)
            .fetch_scalar(&mut tx)
            .await?;
            if owners <= 1 {
                return Err(StoreError::LastOwner);
            }
        }
        query(
            "INSERT INTO community_members (community_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (community_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(community_id)
        .bind(user_id)
        .bind(role)
        .bind(super::now())
        .execute(&mut tx)
        .await?;
        if existing.is_none() {
            outbox::enqueue_member_joined(&mut tx, community_id, user_id, role).await?;
        }
        if tx.is_postgres() {
            // The other nodes drop what they cached of the community's managers.
            query("SELECT pg_notify($1, $2)")
                .bind(super::ROLES_CHANNEL)
                .bind(community_id.to_string())
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        self.roles_changed(community_id);
        Ok(())
    }

    /// The communities a user belongs to, with their role, oldest first.
    pub async fn communities_of(&self, user_id: Uuid) -> Result<Vec<Community>, StoreError> {
        Ok(query(
            "SELECT c.id, c.name, m.role, c.created_at FROM communities c
             JOIN community_members m ON m.community_id = c.id
             WHERE m.user_id = $1 ORDER BY c.id",
        )
        .bind(user_id)
        .fetch_all(self.read())
        .await?)
    }
}
