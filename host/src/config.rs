//! Server configuration: command-line flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ingest::fairshare::FairShareConfig;
use crate::outgoing::OutgoingConfig;
use crate::runtime::RuntimeLimits;
use crate::store::StoreOptions;

/// Settings of `wasmhook serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Database: a SQLite file path, a `sqlite://PATH` URL, or a `postgres://` URL.
    #[arg(
        long,
        env = "WASMHOOK_DATABASE_URL",
        default_value = "./wasmhook-data/wasmhook.db"
    )]
    pub database: String,

    /// Address to listen on.
    #[arg(long, env = "WASMHOOK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

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

    /// Maximum database connections (the read pool on SQLite, the pool on PostgreSQL).
    #[arg(long, env = "WASMHOOK_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,

    /// How long a request waits for a database connection before answering 503, in ms.
    #[arg(long, env = "WASMHOOK_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5_000)]
    pub db_acquire_timeout_ms: u64,

    /// Longest a database statement may run (PostgreSQL statement_timeout; SQLite busy
    /// timeout), in ms.
    #[arg(
        long,
        env = "WASMHOOK_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub db_statement_timeout_ms: u64,

    /// Directory of the compiled-plugin cache (default: `cache/` beside a SQLite database,
    /// else ./wasmhook-data/cache).
    #[arg(long, env = "WASMHOOK_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Largest accepted plugin upload, in bytes.
    #[arg(long, env = "WASMHOOK_MAX_PLUGIN_BYTES", default_value_t = 40 * 1024 * 1024)]
    pub max_plugin_bytes: usize,

    /// Wall-clock limit of one plugin run, in milliseconds.
    #[arg(long, env = "WASMHOOK_PLUGIN_TIMEOUT_MS", default_value_t = 100)]
    pub plugin_timeout_ms: u64,

    /// Linear memory limit of one plugin instance, in MiB.
    #[arg(long, env = "WASMHOOK_PLUGIN_MEMORY_MIB", default_value_t = 32)]
    pub plugin_memory_mib: usize,

    /// Messages one plugin run may produce.
    #[arg(long, env = "WASMHOOK_PLUGIN_MAX_MESSAGES", default_value_t = 10)]
    pub plugin_max_messages: usize,

    /// Bytes of output one plugin run may produce.
    #[arg(long, env = "WASMHOOK_PLUGIN_MAX_OUTPUT_BYTES", default_value_t = 64 * 1024)]
    pub plugin_max_output_bytes: usize,

    /// Bytes of log (records, stdout, stderr) one plugin run may write.
    #[arg(long, env = "WASMHOOK_PLUGIN_MAX_LOG_BYTES", default_value_t = 16 * 1024)]
    pub plugin_max_log_bytes: usize,

    /// Plugin instances running at once (further requests wait).
    #[arg(long, env = "WASMHOOK_PLUGIN_CONCURRENCY", default_value_t = 64)]
    pub plugin_concurrency: u32,

    /// Plugin runs past their first 2 ms executing at once (0: one less than the cores, at
    /// least 1); the others wait their turn.
    #[arg(long, env = "WASMHOOK_PLUGIN_LONG_LANES", default_value_t = 0)]
    pub plugin_long_lanes: u32,

    /// Successful deliveries kept per webhook for inspection (failures are always kept).
    #[arg(long, env = "WASMHOOK_KEEP_DELIVERIES", default_value_t = 50)]
    pub keep_deliveries: u32,

    /// Events queued per live connection (WebSocket or SSE); a client further behind is
    /// disconnected and resumes from the messages API.
    #[arg(long, env = "WASMHOOK_LIVE_BUFFER", default_value_t = 256)]
    pub live_buffer: usize,

    /// Contact URI in VAPID tokens (`mailto:` or `https:`), for push services to reach the
    /// operator.
    #[arg(
        long,
        env = "WASMHOOK_VAPID_SUBJECT",
        default_value = "mailto:admin@localhost"
    )]
    pub vapid_subject: String,

    /// Accept plain-http push endpoints (for a local test push service; browsers use https).
    #[arg(long, env = "WASMHOOK_PUSH_ALLOW_HTTP")]
    pub push_allow_http: bool,

    /// First Web Push retry delay in ms, doubled per failed attempt.
    #[arg(long, env = "WASMHOOK_PUSH_RETRY_BASE_MS", default_value_t = 5_000)]
    pub push_retry_base_ms: u64,

    /// Longest Web Push retry delay, in ms.
    #[arg(long, env = "WASMHOOK_PUSH_RETRY_MAX_MS", default_value_t = 3_600_000)]
    pub push_retry_max_ms: u64,

    /// Attempts before a Web Push message is given up (about a day with the default delays).
    #[arg(long, env = "WASMHOOK_PUSH_MAX_ATTEMPTS", default_value_t = 30)]
    pub push_max_attempts: u32,

    /// How often each node checks the push queue for due messages, in ms.
    #[arg(long, env = "WASMHOOK_PUSH_POLL_MS", default_value_t = 1_000)]
    pub push_poll_ms: u64,
    /// Outgoing webhook delivery (#7).
    #[command(flatten)]
    pub outgoing: OutgoingConfig,

    /// Fair share of the plugin sandbox: CPU budget, instance caps, circuit breaker.
    #[command(flatten)]
    pub fair_share: FairShareConfig,
}

impl Config {
    /// A configuration with every default, for the given database (used by tests and tools).
    pub fn with_database(database: impl Into<String>) -> Self {
        Self {
            database: database.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            bootstrap_token: None,
            max_body_bytes: 1024 * 1024,
            rate_limit_per_second: 50,
            rate_limit_burst: 200,
            db_max_connections: 8,
            db_acquire_timeout_ms: 5_000,
            db_statement_timeout_ms: 10_000,
            cache_dir: None,
            max_plugin_bytes: 40 * 1024 * 1024,
            plugin_timeout_ms: 100,
            plugin_memory_mib: 32,
            plugin_max_messages: 10,
            plugin_max_output_bytes: 64 * 1024,
            plugin_max_log_bytes: 16 * 1024,
            plugin_concurrency: 64,
            plugin_long_lanes: 0,
            keep_deliveries: 50,
            outgoing: OutgoingConfig::default(),
            fair_share: FairShareConfig::default(),
            live_buffer: 256,
            vapid_subject: "mailto:admin@localhost".into(),
            push_allow_http: false,
            push_retry_base_ms: 5_000,
            push_retry_max_ms: 3_600_000,
            push_max_attempts: 30,
            push_poll_ms: 1_000,
        }
    }

    /// The Web Push worker's schedule.
    pub fn push_options(&self) -> crate::push::PushOptions {
        crate::push::PushOptions {
            retry_base: Duration::from_millis(self.push_retry_base_ms),
            retry_max: Duration::from_millis(self.push_retry_max_ms),
            max_attempts: self.push_max_attempts.max(1),
            poll: Duration::from_millis(self.push_poll_ms.max(10)),
            timeout: Duration::from_secs(10),
        }
    }

    /// The sandbox limits these settings describe.
    pub fn runtime_limits(&self) -> RuntimeLimits {
        RuntimeLimits {
            timeout: Duration::from_millis(self.plugin_timeout_ms),
            memory_bytes: self.plugin_memory_mib << 20,
            max_messages: self.plugin_max_messages,
            max_output_bytes: self.plugin_max_output_bytes,
            max_log_bytes: self.plugin_max_log_bytes,
            max_concurrency: self.plugin_concurrency.max(1),
            long_lanes: self.plugin_long_lanes,
        }
    }

    /// The store options these settings describe.
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            url: self.database.clone(),
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        }
    }

    /// Where compiled plugins are cached.
    pub fn resolved_cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        let db = self.database.trim();
        if !db.contains("://") || db.starts_with("sqlite:") {
            let path = db
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(path).parent() {
                return parent.join("cache");
            }
        }
        PathBuf::from("./wasmhook-data/cache")
    }
}
