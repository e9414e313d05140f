//! Secrets at rest in the database: the columns that hold secrets are sealed (AES-256-GCM,
//! see [`crate::secrets::keyring`]) on every write and opened on every read, each bound to its
//! row. At startup the store checks that its key is the one the database was sealed with and
//! seals again every value that is still plaintext (written before encryption at rest) or
//! sealed under a key being rotated out.

use std::fmt::Display;

use uuid::Uuid;

use super::db::query;
use super::{Store, StoreError};
use crate::secrets::SealError;

/// A column whose values are sealed, and the column that names their row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    table: &'static str,
    column: &'static str,
    row: &'static str,
}

impl Place {
    /// The associated data binding a value to its row.
    fn aad(&self, row: &dyn Display) -> String {
        format!("{}.{}:{row}", self.table, self.column)
    }
}

/// A webhook's plugin configuration (it holds the GitHub, GitLab or Sentry signing secret).
pub(crate) const PLUGIN_CONFIG: Place = Place {
    table: "webhooks",
    column: "plugin_config",
    row: "id",
};

/// An outgoing webhook's `whsec_` signing secret.
pub(crate) const OUTGOING_SECRET: Place = Place {
    table: "outgoing_webhooks",
    column: "secret",
    row: "id",
};

/// A community's IM integration credentials.
pub(crate) const IM_SETTINGS: Place = Place {
    table: "im_integrations",
    column: "settings",
    row: "community_id",
};

/// The host's own keys in the `settings` table, by name.
const SETTINGS: Place = Place {
    table: "settings",
    column: "value",
    row: "key",
};

/// The `settings` rows that are sealed: the host keys, and the key check.
const SEALED_SETTINGS: [&str; 3] = ["vapid_private_key", "compiled_plugin_cache_key", KEY_CHECK];

/// A settings row sealed under the key the database was first started with: a server started
/// with another key is stopped before it writes anything a correct one could not read.
const KEY_CHECK: &str = "secret_key_check";

/// The columns keyed by a UUID.
const UUID_PLACES: [Place; 3] = [PLUGIN_CONFIG, OUTGOING_SECRET, IM_SETTINGS];

impl Store {
    /// Seals `plaintext` for `row` of `place`.
    pub(crate) fn seal_secret(&self, place: Place, row: impl Display, plaintext: &str) -> String {
        self.keys
            .keyring
            .seal(&place.aad(&row), plaintext.as_bytes())
    }

    /// Opens the value stored in `row` of `place`.
    pub(crate) fn open_secret(
        &self,
        place: Place,
        row: impl Display,
        stored: String,
    ) -> Result<String, StoreError> {
        let opened = self.open_bytes(place, &row, stored.as_bytes())?;
        String::from_utf8(opened).map_err(|_| StoreError::Sealed {
            place: place.aad(&row),
            error: SealError::Damaged,
        })
    }

    /// Opens an optional value (a nullable column).
    pub(crate) fn open_secret_opt(
        &self,
        place: Place,
        row: impl Display,
        stored: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        stored.map(|s| self.open_secret(place, row, s)).transpose()
    }

    fn open_bytes(
        &self,
        place: Place,
        row: &dyn Display,
        stored: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.keys
            .keyring
            .open(&place.aad(row), stored)
            .map(|o| o.plaintext)
            .map_err(|error| StoreError::Sealed {
                place: place.aad(row),
                error,
            })
    }

    /// A 32-byte host secret stored (sealed) under `key` in `settings`, created at random on
    /// first use.
    pub async fn secret(&self, key: &str) -> Result<[u8; 32], StoreError> {
        let fresh = hex::encode(rand::random::<[u8; 32]>());
        self.insert_setting(key, &fresh).await?;
        let value: Vec<u8> = query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_scalar(self.write())
            .await?;
        let opened = setting_text(self.open_bytes(SETTINGS, &key, &value)?);
        let bytes = hex::decode(opened).unwrap_or_default();
        bytes.try_into().map_err(|_| StoreError::Sealed {
            place: SETTINGS.aad(&key),
            error: SealError::Damaged,
        })
    }

    async fn insert_setting(&self, key: &str, plaintext: &str) -> Result<(), StoreError> {
        let sealed = self.seal_secret(SETTINGS, key, plaintext);
        query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(sealed.into_bytes())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Checks the key against the database and seals again whatever is stale. Fails, naming
    /// the key ids, when the database holds values sealed under a key this store lacks.
    pub(crate) async fn check_and_reseal(&self) -> Result<(), StoreError> {
        self.insert_setting(KEY_CHECK, "wasmhook").await?;
        let mut resealed = 0;
        let settings: Vec<(String, Vec<u8>)> = query(format!(
            "SELECT key, value FROM settings WHERE key IN ('{}')",
            SEALED_SETTINGS.join("', '")
        ))
        .fetch_all(self.write())
        .await?;
        for (key, value) in settings {
            let Some(fresh) = self.stale(SETTINGS, &key, &value)? else {
                continue;
            };
            let fresh = setting_text(fresh);
            resealed += query("UPDATE settings SET value = $1 WHERE key = $2 AND value = $3")
                .bind(self.seal_secret(SETTINGS, &key, &fresh).into_bytes())
                .bind(&key)
                .bind(value)
                .execute(self.write())
                .await?;
        }
        for place in UUID_PLACES {
            let rows: Vec<(Uuid, String)> = query(format!(
                "SELECT {row}, {column} FROM {table} WHERE {column} IS NOT NULL",
                row = place.row,
                column = place.column,
                table = place.table
            ))
            .fetch_all(self.write())
            .await?;
            for (id, value) in rows {
                let Some(fresh) = self.stale(place, &id, value.as_bytes())? else {
                    continue;
                };
                let fresh = String::from_utf8(fresh).map_err(|_| StoreError::Sealed {
                    place: place.aad(&id),
                    error: SealError::Damaged,
                })?;
                resealed += query(format!(
                    "UPDATE {table} SET {column} = $1 WHERE {row} = $2 AND {column} = $3",
                    row = place.row,
                    column = place.column,
                    table = place.table
                ))
                .bind(self.seal_secret(place, id, &fresh))
                .bind(id)
                .bind(value)
                .execute(self.write())
                .await?;
            }
        }
        if resealed > 0 {
            tracing::info!(
                resealed,
                key_id = self.keys.keyring.current_id(),
                "sealed secrets at rest again under the current key"
            );
        }
        Ok(())
    }

    /// The plaintext of a value that must be sealed again, `None` when it is current.
    fn stale(
        &self,
        place: Place,
        row: &dyn Display,
        stored: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match self.keys.keyring.open(&place.aad(row), stored) {
            Ok(opened) => Ok(opened.stale.then_some(opened.plaintext)),
            Err(SealError::UnknownKey { key_id }) => Err(StoreError::SecretKey(format!(
                "the database's secrets are encrypted with key {key_id}, but the secret key \
                 from {origin} is {current} and no --old-secret-keys matches: start with the \
                 key the database was created with (README, \"Secrets at rest\")",
                origin = self.keys.origin,
                current = self.keys.keyring.current_id(),
            ))),
            Err(error) => Err(StoreError::Sealed {
                place: place.aad(row),
                error,
            }),
        }
    }
}

/// A sealed setting's plaintext as text. Host keys from before encryption at rest were stored
/// as their 32 raw bytes; they are read (and sealed again) as their hex, the form used since.
fn setting_text(plaintext: Vec<u8>) -> String {
    match <[u8; 32]>::try_from(plaintext.as_slice()) {
        Ok(raw) => hex::encode(raw),
        Err(_) => String::from_utf8(plaintext).unwrap_or_default(),
    }
}
