//! One attempt at an outgoing request, and what it means for the retry schedule. Errors never
//! contain the target URL (Slack, Discord, DingTalk and WeCom URLs carry their credential).

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;

use super::retry::retryable_status;
use super::targets::{Prepared, Target, check_answer};
use crate::net::retry_after;
use crate::net::ssrf::{NetworkPolicy, refusal};

/// What an attempt means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered.
    Delivered,
    /// Failed in a way a later attempt may not (network, timeout, 429, 5xx).
    Retry,
    /// Failed for good (refused address, 4xx, the vendor rejected the message).
    Fail,
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// What it means.
    pub verdict: Verdict,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// How long it took.
    pub latency: Duration,
    /// What went wrong.
    pub error: Option<String>,
    /// The target's `Retry-After`, on 429 and 503.
    pub retry_after: Option<Duration>,
}

impl Attempt {
    /// A failure without an HTTP answer.
    pub fn failed(verdict: Verdict, error: impl Into<String>, latency: Duration) -> Self {
        Attempt {
            verdict,
            status: None,
            latency,
            error: Some(error.into()),
            retry_after: None,
        }
    }
}

/// Describes a request error without its URL, with its causes.
pub fn describe(err: reqwest::Error) -> String {
    if let Some(refused) = refusal(&err) {
        return refused;
    }
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let err = err.without_url();
    let mut message = format!("{kind}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// The verdict on a request error.
pub fn error_verdict(err: &reqwest::Error) -> Verdict {
    if refusal(err).is_some() || err.is_builder() {
        Verdict::Fail
    } else {
        Verdict::Retry
    }
}

/// Posts a prepared request for `target`.
pub async fn post(
    client: &reqwest::Client,
    policy: NetworkPolicy,
    target: Target,
    prepared: Prepared,
) -> Attempt {
    let started = Instant::now();
    let url = match url::Url::parse(&prepared.url) {
        Ok(url) => url,
        Err(_) => return Attempt::failed(Verdict::Fail, "invalid target URL", started.elapsed()),
    };
    if let Err(refused) = policy.check_url(&url) {
        return Attempt::failed(Verdict::Fail, refused.to_string(), started.elapsed());
    }
    let mut request = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(prepared.body);
    for (name, value) in prepared.headers {
        request = request.header(name, value);
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(err) => {
            let verdict = error_verdict(&err);
            return Attempt::failed(verdict, describe(err), started.elapsed());
        }
    };
    let status = response.status().as_u16();
    let retry_after = retry_after::from_headers(response.headers());
    let body = response.bytes().await.unwrap_or_default();
    let latency = started.elapsed();
    let (verdict, error) = if (200..300).contains(&status) {
        match check_answer(target, &body) {
            Ok(()) => (Verdict::Delivered, None),
            Err(e) => (Verdict::Fail, Some(format!("the target rejected it: {e}"))),
        }
    } else {
        let snippet: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        let verdict = if retryable_status(status) {
            Verdict::Retry
        } else {
            Verdict::Fail
        };
        (verdict, Some(format!("HTTP {status}: {snippet}")))
    };
    Attempt {
        verdict,
        status: Some(status),
        latency,
        error,
        retry_after: retry_after.filter(|_| matches!(status, 429 | 503)),
    }
}
