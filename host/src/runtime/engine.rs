//! The shared wasmtime Engine and Linker, the epoch ticker, and the cache of pre-instantiated
//! components (in memory, and compiled code on disk keyed by SHA-256 and engine version).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{self, PluginPre};
use super::host_api::HostState;
use super::limits::RuntimeLimits;
use super::loaded::Loaded;
use super::validate;
use super::{RuntimeError, cache_file, compiler};

/// How often the epoch advances; the deadline is checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

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
    ready: Mutex<Loaded>,
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

/// Most core instances one component may create (an interpreted one creates tens).
const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 32;
/// Most tables one component may create.
const MAX_TABLES_PER_COMPONENT: u32 = 32;
/// Most linear memories one component may create.
const MAX_MEMORIES_PER_COMPONENT: u32 = 2;

/// The engine configuration every process compiling or loading plugins uses (the server and
/// its compiler child: their compiled code must be interchangeable), and the linker.
pub(super) fn engine_and_linker(
    limits: &RuntimeLimits,
) -> anyhow::Result<(Engine, Linker<HostState>)> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    let memory = (limits.memory_bytes.div_ceil(65536) * 65536).max(65536);
    let mut pool = PoolingAllocationConfig::default();
    // The totals are the per-component maxima times the slots, so every slot can hold the
    // largest component at once: an interpreted (Python, JavaScript) component instantiates
    // tens of core instances and tables, and 64 of them at 8 a slot ran out ("maximum
    // concurrent limit of 512 for core instances reached"). Unused entries only reserve
    // address space.
    pool.total_component_instances(limits.max_concurrency)
        .total_core_instances(limits.max_concurrency * MAX_CORE_INSTANCES_PER_COMPONENT)
        .total_memories(limits.max_concurrency * MAX_MEMORIES_PER_COMPONENT)
        .total_tables(limits.max_concurrency * MAX_TABLES_PER_COMPONENT)
        .max_memory_size(memory)
        .max_memories_per_component(MAX_MEMORIES_PER_COMPONENT)
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_COMPONENT)
        .max_tables_per_component(MAX_TABLES_PER_COMPONENT)
        .total_stacks(limits.max_concurrency)
        // Reused slots keep their pages mapped and only the pages a request dirtied are
        // reset (PAGEMAP_SCAN where the kernel has it): no fresh page faults per request.
        // 16 MiB covers what Python and JavaScript interpreters touch (BENCHMARKS.md: it
        // cuts their mean and p99 by up to 3x against 4 MiB); the slots' total is bounded by
        // `--plugin-slot-resident-mib` (see `RuntimeLimits::keep_resident_per_slot`).
        .linear_memory_keep_resident(limits.keep_resident_per_slot().min(memory))
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
    Ok((engine, linker))
}

impl PluginEngine {
    /// Creates the engine. `cache_key` authenticates compiled files in `cache_dir`, so only
    /// code this host serialized is ever deserialized.
    pub fn new(
        limits: RuntimeLimits,
        cache_dir: PathBuf,
        cache_key: [u8; 32],
    ) -> anyhow::Result<Arc<Self>> {
        let (engine, linker) = engine_and_linker(&limits)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_tag = format!("{:016x}", hasher.finish());
        std::fs::create_dir_all(&cache_dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cache_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let stop_ticker = Arc::new(AtomicBool::new(false));
        spawn_ticker(engine.clone(), stop_ticker.clone());

        let this = Arc::new(Self {
            engine,
            linker,
            limits: limits.clone(),
            cache_dir,
            cache_key,
            engine_tag,
            ready: Mutex::new(Loaded::default()),
            stats: CacheStats::default(),
            slots: tokio::sync::Semaphore::new(limits.max_concurrency as usize),
            long_lanes: Arc::new(tokio::sync::Semaphore::new(limits.resolved_long_lanes())),

            stop_ticker,
        });
        spawn_unloader(Arc::downgrade(&this));
        Ok(this)
    }

    /// Compiles and checks a component against the world in this process (CPU-heavy: call off
    /// the runtime). `plugin check` uses it; the server compiles through [`Self::compile`].
    pub fn validate(&self, bytes: &[u8]) -> Result<Component, RuntimeError> {
        validate::component(&self.engine, &self.linker, bytes)
    }

    /// Validates and compiles `bytes` (with this SHA-256) into the on-disk cache: in a child
    /// process when `--plugin-compiler` (the server: its own binary) is set, else on a blocking
    /// thread. Nothing is loaded: the first run maps the file. `bytes` is shared, not copied
    /// (an interpreter's component is 12-18 MB).
    pub async fn compile(
        self: &Arc<Self>,
        sha256: [u8; 32],
        bytes: Bytes,
    ) -> Result<(), RuntimeError> {
        let path = self.cache_path(&sha256);
        if let Some(exe) = &self.limits.compiler {
            return compiler::in_child(exe, &self.limits, &self.cache_key, &path, bytes).await;
        }
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let component = this.validate(&bytes)?;
            let serialized = component
                .serialize()
                .map_err(|e| RuntimeError::Internal(e.into()))?;
            cache_file::write(&path, &this.cache_key, &serialized)
                .map_err(|e| RuntimeError::Internal(e.into()))
        })
        .await
        .map_err(|e| RuntimeError::Internal(e.into()))?
    }

    /// The pre-instantiated component with this SHA-256: from memory, the disk cache, or
    /// compiled from the bytes `fetch` returns (into the disk cache, then loaded from there).
    pub async fn prepare<F, Fut>(
        self: &Arc<Self>,
        sha256: [u8; 32],
        fetch: F,
    ) -> Result<PluginPre<HostState>, RuntimeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Vec<u8>>>,
    {
        let cell = self.ready.lock().expect("cache lock").slot(sha256);
        let pre = cell
            .get_or_try_init(|| async {
                let component = match self.load(sha256).await {
                    Some(c) => {
                        self.stats.loaded_from_disk.fetch_add(1, Ordering::Relaxed);
                        c
                    }
                    None => {
                        let bytes = fetch().await.map_err(RuntimeError::Internal)?;
                        if <[u8; 32]>::from(Sha256::digest(&bytes)) != sha256 {
                            return Err(RuntimeError::Internal(anyhow::anyhow!(
                                "stored plugin bytes do not match their SHA-256"
                            )));
                        }
                        self.compile(sha256, bytes.into()).await?;
                        let component = self.load(sha256).await.ok_or_else(|| {
                            RuntimeError::Internal(anyhow::anyhow!(
                                "the compiled plugin could not be loaded from the cache"
                            ))
                        })?;
                        self.stats.compiled.fetch_add(1, Ordering::Relaxed);
                        component
                    }
                };
                let pre = self
                    .linker
                    .instantiate_pre(&component)
                    .map_err(|e| RuntimeError::Rejected(e.to_string()))?;
                PluginPre::new(pre).map_err(|e| RuntimeError::Rejected(e.to_string()))
            })
            .await?
            .clone();
        let size = std::fs::metadata(self.cache_path(&sha256)).map_or(0, |m| m.len());
        self.ready
            .lock()
            .expect("cache lock")
            .used(sha256, size, self.limits.cache_budget_bytes);
        Ok(pre)
    }

    /// Loads the compiled file of this SHA-256, mapped, if it exists and carries this host's tag.
    async fn load(self: &Arc<Self>, sha256: [u8; 32]) -> Option<Component> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            cache_file::load(&this.engine, &this.cache_path(&sha256), &this.cache_key)
        })
        .await
        .ok()
        .flatten()
    }

    /// Drops the component with this SHA-256 from both caches (in memory and on disk), once no
    /// plugin has these bytes any more. A run already holding it finishes normally.
    pub fn evict(&self, sha256: &[u8; 32]) {
        self.ready.lock().expect("cache lock").remove(sha256);
        let path = self.cache_path(sha256);
        for path in [cache_file::tag_path(&path), path] {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, "could not remove a compiled-plugin file"),
            }
        }
    }

    /// Components loaded in memory now, and their compiled size in bytes.
    pub fn loaded(&self) -> (usize, u64) {
        self.ready.lock().expect("cache lock").footprint()
    }

    /// The compiled file of the component with this SHA-256 (its tag is next to it).
    pub fn cache_path(&self, sha256: &[u8; 32]) -> PathBuf {
        self.cache_dir
            .join(format!("{}-{}.cwasm", hex::encode(sha256), self.engine_tag))
    }

    /// The directory of the compiled cache.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }
}

impl Drop for PluginEngine {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// Unloads components unused for `--plugin-idle-unload-secs`, checking a few times per period,
/// until the engine is dropped.
fn spawn_unloader(engine: std::sync::Weak<PluginEngine>) {
    std::thread::Builder::new()
        .name("wasmhook-unload".into())
        .spawn(move || {
            loop {
                let period = match engine.upgrade() {
                    Some(e) if !e.stop_ticker.load(Ordering::Relaxed) => {
                        let idle = e.limits.idle_unload;
                        e.ready.lock().expect("cache lock").unload_idle(idle);
                        // Unloaded plugins and finished uploads free heap the allocator
                        // would otherwise keep: give it back to the system.
                        crate::heap::trim();
                        (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(30))
                    }
                    _ => return,
                };
                std::thread::sleep(period);
            }
        })
        .expect("spawning the unload thread");
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
