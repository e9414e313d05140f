//! Per-request limits of the plugin sandbox, the flags that set them, and the store-side
//! enforcement of memory.

use std::path::PathBuf;
use std::time::Duration;

/// Sandbox limits, configurable per server.
#[derive(Debug, Clone)]
pub struct RuntimeLimits {
    /// CPU time one run (instantiation and call) may use: its deadline.
    pub timeout: Duration,
    /// Wall-clock ceiling of one run: the backstop for a run that waits (in a host call such as
    /// a sleep, or for a core or a lane) instead of computing.
    pub wall_timeout: Duration,
    /// Linear memory of one instance, in bytes.
    pub memory_bytes: usize,
    /// Messages one request may produce.
    pub max_messages: usize,
    /// Bytes of output (message text, usernames, URLs, skip reasons) one request may produce.
    pub max_output_bytes: usize,
    /// Bytes of log (log records plus stdout and stderr) one request may write.
    pub max_log_bytes: usize,
    /// Plugin instances running at once; further requests wait for a slot.
    pub max_concurrency: u32,
    /// Runs that outlast one epoch tick (2 ms) executing at once; the others wait their turn
    /// at each tick, so long guests cannot take every core from the rest of the server
    /// (0: one less than the cores, at least 1).
    pub long_lanes: u32,
    /// Linear memory all pool slots together keep resident between runs, in bytes.
    pub slot_resident_bytes: usize,
    /// Compiled bytes of the components kept loaded; past it the least recently used unload.
    pub cache_budget_bytes: u64,
    /// A loaded component unused this long is unloaded.
    pub idle_unload: Duration,
    /// The binary that compiles components in a child process (`None`: in this process).
    pub compiler: Option<PathBuf>,
}

/// The most linear memory one slot keeps resident: what Python and JavaScript interpreters touch.
pub const MAX_KEEP_RESIDENT_PER_SLOT: usize = 16 << 20;

/// The wall-clock ceiling, as a multiple of the CPU-time deadline, when none is configured.
pub const WALL_TIMEOUT_FACTOR: u32 = 10;

impl RuntimeLimits {
    /// The number of long-run lanes: as configured, or one less than the cores (at least 1).
    pub fn resolved_long_lanes(&self) -> usize {
        match self.long_lanes {
            0 => std::thread::available_parallelism()
                .map_or(1, |n| n.get().saturating_sub(1))
                .max(1),
            n => n as usize,
        }
    }

    /// The linear memory each slot keeps resident: the slots' budget shared out, at most
    /// [`MAX_KEEP_RESIDENT_PER_SLOT`], in whole 64 KiB pages.
    pub fn keep_resident_per_slot(&self) -> usize {
        let share = self.slot_resident_bytes / self.max_concurrency.max(1) as usize;
        share.min(MAX_KEEP_RESIDENT_PER_SLOT) / 65536 * 65536
    }
}

impl Default for RuntimeLimits {
    /// The limits of the flags' defaults.
    fn default() -> Self {
        crate::flags::defaults::<SandboxConfig>().limits()
    }
}

/// The sandbox flags of `wasmhook serve` (and `wasmhook plugin run`).
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxConfig {
    /// CPU-time limit of one plugin run, in milliseconds (time spent waiting for a core is not
    /// counted; see `--plugin-wall-timeout-ms`).
    #[arg(
        id = "PLUGIN_TIMEOUT_MS",
        long = "plugin-timeout-ms",
        env = "WASMHOOK_PLUGIN_TIMEOUT_MS",
        default_value_t = 100
    )]
    pub timeout_ms: u64,

    /// Wall-clock ceiling of one plugin run, in milliseconds: bounds a run that waits (a sleep,
    /// or no core given to it) rather than computes (0: ten times `--plugin-timeout-ms`).
    #[arg(
        id = "PLUGIN_WALL_TIMEOUT_MS",
        long = "plugin-wall-timeout-ms",
        env = "WASMHOOK_PLUGIN_WALL_TIMEOUT_MS",
        default_value_t = 0
    )]
    pub wall_timeout_ms: u64,

    /// Linear memory limit of one plugin instance, in MiB.
    #[arg(
        id = "PLUGIN_MEMORY_MIB",
        long = "plugin-memory-mib",
        env = "WASMHOOK_PLUGIN_MEMORY_MIB",
        default_value_t = 32
    )]
    pub memory_mib: usize,

    /// Messages one plugin run may produce.
    #[arg(
        id = "PLUGIN_MAX_MESSAGES",
        long = "plugin-max-messages",
        env = "WASMHOOK_PLUGIN_MAX_MESSAGES",
        default_value_t = 10
    )]
    pub max_messages: usize,

    /// Bytes of output one plugin run may produce.
    #[arg(
        id = "PLUGIN_MAX_OUTPUT_BYTES",
        long = "plugin-max-output-bytes",
        env = "WASMHOOK_PLUGIN_MAX_OUTPUT_BYTES",
        default_value_t = 64 * 1024
    )]
    pub max_output_bytes: usize,

    /// Bytes of log (records, stdout, stderr) one plugin run may write.
    #[arg(
        id = "PLUGIN_MAX_LOG_BYTES",
        long = "plugin-max-log-bytes",
        env = "WASMHOOK_PLUGIN_MAX_LOG_BYTES",
        default_value_t = 16 * 1024
    )]
    pub max_log_bytes: usize,

    /// Plugin instances running at once (further requests wait).
    #[arg(
        id = "PLUGIN_CONCURRENCY",
        long = "plugin-concurrency",
        env = "WASMHOOK_PLUGIN_CONCURRENCY",
        default_value_t = 64
    )]
    pub concurrency: u32,

    /// Plugin runs past their first 2 ms executing at once (0: one less than the cores, at
    /// least 1); the others wait their turn.
    #[arg(
        id = "PLUGIN_LONG_LANES",
        long = "plugin-long-lanes",
        env = "WASMHOOK_PLUGIN_LONG_LANES",
        default_value_t = 0
    )]
    pub long_lanes: u32,

    /// Linear memory all plugin instance slots together keep resident between runs, in MiB
    /// (each slot keeps its share, at most 16 MiB; the rest is returned to the system).
    #[arg(
        id = "PLUGIN_SLOT_RESIDENT_MIB",
        long = "plugin-slot-resident-mib",
        env = "WASMHOOK_PLUGIN_SLOT_RESIDENT_MIB",
        default_value_t = 256
    )]
    pub slot_resident_mib: usize,

    /// Compiled size of the plugins kept loaded in memory, in MiB; past it the least recently
    /// used are unloaded (and mapped again from the compiled cache when next needed).
    #[arg(
        id = "PLUGIN_CACHE_BUDGET_MIB",
        long = "plugin-cache-budget-mib",
        env = "WASMHOOK_PLUGIN_CACHE_BUDGET_MIB",
        default_value_t = 256
    )]
    pub cache_budget_mib: u64,

    /// A loaded plugin unused for this many seconds is unloaded.
    #[arg(
        id = "PLUGIN_IDLE_UNLOAD_SECS",
        long = "plugin-idle-unload-secs",
        env = "WASMHOOK_PLUGIN_IDLE_UNLOAD_SECS",
        default_value_t = 600
    )]
    pub idle_unload_secs: u64,

    /// The binary that compiles uploaded plugins in a child process (`wasmhook plugin compile`);
    /// the server uses its own binary when unset.
    #[arg(
        id = "PLUGIN_COMPILER",
        long = "plugin-compiler",
        env = "WASMHOOK_PLUGIN_COMPILER"
    )]
    pub compiler: Option<PathBuf>,
}

impl SandboxConfig {
    /// The sandbox limits these settings describe.
    pub fn limits(&self) -> RuntimeLimits {
        RuntimeLimits {
            timeout: Duration::from_millis(self.timeout_ms),
            wall_timeout: match self.wall_timeout_ms {
                0 => Duration::from_millis(self.timeout_ms) * WALL_TIMEOUT_FACTOR,
                ms => Duration::from_millis(ms),
            },
            memory_bytes: self.memory_mib << 20,
            max_messages: self.max_messages,
            max_output_bytes: self.max_output_bytes,
            max_log_bytes: self.max_log_bytes,
            max_concurrency: self.concurrency.max(1),
            long_lanes: self.long_lanes,
            slot_resident_bytes: self.slot_resident_mib << 20,
            cache_budget_bytes: self.cache_budget_mib << 20,
            idle_unload: Duration::from_secs(self.idle_unload_secs),
            compiler: self.compiler.clone(),
        }
    }
}

/// Enforces the memory cap and records the peak for reports.
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: usize,
    total: usize,
    /// Highest total linear memory seen, in bytes.
    pub peak: usize,
    /// Whether a growth past the limit was refused.
    pub exceeded: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes of linear memory.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            total: 0,
            peak: 0,
            exceeded: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total - current.min(self.total) + desired;
        if total > self.limit {
            self.exceeded = true;
            return Ok(false);
        }
        self.total = total;
        self.peak = self.peak.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::*;

    #[test]
    fn default_limits_are_the_flags_defaults() {
        let l = RuntimeLimits::default();
        assert_eq!(l.timeout, Duration::from_millis(100));
        assert_eq!(l.wall_timeout, Duration::from_secs(1));
        assert_eq!(l.memory_bytes, 32 << 20);
        assert_eq!(
            (l.max_messages, l.max_output_bytes, l.max_log_bytes),
            (10, 64 << 10, 16 << 10)
        );
        assert_eq!((l.max_concurrency, l.long_lanes), (64, 0));
        // 256 MiB over 64 slots: 4 MiB each; one slot alone keeps at most 16 MiB.
        assert_eq!(l.keep_resident_per_slot(), 4 << 20);
        let one = RuntimeLimits {
            max_concurrency: 1,
            ..l
        };
        assert_eq!(one.keep_resident_per_slot(), MAX_KEEP_RESIDENT_PER_SLOT);
    }

    #[test]
    fn the_wall_clock_ceiling_is_a_multiple_of_the_cpu_deadline_unless_set() {
        let mut config = crate::flags::defaults::<SandboxConfig>();
        config.timeout_ms = 250;
        assert_eq!(config.limits().wall_timeout, Duration::from_millis(2_500));
        config.wall_timeout_ms = 400;
        assert_eq!(config.limits().wall_timeout, Duration::from_millis(400));
    }

    #[test]
    fn tracks_peak_and_refuses_growth_past_the_limit() {
        let mut l = MemoryLimiter::new(10 << 20);
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(l.memory_growing(1 << 20, 8 << 20, None).unwrap());
        assert_eq!(l.peak, 8 << 20);
        assert!(!l.memory_growing(8 << 20, 11 << 20, None).unwrap());
        assert!(l.exceeded);
        assert_eq!(l.peak, 8 << 20);
    }
}
