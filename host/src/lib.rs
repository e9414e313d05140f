//! wasmhook: a self-hosted chat platform's webhook service.
//!
//! External systems post to a webhook URL whose token is the only credential, in one of three
//! native dialects; every message goes through the same validation, mention resolution and
//! storage. `serve` runs the whole server on a bound listener.

pub mod bootstrap;
pub mod builtins;
pub mod cli;
pub mod config;
pub mod http;
pub mod ingest;
pub mod mentions;
pub mod outgoing;
pub mod plugin_cli;
pub mod runtime;
pub mod secrets;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;
use ingest::{Ingest, IngestLimits};
use store::Store;

/// Runs the server on `listener` until the process ends.
pub async fn serve(cfg: Config, listener: TcpListener) -> anyhow::Result<()> {
    serve_until(cfg, listener, std::future::pending()).await
}

/// Runs the server on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn serve_until(
    cfg: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Store::open(&cfg.store_options())
        .await
        .with_context(|| format!("opening database {}", store::redacted_url(&cfg.database)))?;
    if let Some(token) = bootstrap::bootstrap(&store, &cfg)
        .await
        .context("bootstrapping the database")?
    {
        eprintln!("wasmhook: created user `admin` with API token (shown once, keep it): {token}");
    }
    builtins::register(&store)
        .await
        .context("registering the built-in plugins")?;
    let local = listener
        .local_addr()
        .context("reading the listener address")?;
    let public_url = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let ingest = Ingest::new(
        store.clone(),
        IngestLimits {
            max_body_bytes: cfg.max_body_bytes,
            rate_per_second: cfg.rate_limit_per_second,
            rate_burst: cfg.rate_limit_burst,
        },
    );
    let change_listener = store
        .postgres_pool()
        .cloned()
        .map(|pool| tokio::spawn(ingest::changes::listen(pool, ingest.clone())));
    let housekeeping = tokio::spawn({
        let ingest = ingest.clone();
        async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                ingest.housekeeping();
            }
        }
    });
    let cache_key = store
        .secret("compiled_plugin_cache_key")
        .await
        .context("reading the cache key")?;
    let plugins =
        runtime::PluginEngine::new(cfg.runtime_limits(), cfg.resolved_cache_dir(), cache_key)
            .context("starting the plugin runtime")?;
    let outbound = Arc::new(outgoing::worker::Outbound::new(cfg.outgoing.clone()));
    let (stop_outgoing, outgoing_stopped) = tokio::sync::watch::channel(false);
    let mut outgoing_worker = tokio::spawn(outgoing::worker::run(
        store.clone(),
        outbound.clone(),
        outgoing_stopped,
    ));
    let state = http::AppState {
        store: store.clone(),
        ingest,
        plugins,
        public_url: Arc::from(public_url.trim_end_matches('/')),
        max_plugin_bytes: cfg.max_plugin_bytes,
        keep_deliveries: cfg.keep_deliveries,
        outgoing: outbound,
    };
    tracing::info!(%local, "wasmhook listening");
    let result = axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    // Let the outgoing worker record the attempts it is making (bounded by the HTTP timeout).
    let _ = stop_outgoing.send(true);
    let drain = cfg.outgoing.timeout() * 4 + Duration::from_secs(1);
    if tokio::time::timeout(drain, &mut outgoing_worker)
        .await
        .is_err()
    {
        outgoing_worker.abort();
        tracing::warn!("outgoing deliveries still running at shutdown; their claims will expire");
    }
    if let Some(listener) = change_listener {
        listener.abort();
    }
    store.close().await;
    result.context("serving HTTP")
}
