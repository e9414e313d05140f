//! The circuit breaker of one webhook's plugin: closed while it behaves, open (quarantined)
//! after too many consecutive misbehaving runs, half-open after the back-off, when one probe
//! run decides between closing it and a doubled back-off.

use std::time::{Duration, Instant};

use super::config::FairShareConfig;

/// How a plugin run ended, as the breaker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunVerdict {
    /// The plugin answered (messages, skip, a refusal of the payload, its own error).
    Healthy,
    /// A timeout, a memory-limit hit or a trap: the plugin is misbehaving.
    Misbehaved,
}

/// The breaker just opened: the owners should hear of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// Consecutive failures that opened it.
    pub failures: u32,
    /// How long requests are refused before a probe.
    pub backoff: Duration,
}

/// When the breaker opens and for how long.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    /// Consecutive misbehaving runs that open it.
    threshold: u32,
    /// First quarantine.
    base: Duration,
    /// Longest quarantine.
    max: Duration,
}

impl Policy {
    /// The policy of these settings; `None` when the breaker is off.
    pub(super) fn new(config: &FairShareConfig) -> Option<Self> {
        let base = Duration::from_millis(config.breaker_backoff_ms.max(1));
        (config.breaker_failures > 0).then(|| Self {
            threshold: config.breaker_failures,
            base,
            max: Duration::from_millis(config.breaker_backoff_max_ms).max(base),
        })
    }
}

/// A webhook's breaker.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Breaker {
    Closed { failures: u32 },
    Open { until: Instant, backoff: Duration },
    HalfOpen { probing: bool, backoff: Duration },
}

impl Breaker {
    /// Closed, with no failure counted: a fresh webhook's breaker.
    pub(super) fn closed() -> Self {
        Breaker::Closed { failures: 0 }
    }

    /// Before a run: the wait to refuse it with while quarantined or while a probe runs. An
    /// open breaker whose back-off is over half-opens.
    pub(super) fn check(&mut self, now: Instant) -> Result<(), Duration> {
        match *self {
            Breaker::Open { until, .. } if now < until => return Err(until - now),
            Breaker::Open { backoff, .. } => {
                *self = Breaker::HalfOpen {
                    probing: false,
                    backoff,
                };
            }
            _ => {}
        }
        if let Breaker::HalfOpen { probing: true, .. } = self {
            return Err(Duration::from_secs(1));
        }
        Ok(())
    }

    /// An admitted run: when half-open it is the probe (returns `true`), and no other run is
    /// admitted until it ends.
    pub(super) fn start_probe(&mut self) -> bool {
        if let Breaker::HalfOpen { backoff, .. } = *self {
            *self = Breaker::HalfOpen {
                probing: true,
                backoff,
            };
            return true;
        }
        false
    }

    /// A probe cancelled before its verdict: the next request probes instead.
    pub(super) fn cancel_probe(&mut self) {
        if let Breaker::HalfOpen {
            probing: true,
            backoff,
        } = *self
        {
            *self = Breaker::HalfOpen {
                probing: false,
                backoff,
            };
        }
    }

    /// A finished run's verdict. Returns `Some` when it opened the breaker.
    pub(super) fn record(
        &mut self,
        verdict: RunVerdict,
        probe: bool,
        policy: &Policy,
        now: Instant,
    ) -> Option<Quarantined> {
        match (verdict, &*self) {
            (RunVerdict::Healthy, Breaker::HalfOpen { .. }) if probe => {
                *self = Breaker::closed();
                None
            }
            (RunVerdict::Healthy, Breaker::Closed { .. }) => {
                *self = Breaker::closed();
                None
            }
            (RunVerdict::Misbehaved, Breaker::HalfOpen { backoff, .. }) if probe => {
                let backoff = (*backoff * 2).min(policy.max);
                *self = Breaker::Open {
                    until: now + backoff,
                    backoff,
                };
                None
            }
            (RunVerdict::Misbehaved, Breaker::Closed { failures }) => {
                let failures = failures + 1;
                if failures >= policy.threshold {
                    *self = Breaker::Open {
                        until: now + policy.base,
                        backoff: policy.base,
                    };
                    Some(Quarantined {
                        failures,
                        backoff: policy.base,
                    })
                } else {
                    *self = Breaker::Closed { failures };
                    None
                }
            }
            // Runs admitted before the breaker opened end while it is open: they change nothing.
            _ => None,
        }
    }

    /// Whether requests are refused now.
    pub(super) fn is_open(&self, now: Instant) -> bool {
        matches!(*self, Breaker::Open { until, .. } if now < until)
    }

    /// As `GET /api/webhooks/{id}` shows it: `closed`, `open` or `half_open`, the consecutive
    /// failures (the threshold once it opened) and the seconds of quarantine left.
    pub(super) fn describe(
        &self,
        now: Instant,
        threshold: u32,
    ) -> (&'static str, u32, Option<u64>) {
        match *self {
            Breaker::Closed { failures } => ("closed", failures, None),
            Breaker::Open { until, .. } if now < until => (
                "open",
                threshold,
                Some((until - now).as_secs_f64().ceil() as u64),
            ),
            Breaker::Open { .. } | Breaker::HalfOpen { .. } => ("half_open", threshold, None),
        }
    }
}
