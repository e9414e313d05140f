//! `wasmhook plugin check|run`: plugin authors validate and run a component locally, in the
//! same sandbox and under the same limits as the server, with compiled components cached
//! between runs (`cache`).

pub mod cache;
pub mod fixture;

use std::path::PathBuf;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::ingest::plugin::{self, PluginOutcome};
use crate::store::RawRequest;
use cache::{CacheArgs, CliEngine};

/// Validates a component as an upload would (compiling it into the cache, or loading it);
/// returns the world it implements, with its version.
pub async fn validate(cfg: &Config, cache: &CacheArgs, bytes: &[u8]) -> anyhow::Result<String> {
    let engine = CliEngine::new(cfg.runtime_limits(), cache)?;
    Ok(engine.prepare(bytes.to_vec()).await?.world())
}

/// Arguments of `wasmhook plugin check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The component (.wasm).
    pub file: PathBuf,
    /// The compiled-component cache.
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// `wasmhook plugin check FILE`: validates the component as an upload would.
pub async fn check(cfg: &Config, args: &CheckArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match validate(cfg, &args.cache, &bytes).await {
        Ok(world) => {
            println!(
                "ok: {} is a valid {world} component ({} bytes, sha256 {})",
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
    /// A fixture case directory: the body in `request.*` (`request.json`, `request.txt`, ...),
    /// optional `headers.txt` (one `Name: value` per line) and `config.json` (the plugin
    /// configuration). `-H` adds headers to the case's.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["body", "config"])]
    pub fixture: Option<PathBuf>,
    /// File with the request body.
    #[arg(long)]
    pub body: Option<PathBuf>,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    pub headers: Vec<String>,
    /// The webhook's plugin configuration (a JSON object; default `{}`).
    #[arg(long)]
    pub config: Option<String>,
    /// The path suffix the plugin sees (e.g. `/github`).
    #[arg(long, default_value = "")]
    pub path: String,
    /// The query string the plugin sees.
    #[arg(long, default_value = "")]
    pub query: String,
    /// The webhook name the plugin sees.
    #[arg(long, default_value = "local")]
    pub webhook_name: String,
    /// The compiled-component cache.
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// `wasmhook plugin run FILE (--fixture DIR | --body FILE [--config JSON]) [-H 'K: V']...`:
/// prints the outcome, the log, the time and peak memory as JSON. Exits non-zero when the
/// plugin failed.
pub async fn run(cfg: &Config, args: RunArgs) -> anyhow::Result<bool> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let (body, mut headers, config) = match &args.fixture {
        Some(dir) => {
            let case = fixture::read(dir)?;
            (case.body, case.headers, case.config)
        }
        None => {
            let body = match &args.body {
                Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
                None => Vec::new(),
            };
            let config: Value = serde_json::from_str(args.config.as_deref().unwrap_or("{}"))
                .context("--config must be JSON")?;
            if !config.is_object() {
                bail!("--config must be a JSON object");
            }
            (body, Vec::new(), config)
        }
    };
    headers.extend(fixture::parse_headers(&args.headers.join("\n"))?);
    let raw = RawRequest {
        method: "POST".into(),
        path: args.path,
        query: args.query,
        headers,
        body,
    };
    let engine = CliEngine::new(cfg.runtime_limits(), &args.cache)?;
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    // Made ready first, so that a refused component is reported as such (and, with
    // `--verbose`, whether it came from the cache).
    let pre = match engine.prepare(bytes).await {
        Ok(pre) => pre,
        Err(e) => bail!("{}: {e}", args.file.display()),
    };
    // The configuration is checked first, as the server does when it is set on a webhook.
    let check = engine
        .engine
        .validate_config(&pre, config.to_string())
        .await;
    let refusal = match check.result {
        Ok(None | Some(Ok(()))) => None,
        Ok(Some(Err(e))) => Some(json!({
            "field": plugin::config_field("config", &e.path),
            "message": e.message,
        })),
        Err(err) => Some(json!({
            "field": "config",
            "message": format!("the plugin failed while checking the configuration: {err}"),
        })),
    };
    if let Some(error) = refusal {
        let report = json!({ "outcome": "invalid_config", "error": error, "log": check.log });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(false);
    }
    let run = plugin::run_with(
        &engine.engine,
        sha,
        || async { Err(anyhow::anyhow!("the component is already loaded")) },
        &config.to_string(),
        &args.webhook_name,
        raw,
    )
    .await;
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
