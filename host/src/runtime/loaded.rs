//! The components loaded in memory, least recently used first out: bounded by a budget of
//! compiled bytes (`--plugin-cache-budget-mib`) and by idleness (`--plugin-idle-unload-secs`).
//! An unloaded component is mapped again from the compiled cache on its next request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::bindings::PluginPre;
use super::host_api::HostState;

/// A component being made ready, or ready: concurrent requests for it wait on one load.
pub type ReadySlot = Arc<OnceCell<PluginPre<HostState>>>;

struct Entry {
    slot: ReadySlot,
    last_used: Instant,
    /// The compiled size, once loaded (0 while loading).
    size: u64,
}

/// The loaded components by SHA-256.
#[derive(Default)]
pub struct Loaded {
    entries: HashMap<[u8; 32], Entry>,
}

impl Loaded {
    /// The slot of this component, made if it has none (a run already holding an unloaded
    /// slot finishes with it).
    pub fn slot(&mut self, sha256: [u8; 32]) -> ReadySlot {
        self.entries
            .entry(sha256)
            .or_insert_with(|| Entry {
                slot: ReadySlot::default(),
                last_used: Instant::now(),
                size: 0,
            })
            .slot
            .clone()
    }

    /// Records a use of this ready component of `size` compiled bytes, then unloads the least
    /// recently used others while the loaded total is over `budget`.
    pub fn used(&mut self, sha256: [u8; 32], size: u64, budget: u64) {
        let Some(entry) = self.entries.get_mut(&sha256) else {
            return;
        };
        entry.last_used = Instant::now();
        entry.size = size;
        let mut total: u64 = self.entries.values().map(|e| e.size).sum();
        if total <= budget {
            return;
        }
        let mut victims: Vec<([u8; 32], Instant, u64)> = self
            .entries
            .iter()
            .filter(|(k, e)| **k != sha256 && e.slot.initialized())
            .map(|(k, e)| (*k, e.last_used, e.size))
            .collect();
        victims.sort_by_key(|v| v.1);
        for (key, _, size) in victims {
            if total <= budget {
                break;
            }
            self.entries.remove(&key);
            total -= size;
            tracing::debug!(sha256 = %hex::encode(key), "unloaded a plugin (memory budget)");
        }
    }

    /// Unloads the ready components unused for `idle`.
    pub fn unload_idle(&mut self, idle: Duration) {
        let before = self.entries.len();
        self.entries
            .retain(|_, e| !e.slot.initialized() || e.last_used.elapsed() < idle);
        if self.entries.len() < before {
            tracing::debug!(
                unloaded = before - self.entries.len(),
                "unloaded idle plugins"
            );
        }
    }

    /// Forgets this component.
    pub fn remove(&mut self, sha256: &[u8; 32]) {
        self.entries.remove(sha256);
    }

    /// Whether this component has a slot (loading or ready).
    #[cfg(test)]
    pub fn contains_key(&self, sha256: &[u8; 32]) -> bool {
        self.entries.contains_key(sha256)
    }

    /// Ready components, and their compiled bytes.
    pub fn footprint(&self) -> (usize, u64) {
        self.entries
            .values()
            .filter(|e| e.slot.initialized())
            .fold((0, 0), |(n, b), e| (n + 1, b + e.size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_still_loading_is_never_unloaded() {
        let mut loaded = Loaded::default();
        loaded.slot([1; 32]);
        loaded.unload_idle(Duration::ZERO);
        loaded.used([2; 32], 10, 0);
        assert!(loaded.contains_key(&[1; 32]));
        assert_eq!(loaded.footprint(), (0, 0));
    }
}
