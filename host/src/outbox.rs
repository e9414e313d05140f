//! The outbox worker: claims due outgoing deliveries from the store, sends each once through
//! [`crate::outgoing`], and records the outcome with the retry schedule. Every node runs one;
//! on PostgreSQL the claims keep them from sending the same delivery twice. [`Outbound`], the
//! guarded sender, is shared with the "test" action of the API.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::net::ssrf::NetworkPolicy;
use crate::outgoing::config::OutgoingConfig;
use crate::outgoing::im::{Credentials, send_direct_message};
use crate::outgoing::payloads;
use crate::outgoing::send::{self, Attempt, Verdict};
use crate::outgoing::summary::Summary;
use crate::outgoing::targets::{EventView, render};
use crate::store::{AttemptRecord, Finish, OutgoingJob, OutgoingWebhook, Store, StoreError};

/// What sending needs: the guarded client and the settings. Shared by the worker and the
/// "test" action.
#[derive(Debug)]
pub struct Outbound {
    /// Settings.
    pub cfg: OutgoingConfig,
    /// Which addresses may be reached.
    pub policy: NetworkPolicy,
    /// The SSRF-guarded client.
    pub client: reqwest::Client,
}

impl Outbound {
    /// A sender for these settings, reaching only the addresses `policy` allows.
    pub fn new(cfg: OutgoingConfig, policy: NetworkPolicy) -> Self {
        let client = policy.client(cfg.timeout());
        Outbound {
            cfg,
            policy,
            client,
        }
    }

    /// Sends the sample event to an outgoing webhook now (the "test" action); records nothing.
    pub async fn send_test(&self, webhook: &OutgoingWebhook) -> Attempt {
        let data = payloads::test_event_data(webhook.community_id, webhook.id, &webhook.name);
        let view = EventView {
            id: Uuid::now_v7(),
            kind: crate::outgoing::events::TEST_EVENT,
            created_at: crate::store::now(),
            data: &data,
        };
        match render(
            webhook.target,
            &webhook.url,
            webhook.secret.as_deref(),
            &view,
            Utc::now(),
        ) {
            Ok(prepared) => send::post(&self.client, self.policy, webhook.target, prepared).await,
            Err(e) => Attempt::failed(Verdict::Fail, e.to_string(), Duration::ZERO),
        }
    }

    /// One attempt at a claimed delivery.
    async fn attempt(&self, job: &OutgoingJob) -> Attempt {
        let data: Value = serde_json::from_str(&job.payload).unwrap_or(Value::Null);
        if let (Some(target), Some(url)) = (job.target, job.url.as_deref()) {
            let view = EventView {
                id: job.event_id,
                kind: &job.event_type,
                created_at: job.event_created_at,
                data: &data,
            };
            return match render(target, url, job.secret.as_deref(), &view, Utc::now()) {
                Ok(prepared) => send::post(&self.client, self.policy, target, prepared).await,
                Err(e) => Attempt::failed(Verdict::Fail, e.to_string(), Duration::ZERO),
            };
        }
        let (Some(provider), Some(settings), Some(email)) = (
            job.provider,
            job.im_settings.as_deref(),
            job.recipient_email.as_deref(),
        ) else {
            return Attempt::failed(
                Verdict::Fail,
                "the community has no IM integration (or the recipient is gone)",
                Duration::ZERO,
            );
        };
        let settings: Value = serde_json::from_str(settings).unwrap_or(Value::Null);
        let credentials = match Credentials::parse(provider, settings) {
            Ok(c) => c,
            Err(e) => return Attempt::failed(Verdict::Fail, e.message, Duration::ZERO),
        };
        let summary = Summary::of(&job.event_type, &data);
        send_direct_message(
            &self.client,
            self.policy,
            &credentials,
            job.im_base_url.as_deref(),
            email,
            &summary,
        )
        .await
    }

    /// What an attempt means for the delivery, given the attempts made so far.
    fn record(&self, job: &OutgoingJob, attempt: &Attempt) -> AttemptRecord {
        let schedule = self.cfg.schedule();
        let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let finish = match attempt.verdict {
            Verdict::Delivered => Finish::Delivered,
            Verdict::Fail => Finish::Failed,
            Verdict::Retry if schedule.exhausted(attempts) => Finish::Failed,
            Verdict::Retry => {
                let delay = match attempt.retry_after {
                    Some(after) => after.min(schedule.max),
                    None => schedule.delay_after(attempts, rand::rng().random::<f64>()),
                };
                let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
                Finish::RetryAt(Utc::now().timestamp_millis().saturating_add(delay_ms))
            }
        };
        AttemptRecord {
            finish,
            status: attempt.status,
            latency_ms: i64::try_from(attempt.latency.as_millis()).unwrap_or(i64::MAX),
            error: attempt.error.clone(),
        }
    }
}

/// Runs the worker until `stop` turns true; a batch being sent is finished first, so a
/// graceful shutdown records every attempt it made (a crash leaves claims to expire).
pub async fn run(store: Store, outbound: Arc<Outbound>, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_millis(outbound.cfg.poll_ms.max(10));
    let batch = outbound.cfg.concurrency.max(1);
    while !*stop.borrow() {
        match tick(&store, &outbound, batch).await {
            // A full batch: more may be due right away.
            Ok(n) if n == batch as usize => continue,
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "outgoing delivery worker"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Claims and sends one batch; returns how many were claimed.
async fn tick(store: &Store, outbound: &Arc<Outbound>, batch: u32) -> Result<usize, StoreError> {
    let now_ms = Utc::now().timestamp_millis();
    // Long enough for the slowest attempt (a direct message makes three requests).
    let lease_ms = i64::try_from(outbound.cfg.timeout().as_millis() * 4).unwrap_or(i64::MAX / 2);
    let ids = store
        .claim_outgoing(now_ms, now_ms + lease_ms + 30_000, batch)
        .await?;
    let claimed = ids.len();
    let mut running = JoinSet::new();
    for id in ids {
        let (store, outbound) = (store.clone(), outbound.clone());
        running.spawn(async move {
            if let Err(err) = deliver(&store, &outbound, id).await {
                tracing::warn!(delivery = %id, error = %err, "recording an outgoing delivery failed");
            }
        });
    }
    while running.join_next().await.is_some() {}
    Ok(claimed)
}

async fn deliver(store: &Store, outbound: &Outbound, id: Uuid) -> Result<(), StoreError> {
    let job = store.outgoing_job(id).await?;
    let attempt = outbound.attempt(&job).await;
    let record = outbound.record(&job, &attempt);
    crate::telemetry::outgoing_attempt(match record.finish {
        Finish::Delivered => "delivered",
        Finish::Failed => "failed",
        Finish::RetryAt(_) => "retry",
    });
    match record.finish {
        Finish::Delivered => {
            tracing::debug!(delivery = %id, event = %job.event_type, "outgoing delivery sent")
        }
        _ => tracing::info!(
            delivery = %id,
            event = %job.event_type,
            attempt = job.attempts,
            status = ?attempt.status,
            error = attempt.error.as_deref().unwrap_or(""),
            final_failure = record.finish == Finish::Failed,
            "outgoing delivery attempt failed"
        ),
    }
    if let Some(disabled) = store
        .finish_outgoing(&job, &record, outbound.cfg.disable_after)
        .await?
    {
        tracing::warn!(
            outgoing_webhook = %disabled.id,
            notified = disabled.notified,
            "outgoing webhook disabled after consecutive failures"
        );
    }
    Ok(())
}
