//! What the fair-share checks report: a webhook's state (budget, instances, breaker, refusals)
//! and the refusals counted by reason.

use serde::Serialize;

/// A webhook's fair-share state, as `GET /api/webhooks/{id}` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShareState {
    /// Plugin execution time left in the webhook's budget, in ms (negative: in debt).
    pub budget_ms: f64,
    /// The budget's refill per second and size, in ms (`null` when the budget is off).
    pub budget_refill_ms_per_second: Option<u64>,
    /// Largest bank, in ms.
    pub budget_burst_ms: Option<u64>,
    /// Instances running now, and the cap (0: none).
    pub instances: u32,
    /// Cap of concurrent instances (0: none).
    pub max_instances: u32,
    /// `closed`, `open` (quarantined) or `half_open` (a probe may run).
    pub breaker: &'static str,
    /// Consecutive failures counted by the breaker.
    pub consecutive_failures: u32,
    /// Seconds left in quarantine, when open.
    pub quarantined_for_secs: Option<u64>,
    /// Requests refused since start, by reason.
    pub refused: RefusedCounts,
}

/// Requests refused, by reason.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RefusedCounts {
    /// CPU budget spent.
    pub budget: u64,
    /// Too many instances running.
    pub busy: u64,
    /// Quarantined by the breaker.
    pub quarantined: u64,
}

impl RefusedCounts {
    pub(super) fn add(&mut self, code: &str) {
        match code {
            "plugin_budget_exhausted" => self.budget += 1,
            "plugin_busy" => self.busy += 1,
            _ => self.quarantined += 1,
        }
    }
}
