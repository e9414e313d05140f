//! Per-request limits of the plugin sandbox and the store-side enforcement of memory.

use std::time::Duration;

/// Sandbox limits, configurable per server.
#[derive(Debug, Clone)]
pub struct RuntimeLimits {
    /// Wall-clock deadline of one request (instantiation and call).
    pub timeout: Duration,
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
}

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
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(100),
            memory_bytes: 32 << 20,
            max_messages: 10,
            max_output_bytes: 64 << 10,
            max_log_bytes: 16 << 10,
            max_concurrency: 64,
            long_lanes: 0,
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
