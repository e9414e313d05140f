//! The execute pipeline shared by every webhook path: token lookup, rate limit, message
//! validation, and storage with mention resolution. HTTP specifics stay in `http::execute`.

pub mod dialect;
pub mod fairshare;
pub mod plugin;
pub mod ratelimit;
pub mod tokens;
pub mod validate;

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use uuid::Uuid;

use crate::store::{NewMessage, Store, StoreError, StoredMessage, WebhookTarget};
pub use dialect::Dialect;
use fairshare::{FairShare, FairShareConfig};
use ratelimit::RateLimiter;
use tokens::TokenCache;

tokio::task_local! {
    /// The webhook whose token the request being served was accepted for.
    static ACCEPTED_WEBHOOK: Cell<Option<Uuid>>;
}

/// Runs `request`, returning with its output the id of the webhook whose token it presented,
/// if one was found (for the log line of a rejected request: the id, never the token).
pub async fn noting_webhook<F: Future>(request: F) -> (F::Output, Option<Uuid>) {
    ACCEPTED_WEBHOOK
        .scope(Cell::new(None), async {
            let output = request.await;
            (output, ACCEPTED_WEBHOOK.with(Cell::get))
        })
        .await
}

/// Limits of the execute path.
#[derive(Debug, Clone)]
pub struct IngestLimits {
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Token-bucket refill per webhook per second (0 disables limiting).
    pub rate_per_second: u32,
    /// Token-bucket size per webhook.
    pub rate_burst: u32,
}

/// The pipeline's shared state.
#[derive(Debug)]
pub struct Ingest {
    store: Store,
    tokens: TokenCache,
    rate: RateLimiter,
    fair_share: Arc<FairShare>,
    limits: IngestLimits,
}

impl Ingest {
    /// Creates the pipeline over a store.
    pub fn new(store: Store, limits: IngestLimits, fair_share: FairShareConfig) -> Arc<Self> {
        let single_node = store.postgres_pool().is_none();
        Arc::new(Self {
            store,
            // With PostgreSQL, other nodes change webhooks too: cache only while their change
            // notifications are being received (see `crate::cluster`).
            tokens: TokenCache::new(single_node),
            rate: RateLimiter::new(limits.rate_per_second, limits.rate_burst),
            fair_share: FairShare::new(fair_share),
            limits,
        })
    }

    /// The configured limits.
    pub fn limits(&self) -> &IngestLimits {
        &self.limits
    }

    /// The active webhook a token belongs to.
    pub async fn webhook_for_token(
        &self,
        token: &str,
    ) -> Result<Option<Arc<WebhookTarget>>, StoreError> {
        let target = self.tokens.lookup(&self.store, token).await?;
        if let Some(target) = &target {
            let _ = ACCEPTED_WEBHOOK.try_with(|id| id.set(Some(target.id)));
        }
        Ok(target)
    }

    /// Forgets a changed webhook (the store reports this node's changes, `cluster` other
    /// nodes').
    pub fn forget_webhook(&self, webhook_id: Uuid) {
        self.tokens.invalidate(webhook_id);
    }

    /// The cache of tokens, for the change listener.
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    /// Takes one request from the webhook's rate-limit bucket, or returns the wait.
    pub fn check_rate(&self, webhook_id: Uuid) -> Result<(), std::time::Duration> {
        self.rate.check(webhook_id)
    }

    /// The plugin sandbox's fair-share checks (CPU budget, instance caps, breaker).
    pub fn fair_share(&self) -> &Arc<FairShare> {
        &self.fair_share
    }

    /// Periodic housekeeping: forgets idle rate-limit buckets and fair-share state.
    pub fn housekeeping(&self) {
        self.rate.shrink();
        self.fair_share.shrink(std::time::Instant::now());
    }

    /// Stores validated messages (with mentions and notifications) in one transaction.
    pub async fn post(
        &self,
        target: &WebhookTarget,
        messages: &[NewMessage],
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.store.post_webhook_messages(target, messages).await
    }
}
