//! The fair-share flags of `wasmhook serve`: CPU budgets, instance caps and the breaker.

/// Settings of the fair-share checks (flags of `wasmhook serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct FairShareConfig {
    /// Plugin execution time each webhook earns per second, in ms (0 disables the budget).
    #[arg(
        id = "PLUGIN_CPU_MS_PER_SECOND",
        long = "plugin-cpu-ms-per-second",
        env = "WASMHOOK_PLUGIN_CPU_MS_PER_SECOND",
        default_value_t = 200
    )]
    pub cpu_ms_per_second: u64,

    /// Plugin execution time a webhook may bank for bursts, in ms.
    #[arg(
        id = "PLUGIN_CPU_BURST_MS",
        long = "plugin-cpu-burst-ms",
        env = "WASMHOOK_PLUGIN_CPU_BURST_MS",
        default_value_t = 2_000
    )]
    pub cpu_burst_ms: u64,

    /// Execution time each uploaded plugin earns per second across all its webhooks, in ms
    /// (0 disables; built-in plugins are bounded per webhook only).
    #[arg(
        id = "PLUGIN_CPU_MS_PER_SECOND_PER_PLUGIN",
        long = "plugin-cpu-ms-per-second-per-plugin",
        env = "WASMHOOK_PLUGIN_CPU_MS_PER_SECOND_PER_PLUGIN",
        default_value_t = 600
    )]
    pub cpu_ms_per_second_per_plugin: u64,

    /// Execution time an uploaded plugin may bank for bursts across its webhooks, in ms.
    #[arg(
        id = "PLUGIN_CPU_BURST_MS_PER_PLUGIN",
        long = "plugin-cpu-burst-ms-per-plugin",
        env = "WASMHOOK_PLUGIN_CPU_BURST_MS_PER_PLUGIN",
        default_value_t = 6_000
    )]
    pub cpu_burst_ms_per_plugin: u64,

    /// Plugin instances one webhook may run at once (0: no cap but the global one).
    #[arg(
        id = "PLUGIN_INSTANCES_PER_WEBHOOK",
        long = "plugin-instances-per-webhook",
        env = "WASMHOOK_PLUGIN_INSTANCES_PER_WEBHOOK",
        default_value_t = 8
    )]
    pub instances_per_webhook: u32,

    /// Instances of one uploaded plugin running at once across its webhooks (0: no cap).
    #[arg(
        id = "PLUGIN_INSTANCES_PER_PLUGIN",
        long = "plugin-instances-per-plugin",
        env = "WASMHOOK_PLUGIN_INSTANCES_PER_PLUGIN",
        default_value_t = 24
    )]
    pub instances_per_plugin: u32,

    /// Consecutive timeouts, memory-limit hits or traps that quarantine a webhook's plugin
    /// (0 disables the breaker).
    #[arg(
        id = "PLUGIN_BREAKER_FAILURES",
        long = "plugin-breaker-failures",
        env = "WASMHOOK_PLUGIN_BREAKER_FAILURES",
        default_value_t = 5
    )]
    pub breaker_failures: u32,

    /// First quarantine, in ms; doubled each time a probe fails.
    #[arg(
        id = "PLUGIN_BREAKER_BACKOFF_MS",
        long = "plugin-breaker-backoff-ms",
        env = "WASMHOOK_PLUGIN_BREAKER_BACKOFF_MS",
        default_value_t = 30_000
    )]
    pub breaker_backoff_ms: u64,

    /// Longest quarantine, in ms.
    #[arg(
        id = "PLUGIN_BREAKER_BACKOFF_MAX_MS",
        long = "plugin-breaker-backoff-max-ms",
        env = "WASMHOOK_PLUGIN_BREAKER_BACKOFF_MAX_MS",
        default_value_t = 600_000
    )]
    pub breaker_backoff_max_ms: u64,
}

impl Default for FairShareConfig {
    /// The flags' defaults: the clap definitions above are their one source.
    fn default() -> Self {
        crate::flags::defaults()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_flags() {
        let d = FairShareConfig::default();
        assert_eq!(d.cpu_ms_per_second, 200);
        assert_eq!(d.instances_per_webhook, 8);
        assert_eq!(d.breaker_failures, 5);
    }
}
