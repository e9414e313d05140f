//! The execute path's token lookup: SHA-256 of the token, an in-memory cache in front of the
//! store, invalidated at once by every change to a webhook.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::{Store, StoreError, WebhookTarget};

/// Length of a webhook token.
pub const TOKEN_LEN: usize = 64;

/// SHA-256 of a secret token: what the database stores instead of the token.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Cache of active webhooks by token hash. Only found tokens are cached, so unknown tokens
/// cannot grow it; every webhook change calls [`TokenCache::invalidate`].
#[derive(Debug)]
pub struct TokenCache {
    inner: RwLock<CacheState>,
    /// Off while changes made by other nodes could be missed (their notifications are not
    /// being received): every lookup then reads the database.
    enabled: AtomicBool,
}

#[derive(Debug, Default)]
struct CacheState {
    by_hash: HashMap<[u8; 32], Arc<WebhookTarget>>,
    /// Bumped by every invalidation: a lookup that read the database before an invalidation
    /// must not insert what it read afterwards (it may be a revoked token).
    generation: u64,
}

impl TokenCache {
    /// A cache that starts enabled (one node) or disabled until [`TokenCache::resume`].
    pub fn new(enabled: bool) -> Self {
        Self {
            inner: RwLock::default(),
            enabled: AtomicBool::new(enabled),
        }
    }

    /// Stops caching and forgets everything (e.g. the change feed from other nodes was lost).
    pub fn suspend(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        let mut state = self.inner.write().expect("token cache lock");
        state.generation += 1;
        state.by_hash.clear();
    }

    /// Starts caching again from an empty cache (the change feed is back).
    pub fn resume(&self) {
        let mut state = self.inner.write().expect("token cache lock");
        state.generation += 1;
        state.by_hash.clear();
        self.enabled.store(true, Ordering::SeqCst);
    }

    /// Finds the active webhook for a token, from the cache or the store.
    pub async fn lookup(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<Option<Arc<WebhookTarget>>, StoreError> {
        if token.len() != TOKEN_LEN {
            return Ok(None);
        }
        let hash = hash_token(token);
        if !self.enabled.load(Ordering::SeqCst) {
            return Ok(store.webhook_target(&hash).await?.map(Arc::new));
        }
        let generation = {
            let state = self.inner.read().expect("token cache lock");
            if let Some(hit) = state.by_hash.get(&hash) {
                return Ok(Some(hit.clone()));
            }
            state.generation
        };
        let Some(target) = store.webhook_target(&hash).await? else {
            return Ok(None);
        };
        let target = Arc::new(target);
        let mut state = self.inner.write().expect("token cache lock");
        if state.generation == generation && self.enabled.load(Ordering::SeqCst) {
            state.by_hash.insert(hash, target.clone());
        }
        Ok(Some(target))
    }

    /// Drops the cached entry of a webhook (after any change to it, its token or its state).
    pub fn invalidate(&self, webhook_id: Uuid) {
        let mut state = self.inner.write().expect("token cache lock");
        state.generation += 1;
        state.by_hash.retain(|_, t| t.id != webhook_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            hex::encode(hash_token("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
