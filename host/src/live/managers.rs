//! Who manages each community (its owners and admins), cached for the studio's live events:
//! a plugin delivery then costs no query to find whom to tell. Every role change drops the
//! community (the store's role hook on this node, `NOTIFY` from the others), and while changes
//! of other nodes could be missed (the `LISTEN` connection is down) nothing is cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use uuid::Uuid;

use crate::store::{Store, StoreError};

/// The cache.
#[derive(Debug)]
pub struct Managers {
    state: Mutex<State>,
    enabled: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    by_community: HashMap<Uuid, Arc<[Uuid]>>,
    /// Bumped by every invalidation: a read of the database that started before one must not
    /// be cached after it (it may list a demoted admin).
    generation: u64,
}

impl Managers {
    /// A cache that starts enabled (one node) or disabled until [`Managers::resume`].
    pub fn new(enabled: bool) -> Self {
        Self {
            state: Mutex::default(),
            enabled: AtomicBool::new(enabled),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The managers of `community_id`, from the cache or the store.
    pub async fn of(&self, store: &Store, community_id: Uuid) -> Result<Arc<[Uuid]>, StoreError> {
        let generation = {
            let state = self.state();
            if let Some(hit) = state.by_community.get(&community_id) {
                return Ok(hit.clone());
            }
            state.generation
        };
        let managers: Arc<[Uuid]> = store.managers_of(community_id).await?.into();
        let mut state = self.state();
        if self.enabled.load(Ordering::SeqCst) && state.generation == generation {
            state.by_community.insert(community_id, managers.clone());
        }
        Ok(managers)
    }

    /// Drops what is cached of `community_id` (its roles changed).
    pub fn forget(&self, community_id: Uuid) {
        let mut state = self.state();
        state.generation += 1;
        state.by_community.remove(&community_id);
    }

    /// Stops caching and forgets everything (the change feed from other nodes was lost).
    pub fn suspend(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        let mut state = self.state();
        state.generation += 1;
        state.by_community.clear();
    }

    /// Starts caching again from an empty cache (the change feed is back).
    pub fn resume(&self) {
        let mut state = self.state();
        state.generation += 1;
        state.by_community.clear();
        self.enabled.store(true, Ordering::SeqCst);
    }
}
