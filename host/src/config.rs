//! Server configuration: the flags of `wasmhook serve`, each with an environment variable.
//!
//! The clap definitions, here and in the settings they flatten ([`StoreOptions`],
//! [`SandboxConfig`], [`FairShareConfig`], [`PushConfig`], [`NetworkConfig`],
//! [`OutgoingConfig`]), are the one source of every default: tests, benches and tools build a
//! `Config` with [`Config::from_args`], and every `Default` parses an empty command line
//! (`crate::flags`). README's Configuration table is checked against them.

mod http;
mod network;
mod push;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use http::HttpConfig;
pub use network::NetworkConfig;
pub use push::PushConfig;

pub use crate::ingest::fairshare::FairShareConfig;
pub use crate::outgoing::OutgoingConfig;
use crate::runtime::RuntimeLimits;
pub use crate::runtime::SandboxConfig;
pub use crate::store::StoreOptions;

/// Settings of `wasmhook serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "WASMHOOK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Log line format: `text` or `json` (one object per line).
    #[arg(long, env = "WASMHOOK_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: crate::telemetry::LogFormat,

    /// Base URL clients reach this server at, used in webhook URLs (default: http://BIND).
    #[arg(long, env = "WASMHOOK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// API token given to the bootstrap `admin` user on first start (else a random one is printed).
    #[arg(long, env = "WASMHOOK_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<String>,

    /// Largest accepted webhook request body, in bytes.
    #[arg(long, env = "WASMHOOK_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Requests per second each webhook may make on average (0 disables rate limiting).
    #[arg(long, env = "WASMHOOK_RATE_LIMIT_PER_SECOND", default_value_t = 50)]
    pub rate_limit_per_second: u32,

    /// Burst size of each webhook's rate-limit bucket.
    #[arg(long, env = "WASMHOOK_RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,

    /// Directory of the compiled-plugin cache (default: `cache/` beside a SQLite database,
    /// else ./wasmhook-data/cache).
    #[arg(long, env = "WASMHOOK_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Largest accepted plugin upload, in bytes.
    #[arg(long, env = "WASMHOOK_MAX_PLUGIN_BYTES", default_value_t = 40 * 1024 * 1024)]
    pub max_plugin_bytes: usize,

    /// Successful deliveries kept per webhook for inspection (failures are always kept).
    #[arg(long, env = "WASMHOOK_KEEP_DELIVERIES", default_value_t = 50)]
    pub keep_deliveries: u32,

    /// Events queued per live connection (WebSocket or SSE); a client further behind is
    /// disconnected and resumes from the messages API.
    #[arg(long, env = "WASMHOOK_LIVE_BUFFER", default_value_t = 256)]
    pub live_buffer: usize,

    /// Timeouts and connection limits of the HTTP listener, and `/metrics`.
    #[command(flatten, next_help_heading = "HTTP")]
    pub http: HttpConfig,

    /// Let every signed-in user create communities (by default only instance administrators,
    /// such as the bootstrap `admin`, may).
    #[arg(long, env = "WASMHOOK_ALLOW_COMMUNITY_CREATION")]
    pub allow_community_creation: bool,

    /// The database and its connection pool.
    #[command(flatten, next_help_heading = "Database")]
    pub db: StoreOptions,

    /// Limits of one plugin run, and how many run at once.
    #[command(flatten, next_help_heading = "Plugin sandbox")]
    pub sandbox: SandboxConfig,

    /// Fair share of the plugin sandbox: CPU budget, instance caps, circuit breaker.
    #[command(flatten, next_help_heading = "Fair share")]
    pub fair_share: FairShareConfig,

    /// Web Push delivery.
    #[command(flatten, next_help_heading = "Web Push")]
    pub push: PushConfig,

    /// Which addresses outgoing webhooks and Web Push may reach.
    #[command(flatten, next_help_heading = "Network")]
    pub network: NetworkConfig,

    /// Outgoing webhook delivery (#7).
    #[command(flatten, next_help_heading = "Outgoing webhooks")]
    pub outgoing: OutgoingConfig,
}

impl Config {
    /// The settings a server started with exactly these flags runs with (the `WASMHOOK_*`
    /// environment is ignored): how tests, benches and tools build a configuration, e.g.
    /// `Config::from_args(["--database", url, "--rate-limit-per-second", "0"])`.
    pub fn from_args<I>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        crate::flags::parse(args)
    }

    /// The sandbox limits these settings describe.
    pub fn runtime_limits(&self) -> RuntimeLimits {
        self.sandbox.limits()
    }

    /// Where compiled plugins are cached.
    pub fn resolved_cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        self.db.data_dir().join("cache")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use clap::{ArgAction, Args};

    use super::*;

    #[test]
    fn no_other_constructor_disagrees_with_the_flags() {
        let cfg = Config::from_args(["--database", "x.db"]).unwrap();
        let same = |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        };
        same(&cfg.runtime_limits(), &RuntimeLimits::default());
        same(&cfg.db, &StoreOptions::new("x.db"));
        same(&cfg.outgoing, &OutgoingConfig::default());
        same(&cfg.fair_share, &FairShareConfig::default());
        assert_eq!(cfg.resolved_cache_dir(), PathBuf::from("cache"));
        assert!(Config::from_args(["--plugin-timeout-ms", "soon"]).is_err());
    }

    /// Every flag of `wasmhook serve` has a row in README's Configuration table with its
    /// environment variable and, first in the default column, its default as clap has it
    /// (`off` for a switch); every row names a flag.
    #[test]
    fn the_readme_documents_every_flag_with_its_variable_and_default() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("README.md");
        let section = readme
            .split("\n## Configuration\n")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("a Configuration section");
        let mut rows = BTreeMap::new();
        for line in section.lines().filter(|l| l.starts_with("| `--")) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let [flag, env, default, ..] = cells[..] else {
                panic!("README row with too few cells: {line}");
            };
            let flag = flag.trim_matches('`').trim_start_matches("--").to_owned();
            rows.insert(flag, (env.trim_matches('`').to_owned(), default.to_owned()));
        }
        let command = Config::augment_args(clap::Command::new("wasmhook"));
        let mut checked = 0;
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let (env, documented) = rows
                .remove(long)
                .unwrap_or_else(|| panic!("README documents no --{long}"));
            let var = arg.get_env().and_then(|v| v.to_str());
            assert_eq!(Some(env.as_str()), var, "--{long}: variable");
            match (arg.get_action(), arg.get_default_values()) {
                (ArgAction::SetTrue, _) => {
                    assert!(documented.starts_with("off"), "--{long}: {documented}")
                }
                (_, []) => {}
                (_, [default, ..]) => {
                    let default = format!("`{}`", default.to_string_lossy());
                    assert!(
                        documented == default || documented.starts_with(&format!("{default} ")),
                        "--{long}: README says {documented}, the flag's default is {default}"
                    );
                }
            }
            checked += 1;
        }
        assert!(rows.is_empty(), "README rows naming no flag: {rows:?}");
        assert!(checked > 40, "{checked} flags");
    }
}
