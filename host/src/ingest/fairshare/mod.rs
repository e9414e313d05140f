//! Fair share of the plugin sandbox: a CPU-time budget per webhook (and per uploaded plugin
//! across its webhooks), a cap on concurrent instances per webhook and per plugin, and a
//! circuit breaker that quarantines a plugin failing again and again on one webhook.
//!
//! A plugin that loops to its deadline or allocates to its limit fails its own request, but
//! without these it also spends the machine: every other webhook slows down. Each check here
//! runs before anything is instantiated, so a refusal costs microseconds. State is in memory,
//! per node (like the rate limiter).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

/// Settings of the fair-share checks (flags of `wasmhook serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct FairShareConfig {
    /// Plugin execution time each webhook earns per second, in ms (0 disables the budget).
    #[arg(long, env = "WASMHOOK_PLUGIN_CPU_MS_PER_SECOND", default_value_t = 200)]
    pub plugin_cpu_ms_per_second: u64,

    /// Plugin execution time a webhook may bank for bursts, in ms.
    #[arg(long, env = "WASMHOOK_PLUGIN_CPU_BURST_MS", default_value_t = 2_000)]
    pub plugin_cpu_burst_ms: u64,

    /// Execution time each uploaded plugin earns per second across all its webhooks, in ms
    /// (0 disables; built-in plugins are bounded per webhook only).
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_CPU_MS_PER_SECOND_PER_PLUGIN",
        default_value_t = 600
    )]
    pub plugin_cpu_ms_per_second_per_plugin: u64,

    /// Execution time an uploaded plugin may bank for bursts across its webhooks, in ms.
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_CPU_BURST_MS_PER_PLUGIN",
        default_value_t = 6_000
    )]
    pub plugin_cpu_burst_ms_per_plugin: u64,

    /// Plugin instances one webhook may run at once (0: no cap but the global one).
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_INSTANCES_PER_WEBHOOK",
        default_value_t = 8
    )]
    pub plugin_instances_per_webhook: u32,

    /// Instances of one uploaded plugin running at once across its webhooks (0: no cap).
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_INSTANCES_PER_PLUGIN",
        default_value_t = 24
    )]
    pub plugin_instances_per_plugin: u32,

    /// Consecutive timeouts, memory-limit hits or traps that quarantine a webhook's plugin
    /// (0 disables the breaker).
    #[arg(long, env = "WASMHOOK_PLUGIN_BREAKER_FAILURES", default_value_t = 5)]
    pub plugin_breaker_failures: u32,

    /// First quarantine, in ms; doubled each time a probe fails.
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_BREAKER_BACKOFF_MS",
        default_value_t = 30_000
    )]
    pub plugin_breaker_backoff_ms: u64,

    /// Longest quarantine, in ms.
    #[arg(
        long,
        env = "WASMHOOK_PLUGIN_BREAKER_BACKOFF_MAX_MS",
        default_value_t = 600_000
    )]
    pub plugin_breaker_backoff_max_ms: u64,
}

impl Default for FairShareConfig {
    /// The flags' defaults: the clap definitions above are their one source.
    fn default() -> Self {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            fair_share: FairShareConfig,
        }
        <Flags as clap::Parser>::parse_from(["wasmhook"]).fair_share
    }
}

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
    fn add(&mut self, code: &str) {
        match code {
            "plugin_budget_exhausted" => self.budget += 1,
            "plugin_busy" => self.busy += 1,
            _ => self.quarantined += 1,
        }
    }
}

/// A token bucket of execution time, in microseconds.
#[derive(Debug, Clone)]
struct Budget {
    balance_us: f64,
    at: Instant,
}

impl Budget {
    fn full(rate: &Rate, now: Instant) -> Self {
        Self {
            balance_us: rate.burst_us,
            at: now,
        }
    }

    fn refill(&mut self, rate: &Rate, now: Instant) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * rate.per_second_us;
        self.balance_us = (self.balance_us + earned).min(rate.burst_us);
        self.at = now;
    }

    /// How long until the balance is positive again.
    fn wait(&self, rate: &Rate) -> Duration {
        Duration::from_secs_f64((-self.balance_us).max(0.0) / rate.per_second_us)
    }
}

#[derive(Debug, Clone, Copy)]
struct Rate {
    per_second_us: f64,
    burst_us: f64,
}

impl Rate {
    fn new(ms_per_second: u64, burst_ms: u64) -> Option<Self> {
        (ms_per_second > 0).then(|| Self {
            per_second_us: ms_per_second as f64 * 1000.0,
            burst_us: burst_ms.max(1) as f64 * 1000.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Breaker {
    Closed { failures: u32 },
    Open { until: Instant, backoff: Duration },
    HalfOpen { probing: bool, backoff: Duration },
}

#[derive(Debug)]
struct WebhookShare {
    budget: Option<Budget>,
    instances: u32,
    breaker: Breaker,
    refused: RefusedCounts,
    last_recorded: Option<Instant>,
}

#[derive(Debug)]
struct PluginShare {
    budget: Option<Budget>,
    instances: u32,
}

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
            webhook_rate: Rate::new(config.plugin_cpu_ms_per_second, config.plugin_cpu_burst_ms),
            plugin_rate: Rate::new(
                config.plugin_cpu_ms_per_second_per_plugin,
                config.plugin_cpu_burst_ms_per_plugin,
            ),
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
                breaker: Breaker::Closed { failures: 0 },
                refused: RefusedCounts::default(),
                last_recorded: None,
            });
        // The breaker first: a quarantined plugin is refused whatever its budget.
        let mut probe = false;
        match w.breaker {
            Breaker::Open { until, .. } if now < until => {
                return Err(quarantined(until - now));
            }
            Breaker::Open { backoff, .. } => {
                w.breaker = Breaker::HalfOpen {
                    probing: false,
                    backoff,
                };
            }
            _ => {}
        }
        if let Breaker::HalfOpen { probing: true, .. } = w.breaker {
            return Err(quarantined(Duration::from_secs(1)));
        }
        if let (Some(rate), Some(budget)) = (&webhook_rate, &mut w.budget) {
            budget.refill(rate, now);
            if budget.balance_us <= 0.0 {
                return Err(budget_exhausted("this webhook", budget.wait(rate)));
            }
        }
        let cap = self.config.plugin_instances_per_webhook;
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
            let cap = self.config.plugin_instances_per_plugin;
            if cap > 0 && p.instances >= cap {
                return Err(busy("this plugin", cap));
            }
            p.instances += 1;
        }
        let w = shares
            .webhooks
            .get_mut(&webhook_id)
            .expect("inserted above");
        if let Breaker::HalfOpen { backoff, .. } = w.breaker {
            w.breaker = Breaker::HalfOpen {
                probing: true,
                backoff,
            };
            probe = true;
        }
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
        let threshold = self.config.plugin_breaker_failures;
        if threshold == 0 {
            return None;
        }
        let base = Duration::from_millis(self.config.plugin_breaker_backoff_ms.max(1));
        let max = Duration::from_millis(self.config.plugin_breaker_backoff_max_ms).max(base);
        match (verdict, &w.breaker) {
            (RunVerdict::Healthy, Breaker::HalfOpen { .. }) if ticket.probe => {
                w.breaker = Breaker::Closed { failures: 0 };
                None
            }
            (RunVerdict::Healthy, Breaker::Closed { .. }) => {
                w.breaker = Breaker::Closed { failures: 0 };
                None
            }
            (RunVerdict::Misbehaved, Breaker::HalfOpen { backoff, .. }) if ticket.probe => {
                let backoff = (*backoff * 2).min(max);
                w.breaker = Breaker::Open {
                    until: now + backoff,
                    backoff,
                };
                None
            }
            (RunVerdict::Misbehaved, Breaker::Closed { failures }) => {
                let failures = failures + 1;
                if failures >= threshold {
                    w.breaker = Breaker::Open {
                        until: now + base,
                        backoff: base,
                    };
                    Some(Quarantined {
                        failures,
                        backoff: base,
                    })
                } else {
                    w.breaker = Breaker::Closed { failures };
                    None
                }
            }
            // Runs admitted before the breaker opened end while it is open: they change nothing.
            _ => None,
        }
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
                Breaker::Closed { failures: 0 },
                RefusedCounts::default(),
            ),
        };
        let (name, failures, left) = match breaker {
            Breaker::Closed { failures } => ("closed", failures, None),
            Breaker::Open { until, .. } if now < until => (
                "open",
                self.config.plugin_breaker_failures,
                Some((until - now).as_secs_f64().ceil() as u64),
            ),
            Breaker::Open { .. } | Breaker::HalfOpen { .. } => {
                ("half_open", self.config.plugin_breaker_failures, None)
            }
        };
        ShareState {
            budget_ms: (budget_us / 1000.0 * 10.0).round() / 10.0,
            budget_refill_ms_per_second: rate.map(|_| self.config.plugin_cpu_ms_per_second),
            budget_burst_ms: rate.map(|_| self.config.plugin_cpu_burst_ms),
            instances,
            max_instances: self.config.plugin_instances_per_webhook,
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
            .filter(|w| matches!(w.breaker, Breaker::Open { until, .. } if now < until))
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
            !(w.instances == 0 && full && fresh && w.breaker == Breaker::Closed { failures: 0 })
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
            if let Breaker::HalfOpen {
                probing: true,
                backoff,
            } = w.breaker
                && self.probe
            {
                w.breaker = Breaker::HalfOpen {
                    probing: false,
                    backoff,
                };
            }
        }
    }
}

fn quarantined(retry_after: Duration) -> Refusal {
    Refusal {
        status: 503,
        code: "plugin_quarantined",
        message: "this webhook's plugin failed repeatedly (timeouts, memory limit or traps) and \
                  is quarantined; requests are refused until a probe succeeds"
            .into(),
        retry_after,
    }
}

fn budget_exhausted(whose: &str, retry_after: Duration) -> Refusal {
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

fn busy(whose: &str, cap: u32) -> Refusal {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FairShareConfig {
        FairShareConfig {
            plugin_cpu_ms_per_second: 100,
            plugin_cpu_burst_ms: 300,
            plugin_cpu_ms_per_second_per_plugin: 0,
            plugin_cpu_burst_ms_per_plugin: 0,
            plugin_instances_per_webhook: 2,
            plugin_instances_per_plugin: 0,
            plugin_breaker_failures: 3,
            plugin_breaker_backoff_ms: 1_000,
            plugin_breaker_backoff_max_ms: 4_000,
        }
    }

    #[test]
    fn defaults_come_from_the_flags() {
        let d = FairShareConfig::default();
        assert_eq!(d.plugin_cpu_ms_per_second, 200);
        assert_eq!(d.plugin_instances_per_webhook, 8);
        assert_eq!(d.plugin_breaker_failures, 5);
    }

    #[test]
    fn budget_is_charged_refused_when_spent_and_refilled() {
        let fs = FairShare::new(config());
        let (hook, t0) = (Uuid::now_v7(), Instant::now());
        // 300 ms banked: three runs of 100 ms spend it.
        for _ in 0..3 {
            let ticket = fs.admit(hook, None, t0).unwrap();
            fs.finish(ticket, Duration::from_millis(100), RunVerdict::Healthy, t0);
        }
        let refusal = fs.admit(hook, None, t0).unwrap_err();
        assert_eq!(
            (refusal.status, refusal.code),
            (429, "plugin_budget_exhausted")
        );
        assert!(refusal.retry_after <= Duration::from_millis(10));
        // A run that overdraws leaves a debt that takes time to repay.
        let t1 = t0 + Duration::from_millis(50);
        let ticket = fs.admit(hook, None, t1).unwrap();
        fs.finish(ticket, Duration::from_millis(205), RunVerdict::Healthy, t1);
        let refusal = fs.admit(hook, None, t1).unwrap_err();
        assert_eq!(retry_after_secs(refusal.retry_after), 2);
        assert!(
            fs.admit(hook, None, t1 + Duration::from_millis(2_100))
                .is_ok()
        );
        // Other webhooks are not affected.
        assert!(fs.admit(Uuid::now_v7(), None, t1).is_ok());
        assert_eq!(fs.state(hook, t1).refused.budget, 2);
    }

    #[test]
    fn instances_are_capped_per_webhook_and_per_plugin() {
        let fs = FairShare::new(FairShareConfig {
            plugin_instances_per_plugin: 3,
            ..config()
        });
        let (a, b, plugin, now) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Instant::now(),
        );
        let t1 = fs.admit(a, Some(plugin), now).unwrap();
        let _t2 = fs.admit(a, Some(plugin), now).unwrap();
        assert_eq!(
            fs.admit(a, Some(plugin), now).unwrap_err().code,
            "plugin_busy"
        );
        let _t3 = fs.admit(b, Some(plugin), now).unwrap();
        let refusal = fs.admit(b, Some(plugin), now).unwrap_err();
        assert!(refusal.message.contains("this plugin"), "{refusal:?}");
        // A finished (or dropped) run frees its slots.
        fs.finish(t1, Duration::ZERO, RunVerdict::Healthy, now);
        assert!(fs.admit(b, Some(plugin), now).is_ok());
        assert_eq!(fs.state(a, now).instances, 1);
    }

    #[test]
    fn breaker_opens_refuses_half_opens_and_closes() {
        let fs = FairShare::new(FairShareConfig {
            plugin_cpu_ms_per_second: 0,
            ..config()
        });
        let (hook, t0) = (Uuid::now_v7(), Instant::now());
        let fail = |now| {
            let ticket = fs.admit(hook, None, now).unwrap();
            fs.finish(ticket, Duration::ZERO, RunVerdict::Misbehaved, now)
        };
        assert_eq!(fail(t0), None);
        assert_eq!(fail(t0), None);
        assert_eq!(
            fail(t0),
            Some(Quarantined {
                failures: 3,
                backoff: Duration::from_secs(1)
            })
        );
        let refusal = fs.admit(hook, None, t0).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (503, "plugin_quarantined"));
        assert_eq!(fs.state(hook, t0).breaker, "open");
        // After the back-off, one probe at a time.
        let t1 = t0 + Duration::from_millis(1_001);
        let probe = fs.admit(hook, None, t1).unwrap();
        assert_eq!(
            fs.admit(hook, None, t1).unwrap_err().code,
            "plugin_quarantined"
        );
        // A failed probe doubles the back-off.
        assert_eq!(
            fs.finish(probe, Duration::ZERO, RunVerdict::Misbehaved, t1),
            None
        );
        assert!(
            fs.admit(hook, None, t1 + Duration::from_millis(1_500))
                .is_err()
        );
        let t2 = t1 + Duration::from_millis(2_001);
        let probe = fs.admit(hook, None, t2).unwrap();
        fs.finish(probe, Duration::ZERO, RunVerdict::Healthy, t2);
        assert_eq!(fs.state(hook, t2).breaker, "closed");
        assert!(fs.admit(hook, None, t2).is_ok());
    }

    #[test]
    fn healthy_runs_reset_the_failure_count() {
        let fs = FairShare::new(config());
        let (hook, now) = (Uuid::now_v7(), Instant::now());
        for verdict in [
            RunVerdict::Misbehaved,
            RunVerdict::Misbehaved,
            RunVerdict::Healthy,
            RunVerdict::Misbehaved,
            RunVerdict::Misbehaved,
        ] {
            let ticket = fs.admit(hook, None, now).unwrap();
            assert_eq!(fs.finish(ticket, Duration::ZERO, verdict, now), None);
        }
        assert_eq!(fs.state(hook, now).consecutive_failures, 2);
    }

    #[test]
    fn a_cancelled_probe_lets_the_next_request_probe() {
        let fs = FairShare::new(FairShareConfig {
            plugin_breaker_failures: 1,
            ..config()
        });
        let (hook, t0) = (Uuid::now_v7(), Instant::now());
        let ticket = fs.admit(hook, None, t0).unwrap();
        fs.finish(ticket, Duration::ZERO, RunVerdict::Misbehaved, t0);
        let t1 = t0 + Duration::from_secs(2);
        drop(fs.admit(hook, None, t1).unwrap());
        assert!(fs.admit(hook, None, t1).is_ok());
    }

    #[test]
    fn refusals_are_recorded_at_most_once_a_second_and_idle_state_is_forgotten() {
        let fs = FairShare::new(config());
        let (hook, t0) = (Uuid::now_v7(), Instant::now());
        assert!(fs.should_record(hook, t0));
        let ticket = fs.admit(hook, None, t0).unwrap();
        fs.finish(ticket, Duration::from_millis(10), RunVerdict::Healthy, t0);
        assert!(fs.should_record(hook, t0));
        assert!(!fs.should_record(hook, t0 + Duration::from_millis(500)));
        assert!(fs.should_record(hook, t0 + Duration::from_millis(1_000)));
        fs.shrink(t0 + Duration::from_secs(10));
        assert_eq!(fs.lock().webhooks.len(), 0);
    }
}
