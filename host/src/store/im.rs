//! A community's IM integration: the provider and credentials through which the users an
//! outgoing event names get a direct message.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::query;
use super::sealed;
use super::{Store, StoreError};
use crate::outgoing::im::ImProvider;

/// A community's IM integration.
#[derive(Clone, sqlx::FromRow)]
pub struct ImIntegration {
    /// The community.
    pub community_id: Uuid,
    /// Provider.
    pub provider: ImProvider,
    /// Credentials as JSON (secret).
    pub settings: String,
    /// Base URL override.
    pub base_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Sets (creates or replaces) a community's IM integration.
    pub async fn set_im_integration(
        &self,
        community_id: Uuid,
        provider: ImProvider,
        settings: &str,
        base_url: Option<&str>,
    ) -> Result<ImIntegration, StoreError> {
        let now = super::now();
        query(
                "INSERT INTO im_integrations (community_id, provider, settings, base_url, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (community_id) DO UPDATE SET provider = excluded.provider,
                 settings = excluded.settings, base_url = excluded.base_url, updated_at = excluded.updated_at",
            )
            .bind(community_id)
            .bind(provider)
            .bind(self.seal_secret(sealed::IM_SETTINGS, community_id, settings))
            .bind(base_url)
            .bind(now)
            .execute(self.write())
            .await?;
        self.im_integration(community_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A community's IM integration.
    pub async fn im_integration(
        &self,
        community_id: Uuid,
    ) -> Result<Option<ImIntegration>, StoreError> {
        let found: Option<ImIntegration> = query(
            "SELECT community_id, provider, settings, base_url, created_at, updated_at
             FROM im_integrations WHERE community_id = $1",
        )
        .bind(community_id)
        .fetch_optional(self.read())
        .await?;
        found
            .map(|mut im| {
                im.settings = self.open_secret(sealed::IM_SETTINGS, community_id, im.settings)?;
                Ok(im)
            })
            .transpose()
    }

    /// Removes a community's IM integration (pending direct messages then fail).
    pub async fn delete_im_integration(&self, community_id: Uuid) -> Result<(), StoreError> {
        let done = query("DELETE FROM im_integrations WHERE community_id = $1")
            .bind(community_id)
            .execute(self.write())
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
