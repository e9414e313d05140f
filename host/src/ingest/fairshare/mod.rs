//! Fair share of the plugin sandbox: a CPU-time budget per webhook (and per uploaded plugin
//! across its webhooks), a cap on concurrent instances per webhook and per plugin, and a
//! circuit breaker that quarantines a plugin failing again and again on one webhook.
//!
//! A plugin that loops to its deadline or allocates to its limit fails its own request, but
//! without these it also spends the machine: every other webhook slows down. Each check here
//! runs before anything is instantiated, so a refusal costs microseconds. State is in memory,
//! per node (like the rate limiter).

mod breaker;
mod budget;
mod config;
mod refusal;
mod state;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

pub use breaker::{Quarantined, RunVerdict};
pub use config::FairShareConfig;
pub use refusal::{Refusal, retry_after_secs};
pub use state::{RefusedCounts, ShareState};

use breaker::{Breaker, Policy};
use budget::{Budget, Rate};
use refusal::{budget_exhausted, busy, quarantined};

/// One webhook's share: its budget, running instances, breaker and refusals.
#[derive(Debug)]
struct WebhookShare {
    budget: Option<Budget>,
    instances: u32,
    breaker: Breaker,
    refused: RefusedCounts,
    last_recorded: Option<Instant>,
}

/// One uploaded plugin's share across its webhooks.
#[derive(Debug)]
struct PluginShare {
    budget: Option<Budget>,
    instances: u32,
}

/// Every share of the node, under one lock.
#[derive(Debug, Default)]
struct Shares {
    webhooks: HashMap<Uuid, WebhookShare>,
    plugins: HashMap<Uuid, PluginShare>,
    refused: RefusedCounts,
}

/// The fair-share checks of one node.
#[derive(Debug)]
pub struct FairShare {
    config: FairShareConfig,
    webhook_rate: Option<Rate>,
    plugin_rate: Option<Rate>,
    breaker: Option<Policy>,
    shares: Mutex<Shares>,
}

/// Admission of one plugin run; give it back with [`FairShare::finish`] (dropping it without
/// finishing, e.g. on a cancelled request, releases the instance slots and charges nothing).
#[derive(Debug)]
pub struct Ticket {
    share: Arc<FairShare>,
    webhook_id: Uuid,
    plugin_id: Option<Uuid>,
    probe: bool,
    done: bool,
}

impl FairShare {
    /// The checks these settings describe.
    pub fn new(config: FairShareConfig) -> Arc<Self> {
        Arc::new(Self {
            webhook_rate: Rate::new(config.cpu_ms_per_second, config.cpu_burst_ms),
            plugin_rate: Rate::new(
                config.cpu_ms_per_second_per_plugin,
                config.cpu_burst_ms_per_plugin,
            ),
            breaker: Policy::new(&config),
            config,
            shares: Mutex::new(Shares::default()),
        })
    }

    /// The settings.
    pub fn config(&self) -> &FairShareConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shares> {
        self.shares.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits a run of a webhook's plugin, or refuses it. `plugin_id` is the uploaded plugin
    /// to charge across webhooks (`None` for built-in plugins).
    pub fn admit(
        self: &Arc<Self>,
        webhook_id: Uuid,
        plugin_id: Option<Uuid>,
        now: Instant,
    ) -> Result<Ticket, Refusal> {
        let mut shares = self.lock();
        let result = self.admit_locked(&mut shares, webhook_id, plugin_id, now);
        if let Err(refusal) = &result {
            shares.refused.add(refusal.code);
            if let Some(w) = shares.webhooks.get_mut(&webhook_id) {
                w.refused.add(refusal.code);
            }
        }
        result
    }

    fn admit_locked(
        self: &Arc<Self>,
        shares: &mut Shares,
        webhook_id: Uuid,
        plugin_id: Option<Uuid>,
        now: Instant,
    ) -> Result<Ticket, Refusal> {
        let webhook_rate = self.webhook_rate;
        let w = shares
            .webhooks
            .entry(webhook_id)
            .or_insert_with(|| WebhookShare {
                budget: webhook_rate.as_ref().map(|r| Budget::full(r, now)),
                instances: 0,
                breaker: Breaker::closed(),
                refused: RefusedCounts::default(),
                last_recorded: None,
            });
        // The breaker first: a quarantined plugin is refused whatever its budget.
        w.breaker.check(now).map_err(quarantined)?;
        if let (Some(rate), Some(budget)) = (&webhook_rate, &mut w.budget) {
            budget.refill(rate, now);
            if budget.balance_us <= 0.0 {
                return Err(budget_exhausted("this webhook", budget.wait(rate)));
            }
        }
        let cap = self.config.instances_per_webhook;
        if cap > 0 && w.instances >= cap {
            return Err(busy("this webhook", cap));
        }
        if let Some(plugin_id) = plugin_id {
            let plugin_rate = self.plugin_rate;
            let p = shares
                .plugins
                .entry(plugin_id)
                .or_insert_with(|| PluginShare {
                    budget: plugin_rate.as_ref().map(|r| Budget::full(r, now)),
                    instances: 0,
                });
            if let (Some(rate), Some(budget)) = (&plugin_rate, &mut p.budget) {
                budget.refill(rate, now);
                if budget.balance_us <= 0.0 {
                    return Err(budget_exhausted("this plugin", budget.wait(rate)));
                }
            }
            let cap = self.config.instances_per_plugin;
            if cap > 0 && p.instances >= cap {
                return Err(busy("this plugin", cap));
            }
            p.instances += 1;
        }
        let w = shares
            .webhooks
            .get_mut(&webhook_id)
            .expect("inserted above");
        let probe = w.breaker.start_probe();
        w.instances += 1;
        Ok(Ticket {
            share: self.clone(),
            webhook_id,
            plugin_id,
            probe,
            done: false,
        })
    }

    /// Charges a finished run's execution time and tells the breaker how it went. Returns
    /// `Some` when this run put the plugin in quarantine (the owners are told once).
    pub fn finish(
        &self,
        mut ticket: Ticket,
        spent: Duration,
        verdict: RunVerdict,
        now: Instant,
    ) -> Option<Quarantined> {
        ticket.done = true;
        let mut shares = self.lock();
        let spent_us = spent.as_secs_f64() * 1e6;
        if let Some(p) = ticket.plugin_id.and_then(|id| shares.plugins.get_mut(&id)) {
            p.instances = p.instances.saturating_sub(1);
            if let (Some(rate), Some(budget)) = (&self.plugin_rate, &mut p.budget) {
                budget.refill(rate, now);
                budget.balance_us -= spent_us;
            }
        }
        let w = shares.webhooks.get_mut(&ticket.webhook_id)?;
        w.instances = w.instances.saturating_sub(1);
        if let (Some(rate), Some(budget)) = (&self.webhook_rate, &mut w.budget) {
            budget.refill(rate, now);
            budget.balance_us -= spent_us;
        }
        let policy = self.breaker.as_ref()?;
        w.breaker.record(verdict, ticket.probe, policy, now)
    }

    /// Whether a refusal of this webhook should be written to its delivery log now: at most
    /// one a second per webhook, so a flood of refusals cannot flood the log (every refusal
    /// is counted in the webhook's state).
    pub fn should_record(&self, webhook_id: Uuid, now: Instant) -> bool {
        let mut shares = self.lock();
        let Some(w) = shares.webhooks.get_mut(&webhook_id) else {
            return true;
        };
        if w.last_recorded
            .is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1))
        {
            return false;
        }
        w.last_recorded = Some(now);
        true
    }

    /// A webhook's state (as if fresh when it has not run a plugin lately).
    pub fn state(&self, webhook_id: Uuid, now: Instant) -> ShareState {
        let mut shares = self.lock();
        let rate = self.webhook_rate;
        let (budget_us, instances, breaker, refused) = match shares.webhooks.get_mut(&webhook_id) {
            Some(w) => {
                if let (Some(rate), Some(budget)) = (&rate, &mut w.budget) {
                    budget.refill(rate, now);
                }
                (
                    w.budget.as_ref().map_or(0.0, |b| b.balance_us),
                    w.instances,
                    w.breaker.clone(),
                    w.refused,
                )
            }
            None => (
                rate.map_or(0.0, |r| r.burst_us),
                0,
                Breaker::closed(),
                RefusedCounts::default(),
            ),
        };
        let (name, failures, left) = breaker.describe(now, self.config.breaker_failures);
        ShareState {
            budget_ms: (budget_us / 1000.0 * 10.0).round() / 10.0,
            budget_refill_ms_per_second: rate.map(|_| self.config.cpu_ms_per_second),
            budget_burst_ms: rate.map(|_| self.config.cpu_burst_ms),
            instances,
            max_instances: self.config.instances_per_webhook,
            breaker: name,
            consecutive_failures: failures,
            quarantined_for_secs: left,
            refused,
        }
    }

    /// Requests refused since start, by reason, and webhooks quarantined now.
    pub fn totals(&self, now: Instant) -> (RefusedCounts, usize) {
        let shares = self.lock();
        let open = shares
            .webhooks
            .values()
            .filter(|w| w.breaker.is_open(now))
            .count();
        (shares.refused, open)
    }

    /// Forgets idle webhooks and plugins whose state is back to a fresh one, bounding memory
    /// to recently active webhooks.
    pub fn shrink(&self, now: Instant) {
        let mut shares = self.lock();
        let (wr, pr) = (self.webhook_rate, self.plugin_rate);
        shares.webhooks.retain(|_, w| {
            if let (Some(rate), Some(budget)) = (&wr, &mut w.budget) {
                budget.refill(rate, now);
            }
            let full = match (&wr, &w.budget) {
                (Some(rate), Some(b)) => b.balance_us >= rate.burst_us,
                _ => true,
            };
            let fresh = w.refused == RefusedCounts::default();
            !(w.instances == 0 && full && fresh && w.breaker == Breaker::closed())
        });
        shares.plugins.retain(|_, p| {
            if let (Some(rate), Some(budget)) = (&pr, &mut p.budget) {
                budget.refill(rate, now);
            }
            let full = match (&pr, &p.budget) {
                (Some(rate), Some(b)) => b.balance_us >= rate.burst_us,
                _ => true,
            };
            !(p.instances == 0 && full)
        });
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut shares = self.share.lock();
        if let Some(p) = self.plugin_id.and_then(|id| shares.plugins.get_mut(&id)) {
            p.instances = p.instances.saturating_sub(1);
        }
        if let Some(w) = shares.webhooks.get_mut(&self.webhook_id) {
            w.instances = w.instances.saturating_sub(1);
            // A cancelled probe lets the next request probe instead.
            if self.probe {
                w.breaker.cancel_probe();
            }
        }
    }
}
