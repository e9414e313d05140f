//! Server configuration: command-line flags, each with an environment variable.

use std::net::SocketAddr;

/// Settings of `wasmhook serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Database: a SQLite file path or `sqlite://PATH` URL.
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

    /// Maximum database connections used for reads.
    #[arg(long, env = "WASMHOOK_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
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
        }
    }
}
