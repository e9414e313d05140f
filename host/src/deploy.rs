//! `wasmhook plugin deploy` and `wasmhook plugin rollback`: the plugin author's loop against a
//! running server, in one command each.
//!
//! Deploy builds the project (the `build` command of its `wasmhook.json`, which `plugin new`
//! writes), checks the component as an upload would, uploads it under
//! `VERSION+<first 12 hex digits of its SHA-256>` (so every distinct build is a distinct,
//! immutable version, and deploying the same bytes again is a no-op), and attaches it to the
//! given webhooks, which use it from their next request. Rollback attaches, to each webhook, the
//! version of its plugin uploaded before the current one (or the one named with `--to`).
//!
//! Webhooks name an exact plugin version; they never follow "the latest" upload of a name. A
//! deploy or a rollback therefore changes exactly the webhooks it names, a rollback restores
//! exactly the bytes that ran before, and an upload by another manager of the community cannot
//! change what a webhook runs behind its owner's back.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, anyhow, bail, ensure};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Config;

/// The project file `plugin new` writes and `plugin deploy` reads.
pub const PROJECT_FILE: &str = "wasmhook.json";

/// Where a deploy or rollback goes.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The server's base URL.
    #[arg(long, env = "WASMHOOK_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An API token of a community owner or admin.
    #[arg(long, env = "WASMHOOK_TOKEN", hide_env_values = true)]
    pub token: String,
    /// A webhook to attach the plugin to (repeatable, or comma-separated in the variable).
    #[arg(long = "webhook", env = "WASMHOOK_WEBHOOK", value_delimiter = ',')]
    pub webhooks: Vec<Uuid>,
}

/// Arguments of `wasmhook plugin deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The plugin project (a directory with `wasmhook.json`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Server, token and webhooks.
    #[command(flatten)]
    pub target: Target,
    /// The community to upload to (default: the first webhook's).
    #[arg(long, env = "WASMHOOK_COMMUNITY")]
    pub community: Option<Uuid>,
    /// Upload the component as it is, without running the project's build command.
    #[arg(long)]
    pub no_build: bool,
    /// The compiled-component cache the check before the upload uses.
    #[command(flatten)]
    pub cache: crate::plugin_cli::cache::CacheArgs,
}

/// Arguments of `wasmhook plugin rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// Server, token and webhooks (at least one).
    #[command(flatten)]
    pub target: Target,
    /// The version to go back to (default: the one uploaded before the attached one).
    #[arg(long)]
    pub to: Option<String>,
}

/// `wasmhook.json`: the plugin's name and base version, how to build it, and where the
/// component lands (relative to the project).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Project {
    name: String,
    version: String,
    build: String,
    wasm: PathBuf,
}

impl Project {
    fn read(dir: &Path) -> anyhow::Result<Project> {
        let path = dir.join(PROJECT_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (a project made by `wasmhook plugin new` has one)",
                path.display()
            )
        })?;
        let project: Project =
            serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
        ensure!(
            !project.version.is_empty() && project.version.len() <= 19,
            "{}: version must be 1-19 characters (12 more are added per build)",
            path.display()
        );
        Ok(project)
    }
}

/// Where the project's component is: `wasm` relative to the project, except that a Cargo
/// project's `target/...` is looked up under `CARGO_TARGET_DIR` when that is set, since
/// `cargo build` writes there instead.
fn component_path(dir: &Path, wasm: &Path, cargo_target_dir: Option<PathBuf>) -> PathBuf {
    let mut parts = wasm.components();
    match (cargo_target_dir, parts.next()) {
        (Some(target), Some(std::path::Component::Normal(first)))
            if first == "target" && dir.join("Cargo.toml").is_file() =>
        {
            dir.join(target).join(parts.as_path())
        }
        _ => dir.join(wasm),
    }
}

/// The version a build is uploaded under: the project's version plus the content hash.
pub fn build_version(base: &str, component: &[u8]) -> String {
    let hash = hex::encode(Sha256::digest(component));
    format!("{base}+{}", &hash[..12])
}

/// A small client of the management API with one bearer token.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(target: &Target) -> anyhow::Result<Api> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("wasmhook-cli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Api {
            http,
            base: target.server.trim_end_matches('/').to_owned(),
            token: target.token.clone(),
        })
    }

    /// Sends a request; returns the status and JSON body, or fails with the server's message.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        request = match body {
            Some(Body::Json(value)) => request.json(&value),
            Some(Body::Wasm(bytes)) => request
                .header(reqwest::header::CONTENT_TYPE, "application/wasm")
                .body(bytes),
            None => request,
        };
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let message = value["error"]["message"]
                .as_str()
                .map_or_else(|| status.to_string(), str::to_owned);
            bail!("{method} {path}: {status}: {message}");
        }
        Ok((status, value))
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.send(Method::GET, path, None).await?.1)
    }

    async fn attach(&self, webhook: Uuid, plugin_id: &str) -> anyhow::Result<()> {
        self.send(
            Method::PATCH,
            &format!("/api/webhooks/{webhook}"),
            Some(Body::Json(json!({ "plugin_id": plugin_id }))),
        )
        .await
        .map(drop)
    }
}

enum Body {
    Json(Value),
    Wasm(Vec<u8>),
}

/// `wasmhook plugin deploy`.
pub async fn deploy(cfg: &Config, args: DeployArgs) -> anyhow::Result<()> {
    let project = Project::read(&args.dir)?;
    if !args.no_build {
        eprintln!("wasmhook: building {}: {}", project.name, project.build);
        let status = shell(&project.build)
            .current_dir(&args.dir)
            .status()
            .with_context(|| format!("running `{}`", project.build))?;
        ensure!(status.success(), "the build failed ({status})");
    }
    let wasm = component_path(
        &args.dir,
        &project.wasm,
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
    );
    let bytes = std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    crate::plugin_cli::validate(cfg, &args.cache, &bytes)
        .await
        .map_err(|e| anyhow!("{}: {e}", wasm.display()))?;

    let api = Api::new(&args.target)?;
    let community = match (args.community, args.target.webhooks.first()) {
        (Some(community), _) => community,
        (None, Some(webhook)) => {
            let hook = api.get(&format!("/api/webhooks/{webhook}")).await?;
            hook["community_id"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .context("the webhook has no community_id")?
        }
        (None, None) => bail!("give --webhook (to attach the plugin) or --community"),
    };
    let version = build_version(&project.version, &bytes);
    let (status, plugin) = api
        .send(
            Method::POST,
            &format!(
                "/api/communities/{community}/plugins?name={}&version={}",
                urlencode(&project.name),
                urlencode(&version)
            ),
            Some(Body::Wasm(bytes)),
        )
        .await?;
    let plugin_id = plugin["id"].as_str().context("the upload answered no id")?;
    let uploaded = if status == StatusCode::CREATED {
        "uploaded"
    } else {
        "already uploaded"
    };
    println!(
        "{} {version}: {uploaded} (plugin {plugin_id})",
        project.name
    );
    for webhook in &args.target.webhooks {
        api.attach(*webhook, plugin_id).await?;
        println!("webhook {webhook}: now runs {} {version}", project.name);
    }
    Ok(())
}

/// `wasmhook plugin rollback`.
pub async fn rollback(args: RollbackArgs) -> anyhow::Result<()> {
    ensure!(
        !args.target.webhooks.is_empty(),
        "give the webhooks to roll back with --webhook"
    );
    let api = Api::new(&args.target)?;
    for webhook in &args.target.webhooks {
        let hook = api.get(&format!("/api/webhooks/{webhook}")).await?;
        let current = hook["plugin_id"]
            .as_str()
            .with_context(|| format!("webhook {webhook} has no plugin attached"))?;
        let community = hook["community_id"]
            .as_str()
            .context("the webhook has no community_id")?;
        let listed = api
            .get(&format!("/api/communities/{community}/plugins"))
            .await?;
        let plugins = listed["plugins"].as_array().cloned().unwrap_or_default();
        let attached = plugins
            .iter()
            .find(|p| p["id"] == current)
            .context("the attached plugin is not among the community's plugins")?;
        let previous = previous_version(&plugins, attached, args.to.as_deref())?;
        let id = previous["id"].as_str().context("a plugin without id")?;
        api.attach(*webhook, id).await?;
        println!(
            "webhook {webhook}: rolled back from {} {} to {}",
            attached["name"].as_str().unwrap_or_default(),
            attached["version"].as_str().unwrap_or_default(),
            previous["version"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

/// The plugin of the same name to go back to: version `to`, or the newest one uploaded before
/// `attached`.
fn previous_version<'a>(
    plugins: &'a [Value],
    attached: &Value,
    to: Option<&str>,
) -> anyhow::Result<&'a Value> {
    let name = &attached["name"];
    let same_name = plugins.iter().filter(|p| p["name"] == *name);
    if let Some(to) = to {
        return same_name
            .clone()
            .find(|p| p["version"] == to)
            .with_context(|| format!("{name} has no version {to}"));
    }
    let created = |p: &Value| {
        p["created_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let attached_at = created(attached);
    same_name
        .filter(|p| p["id"] != attached["id"] && created(p) < attached_at)
        .max_by_key(|p| created(p))
        .with_context(|| {
            format!(
                "{name} has no version uploaded before {}",
                attached["version"]
            )
        })
}

fn shell(command: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command);
    cmd
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cargo_projects_component_is_found_under_cargo_target_dir() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = Path::new("target/wasm32-wasip2/release/demo.wasm");
        let elsewhere = PathBuf::from("/srv/cargo-target");
        // Not a Cargo project (a Python or JavaScript one): the path as written.
        assert_eq!(
            component_path(dir.path(), wasm, Some(elsewhere.clone())),
            dir.path().join(wasm)
        );
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(
            component_path(dir.path(), wasm, Some(elsewhere.clone())),
            elsewhere.join("wasm32-wasip2/release/demo.wasm")
        );
        assert_eq!(
            component_path(dir.path(), wasm, None),
            dir.path().join(wasm)
        );
        // Only a path under `target/` moves.
        let built = Path::new("dist/demo.wasm");
        assert_eq!(
            component_path(dir.path(), built, Some(elsewhere)),
            dir.path().join(built)
        );
    }

    #[test]
    fn every_build_gets_its_own_version() {
        let a = build_version("0.1.0", b"one");
        assert_eq!(a, build_version("0.1.0", b"one"));
        assert_ne!(a, build_version("0.1.0", b"two"));
        assert!(
            a.starts_with("0.1.0+") && a.len() == "0.1.0+".len() + 12,
            "{a}"
        );
    }

    #[test]
    fn rollback_goes_to_the_version_uploaded_before() {
        let p = |id: &str, name: &str, version: &str, at: &str| json!({"id": id, "name": name, "version": version, "created_at": at});
        let plugins = vec![
            p("1", "x", "0.1.0+a", "2026-01-01T00:00:01Z"),
            p("2", "y", "0.1.0+b", "2026-01-01T00:00:02Z"),
            p("3", "x", "0.1.0+c", "2026-01-01T00:00:02.5Z"),
            p("4", "x", "0.1.0+d", "2026-01-01T00:00:02.75Z"),
        ];
        assert_eq!(
            previous_version(&plugins, &plugins[3], None).unwrap()["id"],
            "3"
        );
        assert_eq!(
            previous_version(&plugins, &plugins[2], None).unwrap()["id"],
            "1"
        );
        assert!(previous_version(&plugins, &plugins[0], None).is_err());
        assert_eq!(
            previous_version(&plugins, &plugins[3], Some("0.1.0+a")).unwrap()["id"],
            "1"
        );
        assert!(previous_version(&plugins, &plugins[3], Some("0.1.0+b")).is_err());
    }
}
