//! The shared wasmtime Engine and Linker, the epoch ticker, and the cache of pre-instantiated
//! components (in memory, and compiled code on disk keyed by SHA-256 and engine version).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::RuntimeError;
use super::bindings::{self, TransformerPre};
use super::host_api::HostState;
use super::limits::RuntimeLimits;
use super::validate;

/// How often the epoch advances; the deadline is checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

/// A component being made ready, or ready: concurrent requests for it wait on one load.
type ReadySlot = Arc<OnceCell<TransformerPre<HostState>>>;

/// Counters of how components were made ready, for operators and tests.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Components compiled from their bytes.
    pub compiled: AtomicU64,
    /// Components loaded from the on-disk compiled cache.
    pub loaded_from_disk: AtomicU64,
}

/// One Engine for the whole server; components compiled once, instances made per request.
pub struct PluginEngine {
    pub(super) engine: Engine,
    linker: Linker<HostState>,
    /// The sandbox limits every run gets.
    pub limits: RuntimeLimits,
    cache_dir: PathBuf,
    cache_key: [u8; 32],
    engine_tag: String,
    ready: Mutex<HashMap<[u8; 32], ReadySlot>>,
    /// How components were made ready.
    pub stats: CacheStats,
    /// Bounds instances alive at once to what the pooling allocator holds; callers wait.
    pub(super) slots: tokio::sync::Semaphore,
    /// Lanes for runs past their first epoch tick (see [`RuntimeLimits::long_lanes`]).
    pub(super) long_lanes: Arc<tokio::sync::Semaphore>,
    stop_ticker: Arc<AtomicBool>,
}

impl std::fmt::Debug for PluginEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginEngine")
            .field("limits", &self.limits)
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

impl PluginEngine {
    /// Creates the engine. `cache_key` authenticates compiled files in `cache_dir`, so only
    /// code this host serialized is ever deserialized.
    pub fn new(
        limits: RuntimeLimits,
        cache_dir: PathBuf,
        cache_key: [u8; 32],
    ) -> anyhow::Result<Arc<Self>> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let memory = (limits.memory_bytes.div_ceil(65536) * 65536).max(65536);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(limits.max_concurrency)
            .total_core_instances(limits.max_concurrency * 8)
            .total_memories(limits.max_concurrency * 2)
            .total_tables(limits.max_concurrency * 8)
            .max_memory_size(memory)
            .max_memories_per_component(2)
            .max_core_instances_per_component(32)
            .max_tables_per_component(32)
            .total_stacks(limits.max_concurrency)
            // Reused slots keep their pages mapped and only the pages a request dirtied are
            // reset (PAGEMAP_SCAN where the kernel has it): no fresh page faults per request.
            // 16 MiB covers what Python and JavaScript interpreters touch (BENCHMARKS.md: it
            // cuts their mean and p99 by up to 3x against 4 MiB).
            .linear_memory_keep_resident(memory.min(16 << 20))
            .table_keep_resident(256 << 10)
            .async_stack_keep_resident(256 << 10)
            .pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        config.memory_init_cow(true);
        // Python and JavaScript components start from a snapshot of an initialized interpreter
        // (~10-16 MB of data): always map it copy-on-write, never copy it per instance.
        config.memory_guaranteed_dense_image_size(memory as u64);
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        bindings::add_to_linker(&mut linker)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_tag = format!("{:016x}", hasher.finish());
        std::fs::create_dir_all(&cache_dir)?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        spawn_ticker(engine.clone(), stop_ticker.clone());

        Ok(Arc::new(Self {
            engine,
            linker,
            limits: limits.clone(),
            cache_dir,
            cache_key,
            engine_tag,
            ready: Mutex::new(HashMap::new()),
            stats: CacheStats::default(),
            slots: tokio::sync::Semaphore::new(limits.max_concurrency as usize),
            long_lanes: Arc::new(tokio::sync::Semaphore::new(limits.resolved_long_lanes())),

            stop_ticker,
        }))
    }

    /// Compiles and checks a component against the world (CPU-heavy: call off the runtime).
    pub fn validate(&self, bytes: &[u8]) -> Result<Component, RuntimeError> {
        validate::component(&self.engine, &self.linker, bytes)
    }

    /// The pre-instantiated component with this SHA-256: from memory, the disk cache, or
    /// compiled from the bytes `fetch` returns (then written to the disk cache).
    pub async fn prepare<F, Fut>(
        self: &Arc<Self>,
        sha256: [u8; 32],
        fetch: F,
    ) -> Result<TransformerPre<HostState>, RuntimeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Vec<u8>>>,
    {
        let cell = self
            .ready
            .lock()
            .expect("cache lock")
            .entry(sha256)
            .or_default()
            .clone();
        let pre = cell
            .get_or_try_init(|| async {
                let this = self.clone();
                let component = match tokio::task::spawn_blocking(move || this.load_compiled(&sha256)).await {
                    Ok(Some(c)) => {
                        self.stats.loaded_from_disk.fetch_add(1, Ordering::Relaxed);
                        c
                    }
                    _ => {
                        let bytes = fetch().await.map_err(RuntimeError::Internal)?;
                        if <[u8; 32]>::from(Sha256::digest(&bytes)) != sha256 {
                            return Err(RuntimeError::Internal(anyhow::anyhow!("stored plugin bytes do not match their SHA-256")));
                        }
                        let this = self.clone();
                        let component = tokio::task::spawn_blocking(move || {
                            let c = this.validate(&bytes)?;
                            if let Err(e) = this.store_compiled(&sha256, &c) {
                                tracing::warn!(error = %e, "could not write the compiled-plugin cache");
                            }
                            Ok::<_, RuntimeError>(c)
                        })
                        .await
                        .map_err(|e| RuntimeError::Internal(e.into()))??;
                        self.stats.compiled.fetch_add(1, Ordering::Relaxed);
                        component
                    }
                };
                let pre = self.linker.instantiate_pre(&component).map_err(|e| RuntimeError::Rejected(e.to_string()))?;
                TransformerPre::new(pre).map_err(|e| RuntimeError::Rejected(e.to_string()))
            })
            .await?;
        Ok(pre.clone())
    }

    /// Writes an already compiled component (from an upload) to the on-disk cache, so its
    /// first run loads it from there instead of compiling it again; the in-memory cache gets
    /// it on that first run.
    pub fn insert_compiled(&self, sha256: [u8; 32], component: &Component) {
        if let Err(e) = self.store_compiled(&sha256, component) {
            tracing::warn!(error = %e, "could not write the compiled-plugin cache");
        }
    }

    /// Drops the component with this SHA-256 from both caches (in memory and on disk), once no
    /// plugin has these bytes any more. A run already holding it finishes normally.
    pub fn evict(&self, sha256: &[u8; 32]) {
        self.ready.lock().expect("cache lock").remove(sha256);
        match std::fs::remove_file(self.cache_path(sha256)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "could not remove a compiled-plugin file"),
        }
    }

    fn cache_path(&self, sha256: &[u8; 32]) -> PathBuf {
        self.cache_dir
            .join(format!("{}-{}.cwasm", hex::encode(sha256), self.engine_tag))
    }

    /// Writes `tag || serialized` atomically; the tag is an HMAC over the bytes and the key.
    fn store_compiled(&self, sha256: &[u8; 32], component: &Component) -> anyhow::Result<()> {
        let serialized = component.serialize()?;
        let path = self.cache_path(sha256);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut data = self.tag(&serialized).to_vec();
        data.extend_from_slice(&serialized);
        std::fs::write(&tmp, &data)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// Loads a compiled component if the file exists and carries this host's tag.
    fn load_compiled(&self, sha256: &[u8; 32]) -> Option<Component> {
        let data = std::fs::read(self.cache_path(sha256)).ok()?;
        if data.len() < 32 {
            return None;
        }
        let (tag, serialized) = data.split_at(32);
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.cache_key).ok()?;
        mac.update(serialized);
        if mac.verify_slice(tag).is_err() {
            tracing::warn!(path = %self.cache_path(sha256).display(), "ignoring a compiled-plugin file this host did not write");
            return None;
        }
        deserialize(&self.engine, serialized)
    }

    fn tag(&self, bytes: &[u8]) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.cache_key).expect("HMAC takes any key size");
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }

    /// The directory of the compiled cache.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }
}

#[expect(
    unsafe_code,
    reason = "deserializing compiled code: only bytes authenticated as this host's own"
)]
fn deserialize(engine: &Engine, serialized: &[u8]) -> Option<Component> {
    // SAFETY: the bytes were produced by `Component::serialize` of an engine with the same
    // compatibility hash (it is in the file name) and carry this host's HMAC tag, so they are
    // exactly what this host wrote; wasmtime also re-checks the engine configuration.
    unsafe { Component::deserialize(engine, serialized) }.ok()
}

impl Drop for PluginEngine {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

fn spawn_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("wasmhook-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch thread");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn evicting_a_component_empties_both_caches() {
        let cache = tempfile::tempdir().unwrap();
        let limits = RuntimeLimits {
            max_concurrency: 2,
            ..RuntimeLimits::default()
        };
        let engine = PluginEngine::new(limits, cache.path().to_path_buf(), [3; 32]).unwrap();
        let bytes = std::fs::read(wasmhook_test_artifacts::NOOP).unwrap();
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let fetch = || async { Ok(bytes.clone()) };
        engine.prepare(sha256, fetch).await.unwrap();
        let cached = |engine: &PluginEngine| {
            (
                engine.ready.lock().unwrap().contains_key(&sha256),
                engine.cache_path(&sha256).is_file(),
            )
        };
        assert_eq!(cached(&engine), (true, true));
        engine.evict(&sha256);
        assert_eq!(cached(&engine), (false, false));
        engine.evict(&sha256); // already gone: nothing to do
        // Needed again, it is compiled again from its bytes.
        engine.prepare(sha256, fetch).await.unwrap();
        assert_eq!(engine.stats.compiled.load(Ordering::Relaxed), 2);
        assert_eq!(cached(&engine), (true, true));
    }
}
