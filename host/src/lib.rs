//! wasmhook: a self-hosted chat platform's webhook service.
//!
//! External systems post to a webhook URL whose token is the only credential, in one of three
//! native dialects; every message goes through the same validation, mention resolution and
//! storage. `serve` runs the whole server on a bound listener.

pub mod bootstrap;
pub mod builtins;
pub mod cli;
pub mod cluster;
pub mod compat;
pub mod config;
pub mod deploy;
pub mod flags;
pub mod heap;
pub mod http;
pub mod ingest;
pub mod live;
pub mod markdown;
pub mod mentions;
pub mod model;
pub mod net;
pub mod outbox;
pub mod outgoing;
pub mod plugin_cli;
pub mod push;
pub mod runtime;
pub mod scaffold;
pub mod secrets;
pub mod store;
pub mod telemetry;
pub mod web;

use std::future::Future;
use std::sync::Arc;

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
    let store = Store::open(&cfg.db)
        .await
        .with_context(|| format!("opening database {}", store::redacted_url(&cfg.db.url)))?;
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
    let public_url = public_url.trim_end_matches('/').to_owned();
    web::announce(&store, &public_url, local).await?;
    let ingest = Ingest::new(
        store.clone(),
        IngestLimits {
            max_body_bytes: cfg.max_body_bytes,
            rate_per_second: cfg.rate_limit_per_second,
            rate_burst: cfg.rate_limit_burst,
        },
        cfg.fair_share.clone(),
    );
    let hub = live::Hub::new(store.clone(), cfg.live_buffer);
    let (live_tx, live_rx) = tokio::sync::mpsc::unbounded_channel();
    let vapid = push::Vapid::new(
        &store
            .secret("vapid_private_key")
            .await
            .context("reading the VAPID key")?,
        cfg.push.vapid_subject.clone(),
    )?;
    let pusher = push::Push::new(
        store.clone(),
        vapid,
        cfg.push.options(),
        cfg.network.policy(),
    )?;
    let (stop_push, push_stopped) = tokio::sync::watch::channel(false);
    let mut push_worker = tokio::spawn(pusher.clone().run(push_stopped));
    let (posts_tx, posts_rx) = tokio::sync::mpsc::unbounded_channel();
    store.set_post_sink(posts_tx);
    store.on_webhook_changed({
        let ingest = Arc::downgrade(&ingest);
        move |id| {
            if let Some(ingest) = ingest.upgrade() {
                ingest.forget_webhook(id);
            }
        }
    });
    store.on_notices_created({
        let hub = Arc::downgrade(&hub);
        move |notices| {
            if let Some(hub) = hub.upgrade() {
                live::notices_created(&hub, notices);
            }
        }
    });
    store.on_roles_changed({
        let hub = Arc::downgrade(&hub);
        move |community_id| {
            if let Some(hub) = hub.upgrade() {
                hub.managers().forget(community_id);
            }
        }
    });
    let mut tasks = vec![
        tokio::spawn(forward_posts(posts_rx, live_tx.clone(), pusher.clone())),
        tokio::spawn(live::run(hub.clone(), store.clone(), live_rx)),
        tokio::spawn(housekeeping(ingest.clone(), store.clone())),
    ];
    if let Some(pool) = store.postgres_pool().cloned() {
        tasks.push(tokio::spawn(cluster::listen(
            pool,
            ingest.clone(),
            hub.clone(),
            live_tx,
        )));
    }
    let cache_key = store
        .secret("compiled_plugin_cache_key")
        .await
        .context("reading the cache key")?;
    let mut limits = cfg.runtime_limits();
    if limits.compiler.is_none() {
        // Compiling in a child process returns the compiler's memory when it exits.
        limits.compiler = Some(std::env::current_exe().context("locating the wasmhook binary")?);
    }
    let plugins = runtime::PluginEngine::new(limits, cfg.resolved_cache_dir(), cache_key)
        .context("starting the plugin runtime")?;
    let outbound = Arc::new(outbox::Outbound::new(
        cfg.outgoing.clone(),
        cfg.network.policy(),
    ));
    let (stop_outgoing, outgoing_stopped) = tokio::sync::watch::channel(false);
    let mut outgoing_worker = tokio::spawn(outbox::run(
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
        allow_community_creation: cfg.allow_community_creation,
        live: hub.clone(),
        push: pusher,
        push_allow_http: cfg.push.allow_http,
        outgoing: outbound,
        serve_metrics: !cfg.http.disable_metrics,
    };
    if state.serve_metrics {
        telemetry::metrics();
    }
    tracing::info!(%local, "wasmhook listening");
    // Live connections never end by themselves: close them when shutdown begins, or the
    // graceful shutdown would wait for every SSE stream forever.
    let shutdown = async move {
        shutdown.await;
        hub.close_all();
    };
    let result =
        http::server::serve(listener, http::router(state), cfg.http.clone(), shutdown).await;
    for task in tasks {
        task.abort();
    }
    // Let the push worker record the attempts it is making (bounded by its HTTP timeout).
    let _ = stop_push.send(true);
    let push_drain = cfg.push.options().timeout + std::time::Duration::from_secs(1);
    if tokio::time::timeout(push_drain, &mut push_worker)
        .await
        .is_err()
    {
        push_worker.abort();
        tracing::warn!("push deliveries still running at shutdown; their claims will expire");
    }
    // Let the outgoing worker record the attempts it is making (bounded by the HTTP timeout).
    let _ = stop_outgoing.send(true);
    let drain = cfg.outgoing.timeout() * 4 + std::time::Duration::from_secs(1);
    if tokio::time::timeout(drain, &mut outgoing_worker)
        .await
        .is_err()
    {
        outgoing_worker.abort();
        tracing::warn!("outgoing deliveries still running at shutdown; their claims will expire");
    }
    if let Err(e) = store.clear_presence().await {
        tracing::warn!(error = %e, "cannot clear this node's presence rows");
    }
    store.close().await;
    result.context("serving HTTP")
}

/// Hands each committed post to live delivery, and wakes the push worker when it mentioned
/// someone (who may be offline).
async fn forward_posts(
    mut posts: tokio::sync::mpsc::UnboundedReceiver<store::Posted>,
    live: tokio::sync::mpsc::UnboundedSender<live::Input>,
    pusher: Arc<push::Push>,
) {
    while let Some(posted) = posts.recv().await {
        if !posted.notifications.is_empty() {
            pusher.wake();
        }
        if live.send(live::Input::Local(posted)).is_err() {
            return;
        }
    }
}

/// Periodic upkeep: rate-limiter buckets, and this node's presence heartbeat.
async fn housekeeping(ingest: Arc<Ingest>, store: Store) {
    let mut tick = tokio::time::interval(store::PRESENCE_HEARTBEAT);
    let mut ticks = 0u32;
    loop {
        tick.tick().await;
        ticks += 1;
        if ticks.is_multiple_of(2) {
            ingest.housekeeping();
        }
        if let Err(e) = store.presence_heartbeat().await {
            tracing::warn!(error = %e, "presence heartbeat failed");
        }
    }
}
