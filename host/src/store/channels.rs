//! Channels and their members.

use uuid::Uuid;

use super::db::query;
use super::outgoing::outbox;
use super::{Store, StoreError, on_constraint};
use crate::model::Channel;

impl Store {
    /// Creates a channel and makes `creator` its first member. `Conflict` on a taken name.
    pub async fn create_channel(
        &self,
        community_id: Uuid,
        name: &str,
        creator: Uuid,
    ) -> Result<Channel, StoreError> {
        let channel = Channel {
            id: Uuid::now_v7(),
            community_id,
            name: name.to_owned(),
            created_at: super::now(),
        };
        let mut tx = self.begin().await?;
        query("INSERT INTO channels (id, community_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(channel.id)
            .bind(community_id)
            .bind(&channel.name)
            .bind(channel.created_at)
            .execute(&mut tx)
            .await
            .map_err(|e| {
                on_constraint(
                    e,
                    &[(
                        "channels.community_id",
                        "channels_community_id_name_key",
                        "name",
                    )],
                )
            })?;
        query("INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(channel.id)
            .bind(creator)
            .bind(channel.created_at)
            .execute(&mut tx)
            .await?;
        outbox::enqueue_channel_created(&mut tx, &channel).await?;
        tx.commit().await?;
        Ok(channel)
    }

    /// Looks a channel up by id.
    pub async fn channel(&self, id: Uuid) -> Result<Channel, StoreError> {
        let channel: Option<Channel> =
            query("SELECT id, community_id, name, created_at FROM channels WHERE id = $1")
                .bind(id)
                .fetch_optional(self.read())
                .await?;
        channel.ok_or(StoreError::NotFound)
    }

    /// The channels of a community, oldest first.
    pub async fn channels_of(&self, community_id: Uuid) -> Result<Vec<Channel>, StoreError> {
        Ok(query("SELECT id, community_id, name, created_at FROM channels WHERE community_id = $1 ORDER BY id")
                .bind(community_id)
                .fetch_all(self.read())
                .await?)
    }

    /// Adds a user to a channel; adding an existing member is a no-op.
    pub async fn add_channel_member(
        &self,
        channel_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), StoreError> {
        query(
            "INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES ($1, $2, $3)
             ON CONFLICT (channel_id, user_id) DO NOTHING",
        )
        .bind(channel_id)
        .bind(user_id)
        .bind(super::now())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Whether the user is a member of the channel.
    pub async fn is_channel_member(
        &self,
        channel_id: Uuid,
        user_id: Uuid,
    ) -> Result<bool, StoreError> {
        let n: i64 =
            query("SELECT COUNT(*) FROM channel_members WHERE channel_id = $1 AND user_id = $2")
                .bind(channel_id)
                .bind(user_id)
                .fetch_scalar(self.read())
                .await?;
        Ok(n > 0)
    }
}
