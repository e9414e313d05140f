//! What a request refused before its plugin ran is told: status, code, message and when a
//! retry can succeed.

use std::time::Duration;

/// Why a request was refused before its plugin ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status: 429 (budget, concurrency) or 503 (quarantine).
    pub status: u16,
    /// Error code: `plugin_budget_exhausted`, `plugin_busy` or `plugin_quarantined`.
    pub code: &'static str,
    /// What the sender and the owner read.
    pub message: String,
    /// When a retry can succeed.
    pub retry_after: Duration,
}

pub(super) fn quarantined(retry_after: Duration) -> Refusal {
    Refusal {
        status: 503,
        code: "plugin_quarantined",
        message: "this webhook's plugin failed repeatedly (timeouts, memory limit or traps) and \
                  is quarantined; requests are refused until a probe succeeds"
            .into(),
        retry_after,
    }
}

pub(super) fn budget_exhausted(whose: &str, retry_after: Duration) -> Refusal {
    Refusal {
        status: 429,
        code: "plugin_budget_exhausted",
        message: format!(
            "{whose} has spent its share of plugin execution time; retry after {} s",
            retry_after_secs(retry_after)
        ),
        retry_after,
    }
}

pub(super) fn busy(whose: &str, cap: u32) -> Refusal {
    Refusal {
        status: 429,
        code: "plugin_busy",
        message: format!("{whose} already runs {cap} plugin instances at once"),
        retry_after: Duration::from_secs(1),
    }
}

/// Whole seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}
