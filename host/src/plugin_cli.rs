//! `wasmhook plugin check|run`: plugin authors validate and run a component locally, in the
//! same sandbox and under the same limits as the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::ingest::plugin::{self, PluginOutcome};
use crate::runtime::PluginEngine;
use crate::store::RawRequest;

fn engine(cfg: &Config) -> anyhow::Result<Arc<PluginEngine>> {
    // A private cache per process: nothing is reused between runs, nothing foreign is loaded.
    let dir = std::env::temp_dir().join(format!("wasmhook-cli-{}", std::process::id()));
    PluginEngine::new(cfg.runtime_limits(), dir, rand::random())
        .context("starting the plugin runtime")
}

/// Validates a component as an upload would.
pub fn validate(cfg: &Config, bytes: &[u8]) -> anyhow::Result<()> {
    let engine = engine(cfg)?;
    let checked = engine.validate(bytes).map(drop);
    let _ = std::fs::remove_dir_all(engine.cache_dir());
    Ok(checked?)
}

/// `wasmhook plugin check FILE`: validates the component as an upload would.
pub fn check(cfg: &Config, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match validate(cfg, &bytes) {
        Ok(()) => {
            println!(
                "ok: {} is a valid wasmhook:plugin/transformer@0.1.0 component ({} bytes, sha256 {})",
                file.display(),
                bytes.len(),
                hex::encode(Sha256::digest(&bytes))
            );
            Ok(())
        }
        Err(e) => bail!("{}: {e}", file.display()),
    }
}

/// Arguments of `wasmhook plugin run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The component.
    pub file: PathBuf,
    /// File with the request body.
    #[arg(long)]
    pub body: Option<PathBuf>,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    pub headers: Vec<String>,
    /// The webhook's plugin configuration (a JSON object).
    #[arg(long, default_value = "{}")]
    pub config: String,
    /// The path suffix the plugin sees (e.g. `/github`).
    #[arg(long, default_value = "")]
    pub path: String,
    /// The query string the plugin sees.
    #[arg(long, default_value = "")]
    pub query: String,
    /// The webhook name the plugin sees.
    #[arg(long, default_value = "local")]
    pub webhook_name: String,
}

/// `wasmhook plugin run FILE --body FILE [-H 'K: V']... [--config JSON]`: prints the outcome, the
/// log, the time and peak memory as JSON. Exits non-zero when the plugin failed.
pub async fn run(cfg: &Config, args: RunArgs) -> anyhow::Result<bool> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let body = match &args.body {
        Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        None => Vec::new(),
    };
    let config: Value = serde_json::from_str(&args.config).context("--config must be JSON")?;
    if !config.is_object() {
        bail!("--config must be a JSON object");
    }
    let mut headers = Vec::new();
    for h in &args.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("header {h:?} must look like 'Name: value'"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let raw = RawRequest {
        method: "POST".into(),
        path: args.path,
        query: args.query,
        headers,
        body,
    };
    let engine = engine(cfg)?;
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    let run = plugin::run_with(
        &engine,
        sha,
        || async move { Ok(bytes) },
        &config.to_string(),
        &args.webhook_name,
        &raw,
    )
    .await;
    let _ = std::fs::remove_dir_all(engine.cache_dir());
    let (ok, mut report) = match run.outcome {
        PluginOutcome::Messages(messages) => {
            let messages: Vec<Value> = messages
                .into_iter()
                .map(|m| json!({ "content": m.content, "username": m.username, "avatar_url": m.avatar_url }))
                .collect();
            (true, json!({ "outcome": "messages", "messages": messages }))
        }
        PluginOutcome::Skipped(reason) => (true, json!({ "outcome": "skipped", "reason": reason })),
        PluginOutcome::Ignored(reason) => (true, json!({ "outcome": "ignored", "reason": reason })),
        PluginOutcome::Rejected {
            status,
            code,
            message,
        } => (
            true,
            json!({ "outcome": "rejected", "error": { "status": status, "code": code, "message": message } }),
        ),
        PluginOutcome::Failed { code, message } => (
            false,
            json!({ "outcome": "failed", "error": { "status": 500, "code": code, "message": message } }),
        ),
    };
    report["log"] = run.log.into();
    report["duration_us"] = run.duration_us.into();
    report["peak_memory_bytes"] = run.peak_memory.into();
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ok)
}
