//! The CPU budget: a token bucket of plugin execution time, refilled at a rate.

use std::time::{Duration, Instant};

/// A token bucket of execution time, in microseconds.
#[derive(Debug, Clone)]
pub(super) struct Budget {
    pub(super) balance_us: f64,
    at: Instant,
}

impl Budget {
    pub(super) fn full(rate: &Rate, now: Instant) -> Self {
        Self {
            balance_us: rate.burst_us,
            at: now,
        }
    }

    pub(super) fn refill(&mut self, rate: &Rate, now: Instant) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * rate.per_second_us;
        self.balance_us = (self.balance_us + earned).min(rate.burst_us);
        self.at = now;
    }

    /// How long until the balance is positive again.
    pub(super) fn wait(&self, rate: &Rate) -> Duration {
        Duration::from_secs_f64((-self.balance_us).max(0.0) / rate.per_second_us)
    }
}

/// How fast a budget refills and how much it may bank, in microseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rate {
    per_second_us: f64,
    pub(super) burst_us: f64,
}

impl Rate {
    /// The rate of `ms_per_second` banking up to `burst_ms`; `None` (no budget) for 0.
    pub(super) fn new(ms_per_second: u64, burst_ms: u64) -> Option<Self> {
        (ms_per_second > 0).then(|| Self {
            per_second_us: ms_per_second as f64 * 1000.0,
            burst_us: burst_ms.max(1) as f64 * 1000.0,
        })
    }
}
