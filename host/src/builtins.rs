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
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_are_stable_and_distinct() {
        assert_eq!(builtin_id("github"), builtin_id("github"));
        assert_ne!(builtin_id("github"), builtin_id("jenkins"));
        assert_eq!(builtin_id("github").get_version_num(), 8);
    }

    #[test]
    fn recognises_builtin_ids_only() {
        assert!(is_builtin(builtin_id("github")));
        assert!(!is_builtin(builtin_id("not-a-builtin")));
        assert!(!is_builtin(Uuid::now_v7()));
    }
}
