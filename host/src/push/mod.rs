//! Web Push for offline users: VAPID identity (RFC 8292), payload encryption (RFC 8291,
//! `aes128gcm`, by `web-push-native`) and the worker that drains the durable push queue.
//!
//! A mention of a user who has push enabled and no live connection enqueues one job per push
//! subscription, in the transaction that stores the mention. The worker of any node claims
//! due jobs with a lease, sends them, and then deletes the job (accepted, or the subscription
//! is gone: 404/410 also removes the subscription) or reschedules it with exponential backoff
//! (network errors, 429 honouring `Retry-After` in seconds or as a date, 5xx). Jobs survive
//! restarts: they are rows.

mod vapid;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use tokio::sync::Notify;
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

pub use vapid::Vapid;

use crate::net::retry_after;
use crate::net::ssrf::{NetworkPolicy, refusal};
use crate::store::{PushJob, Store};

/// How the worker retries and polls.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// First retry delay; doubled per attempt.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Attempts before a job is given up.
    pub max_attempts: u32,
    /// How often the queue is checked for due jobs (local mentions also wake the worker).
    pub poll: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
}

/// The push sender and queue worker of this node.
#[derive(Debug)]
pub struct Push {
    store: Store,
    vapid: Vapid,
    client: reqwest::Client,
    policy: NetworkPolicy,
    options: PushOptions,
    wake: Notify,
}

/// What one attempt came to.
enum Attempt {
    Delivered,
    /// The subscription no longer exists at its push service.
    Gone(StatusCode),
    /// Worth another try, after at least the given delay.
    Retry(String, Option<Duration>),
    /// Will never succeed (a 4xx other than 404/410/429, or a bad subscription).
    Rejected(String),
}

/// Jobs claimed per round.
const BATCH: u32 = 32;

impl Push {
    /// A sender with `vapid`'s identity. Push endpoints come from users, so requests go only
    /// where `policy` allows (the outgoing webhooks' SSRF protection: public addresses unless
    /// loopback or private networks are allowed, checked on the resolved address).
    pub fn new(
        store: Store,
        vapid: Vapid,
        options: PushOptions,
        policy: NetworkPolicy,
    ) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            store,
            vapid,
            client: policy.client(options.timeout),
            policy,
            options,
            wake: Notify::new(),
        }))
    }

    /// Which networks push endpoints may be on.
    pub fn policy(&self) -> NetworkPolicy {
        self.policy
    }

    /// The VAPID identity (its public key is what browsers subscribe with).
    pub fn vapid(&self) -> &Vapid {
        &self.vapid
    }

    /// Tells the worker new jobs may be due.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs the worker until `stop` becomes `true`; the batch in flight is finished and
    /// recorded first, so a graceful restart leaves no job waiting for its lease to expire.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        while !*stop.borrow() {
            let jobs = match self
                .store
                .claim_push_jobs(BATCH, self.options.timeout * 2)
                .await
            {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the push queue");
                    Vec::new()
                }
            };
            if jobs.is_empty() {
                tokio::select! {
                    _ = tokio::time::timeout(self.options.poll, self.wake.notified()) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            join_all(jobs.into_iter().map(|job| self.process(job))).await;
        }
    }

    async fn process(&self, job: PushJob) {
        let attempt = self.attempt(&job).await;
        crate::telemetry::push_attempt(match &attempt {
            Attempt::Delivered => "delivered",
            Attempt::Gone(_) => "gone",
            Attempt::Rejected(_) => "rejected",
            Attempt::Retry(..) => "failed",
        });
        let result = match attempt {
            Attempt::Delivered => {
                tracing::debug!(job = %job.id, "push delivered");
                self.store.finish_push_job(job.id).await
            }
            Attempt::Gone(status) => {
                tracing::info!(subscription = %job.subscription_id, %status, "push subscription expired; removed");
                self.store
                    .remove_push_subscription(job.subscription_id)
                    .await
            }
            Attempt::Rejected(error) => {
                tracing::warn!(job = %job.id, error, "push rejected; dropped");
                self.store.finish_push_job(job.id).await
            }
            Attempt::Retry(error, _) if job.attempts >= i64::from(self.options.max_attempts) => {
                tracing::warn!(job = %job.id, attempts = job.attempts, error, "push failed too often; dropped");
                self.store.finish_push_job(job.id).await
            }
            Attempt::Retry(error, retry_after) => {
                let delay = self
                    .backoff(job.attempts)
                    .max(retry_after.unwrap_or_default());
                tracing::info!(job = %job.id, attempts = job.attempts, error, ?delay, "push failed; will retry");
                self.store.retry_push_job(job.id, delay, &error).await
            }
        };
        if let Err(e) = result {
            // The lease expires and the job is tried again.
            tracing::error!(error = %e, job = %job.id, "cannot record a push attempt");
        }
    }

    /// The delay before attempt `attempts + 1`.
    fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(20);
        self.options
            .retry_base
            .saturating_mul(1 << exp)
            .min(self.options.retry_max)
    }

    async fn attempt(&self, job: &PushJob) -> Attempt {
        let request = match self.request(job) {
            Ok(request) => request,
            Err(e) => return Attempt::Rejected(e),
        };
        match self.client.execute(request).await {
            Err(e) => match refusal(&e) {
                // The endpoint's host resolves to a refused network: it never will work.
                Some(refused) => Attempt::Rejected(format!("endpoint {refused}")),
                None => Attempt::Retry(format!("sending: {e}"), None),
            },
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after::from_headers(response.headers());
                let body = response.text().await.unwrap_or_default();
                let error = format!("push service answered {status}: {}", truncate(&body, 200));
                match status {
                    s if s.is_success() => Attempt::Delivered,
                    StatusCode::NOT_FOUND | StatusCode::GONE => Attempt::Gone(status),
                    StatusCode::TOO_MANY_REQUESTS => Attempt::Retry(error, retry_after),
                    s if s.is_server_error() => Attempt::Retry(error, retry_after),
                    _ => Attempt::Rejected(error),
                }
            }
        }
    }

    /// The encrypted, VAPID-signed request for `job`.
    fn request(&self, job: &PushJob) -> Result<reqwest::Request, String> {
        let endpoint: axum::http::Uri =
            job.endpoint.parse().map_err(|e| format!("endpoint: {e}"))?;
        let ua_public =
            PublicKey::from_sec1_bytes(&job.p256dh).map_err(|e| format!("p256dh: {e}"))?;
        if job.auth.len() != 16 {
            return Err("auth secret is not 16 bytes".into());
        }
        let ua_auth = Auth::clone_from_slice(&job.auth);
        let encrypted = WebPushBuilder::new(endpoint, ua_public, ua_auth)
            .with_valid_duration(vapid::VALIDITY)
            .build(job.payload.as_bytes())
            .map_err(|e| format!("encrypting: {e}"))?;
        let authorization = self.vapid.authorization(&job.endpoint)?;
        let (parts, body) = encrypted.into_parts();
        let mut request = self
            .client
            .post(&job.endpoint)
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header("Urgency", "high")
            .body(body);
        for (name, value) in &parts.headers {
            request = request.header(name.as_str(), value.as_bytes());
        }
        request.build().map_err(|e| format!("request: {e}"))
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
