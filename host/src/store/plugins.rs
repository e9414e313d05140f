//! Transformer plugins: component bytes by SHA-256, and the named, versioned plugin rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::query;
use super::{Store, StoreError, on_constraint};

/// A plugin as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Plugin {
    /// Plugin id.
    pub id: Uuid,
    /// Owning community; `None` for built-in plugins.
    pub community_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Version; name and version together are immutable.
    pub version: String,
    /// SHA-256 of the component, hex.
    pub sha256: String,
    /// Component size in bytes.
    pub size: i64,
    /// The language it was written in, as its component's `producers` section names it
    /// (`Rust`, `Python`, `JavaScript`, ...); `None` when unknown.
    pub language: Option<String>,
    /// Shipped inside the wasmhook binary.
    pub builtin: bool,
    /// Uploader.
    pub created_by: Option<Uuid>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PluginRow {
    id: Uuid,
    community_id: Option<Uuid>,
    name: String,
    version: String,
    sha256: Vec<u8>,
    size: i64,
    language: Option<String>,
    builtin: bool,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<PluginRow> for Plugin {
    fn from(r: PluginRow) -> Self {
        Plugin {
            id: r.id,
            community_id: r.community_id,
            name: r.name,
            version: r.version,
            sha256: hex::encode(r.sha256),
            size: r.size,
            language: r.language,
            builtin: r.builtin,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// A component to store as a plugin.
#[derive(Debug)]
pub struct NewPlugin<'a> {
    /// Owning community (`None` for built-ins).
    pub community_id: Option<Uuid>,
    /// Name.
    pub name: &'a str,
    /// Version.
    pub version: &'a str,
    /// SHA-256 of `bytes`.
    pub sha256: [u8; 32],
    /// The component.
    pub bytes: &'a [u8],
    /// The language it was written in, if its component says.
    pub language: Option<&'a str>,
    /// Built-in plugin.
    pub builtin: bool,
    /// Uploader.
    pub created_by: Option<Uuid>,
}

const PLUGIN_COLUMNS: &str =
    "id, community_id, name, version, sha256, size, language, builtin, created_by, created_at";

impl Store {
    /// Stores a plugin. The same name and version with the same bytes is idempotent
    /// (returns the existing row and `false`); with other bytes it is a `Conflict` on `version`.
    pub async fn insert_plugin(&self, new: NewPlugin<'_>) -> Result<(Plugin, bool), StoreError> {
        let mut tx = self.begin().await?;
        let existing: Option<PluginRow> = query(format!(
            "SELECT {PLUGIN_COLUMNS} FROM plugins
             WHERE community_id IS NOT DISTINCT FROM $1 AND name = $2 AND version = $3"
        ))
        .bind(new.community_id)
        .bind(new.name)
        .bind(new.version)
        .fetch_optional(&mut tx)
        .await?;
        if let Some(row) = existing {
            if row.sha256 == new.sha256 {
                return Ok((row.into(), false));
            }
            return Err(StoreError::Conflict { field: "version" });
        }
        query("INSERT INTO plugin_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING")
        .bind(&new.sha256[..])
        .bind(new.bytes)
        .execute(&mut tx)
        .await?;
        let plugin = Plugin {
            id: Uuid::now_v7(),
            community_id: new.community_id,
            name: new.name.to_owned(),
            version: new.version.to_owned(),
            sha256: hex::encode(new.sha256),
            size: new.bytes.len() as i64,
            language: new.language.map(str::to_owned),
            builtin: new.builtin,
            created_by: new.created_by,
            created_at: super::now(),
        };
        query(
        "INSERT INTO plugins (id, community_id, name, version, sha256, size, language, builtin, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(plugin.id)
    .bind(plugin.community_id)
    .bind(&plugin.name)
    .bind(&plugin.version)
    .bind(&new.sha256[..])
    .bind(plugin.size)
    .bind(&plugin.language)
    .bind(plugin.builtin)
    .bind(plugin.created_by)
    .bind(plugin.created_at)
    .execute(&mut tx)
    .await
    .map_err(|e| on_constraint(e, &[("plugins_name_version", "plugins_name_version", "version")]))?;
        tx.commit().await?;
        Ok((plugin, true))
    }

    /// Registers (or updates, after an upgrade of the binary) a built-in plugin under its
    /// stable id, so webhooks that use it pick up the new component.
    pub async fn upsert_builtin_plugin(
        &self,
        id: Uuid,
        name: &str,
        version: &str,
        sha256: [u8; 32],
        bytes: &[u8],
        language: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        query("INSERT INTO plugin_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING")
        .bind(&sha256[..])
        .bind(bytes)
        .execute(&mut tx)
        .await?;
        query(
        "INSERT INTO plugins (id, community_id, name, version, sha256, size, language, builtin, created_by, created_at)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, TRUE, NULL, $7)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, size = excluded.size,
         language = excluded.language",
    )
    .bind(id)
    .bind(name)
    .bind(version)
    .bind(&sha256[..])
    .bind(bytes.len() as i64)
    .bind(language)
    .bind(super::now())
    .execute(&mut tx)
    .await?;
        query("DELETE FROM plugin_blobs WHERE sha256 NOT IN (SELECT sha256 FROM plugins)")
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Looks a plugin up by id.
    pub async fn plugin(&self, id: Uuid) -> Result<Plugin, StoreError> {
        let row: Option<PluginRow> = query(format!(
            "SELECT {PLUGIN_COLUMNS} FROM plugins WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        row.map(Plugin::from).ok_or(StoreError::NotFound)
    }

    /// The plugins a community can attach: built-ins first, then its uploads, oldest first.
    pub async fn plugins_of(&self, community_id: Uuid) -> Result<Vec<Plugin>, StoreError> {
        let rows: Vec<PluginRow> = query(format!(
            "SELECT {PLUGIN_COLUMNS} FROM plugins WHERE community_id IS NULL OR community_id = $1
             ORDER BY builtin DESC, name, id"
        ))
        .bind(community_id)
        .fetch_all(self.read())
        .await?;
        Ok(rows.into_iter().map(Plugin::from).collect())
    }

    /// The component bytes with this SHA-256.
    pub async fn plugin_bytes(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        query("SELECT bytes FROM plugin_blobs WHERE sha256 = $1")
            .bind(&sha256[..])
            .fetch_optional_scalar(self.read())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Deletes a plugin; `Conflict` on `plugin_id` while a webhook uses it. Bytes no other
    /// plugin row references are removed too.
    pub async fn delete_plugin(&self, id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let users: i64 = query("SELECT COUNT(*) FROM webhooks WHERE plugin_id = $1")
            .bind(id)
            .fetch_scalar(&mut tx)
            .await?;
        if users > 0 {
            return Err(StoreError::Conflict { field: "plugin_id" });
        }
        let sha: Option<Vec<u8>> = query("DELETE FROM plugins WHERE id = $1 RETURNING sha256")
            .bind(id)
            .fetch_optional_scalar(&mut tx)
            .await?;
        let sha = sha.ok_or(StoreError::NotFound)?;
        query("DELETE FROM plugin_blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM plugins WHERE sha256 = $1)")
        .bind(&sha)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
