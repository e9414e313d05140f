//! The built-in transformer plugins (GitHub, Jenkins, Prometheus Alertmanager), compiled by
//! `build.rs` from `plugins/` and embedded in the binary. At start they are registered in the
//! store under stable ids, so every community can attach them without an upload.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::{Store, StoreError};

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// The stable id of a built-in plugin: the same on every node and after upgrades.
pub fn builtin_id(name: &str) -> Uuid {
    let digest = Sha256::digest(format!("wasmhook-builtin-plugin:{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Whether `id` is a built-in plugin's id.
pub fn is_builtin(id: Uuid) -> bool {
    static IDS: std::sync::OnceLock<Vec<Uuid>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| BUILTINS.iter().map(|(name, _)| builtin_id(name)).collect())
        .contains(&id)
}

/// The SHA-256 of a built-in plugin's component (computed once per plugin).
pub fn builtin_sha256(name: &str) -> Option<[u8; 32]> {
    static HASHES: std::sync::OnceLock<Vec<(&'static str, [u8; 32])>> = std::sync::OnceLock::new();
    HASHES
        .get_or_init(|| {
            BUILTINS
                .iter()
                .map(|(name, bytes)| (*name, Sha256::digest(bytes).into()))
                .collect()
        })
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, sha)| *sha)
}

/// Registers every built-in plugin (idempotent).
pub async fn register(store: &Store) -> Result<(), StoreError> {
    for (name, bytes) in BUILTINS {
        let sha: [u8; 32] = Sha256::digest(bytes).into();
        store
            .upsert_builtin_plugin(
                builtin_id(name),
                name,
                env!("CARGO_PKG_VERSION"),
                sha,
                bytes,
                crate::runtime::producers::language(bytes).as_deref(),
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_are_the_ones_every_release_has_used() {
        // Webhooks reference these ids in every database: they must never change.
        let ids = [
            ("github", "03207568-1acf-8025-ba81-667daa9dc0fa"),
            ("jenkins", "3bb3810d-5d4e-8d2c-ac78-3d9d3c0ea5ef"),
            ("prometheus", "fccadc09-2a2e-8432-a61f-3b52bd4c6178"),
        ];
        for (name, id) in ids {
            assert_eq!(builtin_id(name).to_string(), id, "{name}");
            assert_eq!(builtin_id(name).get_version_num(), 8, "{name}");
        }
        let shipped: Vec<&str> = BUILTINS.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            shipped,
            ids.map(|(name, _)| name),
            "a built-in without a pinned id"
        );
    }

    #[test]
    fn recognises_builtin_ids_only() {
        assert!(is_builtin(builtin_id("github")));
        assert!(!is_builtin(builtin_id("not-a-builtin")));
        assert!(!is_builtin(Uuid::now_v7()));
    }
}
