//! Plugins: upload (validated against the world), list, inspect, delete; runtime statistics
//! (plugin cache, live connections of this node, push queue).

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::communities::require_manager;
use super::execute::read_body;
use super::extract::{ApiPath, ApiQuery, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::runtime::RuntimeError;
use crate::store::{NewPlugin, Plugin, StoreError};

/// Plugin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/communities/{id}/plugins",
            post(post_plugin).get(get_plugins),
        )
        .route("/api/plugins/{id}", get(get_plugin).delete(delete_plugin))
        .route(
            "/api/plugins/{id}/examples",
            get(super::examples::get_examples),
        )
        .route("/api/runtime", get(get_runtime))
}

#[derive(Deserialize)]
struct UploadQuery {
    name: Option<String>,
    version: Option<String>,
}

fn validate_name(name: Option<&str>) -> Result<&str, ApiError> {
    match name {
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                }) =>
        {
            Ok(n)
        }
        _ => Err(ApiError::invalid(
            "name",
            "name must be 1-64 lower-case letters, digits, '-' or '_'",
        )),
    }
}

fn validate_version(version: Option<&str>) -> Result<&str, ApiError> {
    match version {
        Some(v)
            if !v.is_empty()
                && v.len() <= 32
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')) =>
        {
            Ok(v)
        }
        _ => Err(ApiError::invalid(
            "version",
            "version must be 1-32 letters, digits, '.', '-' or '+' (e.g. 1.2.0)",
        )),
    }
}

/// `POST /api/communities/{id}/plugins?name=&version=` with the component as the body
/// (`application/wasm`): 201 when stored, 200 when the same bytes were already stored under
/// that name and version, 409 when other bytes were, 422 when the component is unusable.
#[utoipa::path(
    post,
    path = "/api/communities/{id}/plugins",
    tag = "plugins",
    params(("id" = Uuid, Path, description = "The community id"), ("name" = String, Query, pattern = "^[a-z0-9_-]{1,64}$", description = "Plugin name: 1-64 lower-case letters, digits, `-` or `_`"), ("version" = String, Query, pattern = "^[A-Za-z0-9.+-]{1,32}$", description = "Plugin version: 1-32 letters, digits, `.`, `-` or `+` (e.g. 1.2.0)")),
    request_body(description = "The WebAssembly component (`application/wasm` or `application/octet-stream`)", content((Vec<u8> = "application/wasm"), (Vec<u8> = "application/octet-stream"))),
    responses((status = 201, description = "the plugin was stored", body = Plugin), (status = 200, description = "the same component was already stored under this name and version", body = Plugin), (status = 413, description = "payload_too_large: the component is over `--max-plugin-bytes`", body = doc::ErrorBody), (status = 415, description = "unsupported_media_type: not `application/wasm` or `application/octet-stream`", body = doc::ErrorBody), (status = 422, description = "validation_failed: a bad `name` or `version`, or a body that is no valid component for this host (`field` names it)", body = doc::ErrorBody), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn post_plugin(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Plugin>), ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    let name = validate_name(query.name.as_deref())?.to_owned();
    let version = validate_version(query.version.as_deref())?.to_owned();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !matches!(essence, "application/wasm" | "application/octet-stream") {
        return Err(ApiError::UnsupportedMediaType(
            "Content-Type must be application/wasm".into(),
        ));
    }
    let bytes = read_body(&headers, body, state.max_plugin_bytes).await?;
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    // Compiling takes long and much memory for large components: the engine does it in a
    // child process, into the compiled cache, before anything is stored.
    state
        .plugins
        .compile(sha256, bytes.clone())
        .await
        .map_err(|e| match e {
            RuntimeError::Rejected(message) => ApiError::invalid("body", message),
            other => ApiError::Internal(other.into()),
        })?;
    let language = crate::runtime::producers::language(&bytes);
    let new = NewPlugin {
        community_id: Some(community_id),
        name: &name,
        version: &version,
        sha256,
        bytes: &bytes,
        language: language.as_deref(),
        builtin: false,
        created_by: Some(user.id),
    };
    let (plugin, created) = match state.store.insert_plugin(new).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(ApiError::Conflict {
                field: Some("version".into()),
                message: format!(
                    "{name} {version} already exists with other content; name and version are immutable"
                ),
            });
        }
        other => other?,
    };
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(plugin),
    ))
}

/// `GET /api/communities/{id}/plugins`: built-in plugins and the community's uploads.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/plugins",
    tag = "plugins",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the community's plugins and the built-in ones", body = doc::PluginList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_plugins(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    Ok(Json(
        json!({ "plugins": state.store.plugins_of(community_id).await? }),
    ))
}

/// A plugin a webhook of `community_id` may use: a built-in or one of that community's; a 422
/// on `plugin_id` otherwise.
pub async fn attachable_plugin(
    state: &AppState,
    plugin_id: Uuid,
    community_id: Uuid,
) -> Result<Plugin, ApiError> {
    let plugin = match state.store.plugin(plugin_id).await {
        Err(StoreError::NotFound) => None,
        other => Some(other?),
    };
    plugin
        .filter(|p| p.community_id.is_none_or(|c| c == community_id))
        .ok_or_else(|| {
            ApiError::invalid(
                "plugin_id",
                "plugin_id must name a built-in plugin or one of this community's",
            )
        })
}

/// A plugin the caller may see: built-ins to every user, uploads to their community's managers.
pub(super) async fn visible_plugin(
    state: &AppState,
    id: Uuid,
    user_id: Uuid,
) -> Result<Plugin, ApiError> {
    let plugin = match state.store.plugin(id).await {
        Err(StoreError::NotFound) => return Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        other => other?,
    };
    if let Some(community) = plugin.community_id {
        require_manager(&state.store, community, user_id).await?;
    }
    Ok(plugin)
}

/// `GET /api/plugins/{id}`.
#[utoipa::path(
    get,
    path = "/api/plugins/{id}",
    tag = "plugins",
    params(("id" = Uuid, Path, description = "The plugin id")),
    responses((status = 200, description = "the plugin", body = Plugin), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_plugin(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Plugin>, ApiError> {
    Ok(Json(visible_plugin(&state, id, user.id).await?))
}

/// `DELETE /api/plugins/{id}`: 409 while a webhook uses it; built-ins cannot be deleted. Its
/// compiled code leaves this node's caches unless another plugin has the same bytes.
#[utoipa::path(
    delete,
    path = "/api/plugins/{id}",
    tag = "plugins",
    params(("id" = Uuid, Path, description = "The plugin id")),
    responses((status = 204, description = "deleted"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a webhook uses this plugin", body = doc::ErrorBody))
)]
async fn delete_plugin(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let plugin = visible_plugin(&state, id, user.id).await?;
    if plugin.builtin {
        return Err(ApiError::Forbidden(
            "built-in plugins cannot be deleted".into(),
        ));
    }
    match state.store.delete_plugin(id).await {
        Err(StoreError::Conflict { .. }) => Err(ApiError::Conflict {
            field: Some("plugin_id".into()),
            message: "a webhook uses this plugin; detach it first".into(),
        }),
        other => {
            other?;
            forget_compiled(&state, &plugin).await;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// Evicts a deleted plugin's component from the engine's caches once no plugin has its bytes
/// (the store keeps one copy of the bytes while any plugin has them).
async fn forget_compiled(state: &AppState, plugin: &Plugin) {
    let Some(sha256) = hex::decode(&plugin.sha256)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
    else {
        return;
    };
    match state.store.plugin_bytes(&sha256).await {
        Err(StoreError::NotFound) => state.plugins.evict(&sha256),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether a deleted plugin's code is still used")
        }
    }
}

/// `GET /api/runtime`: the sandbox limits and how plugins were made ready (compiled from bytes
/// or loaded from the on-disk cache) since start, and what is loaded now. For users who manage a
/// community.
#[utoipa::path(
    get,
    path = "/api/runtime",
    tag = "plugins",
    responses((status = 200, description = "sandbox limits, compile cache and loaded plugins (`cache.loaded`, `cache.loaded_bytes`), live connections, push queue and fair share", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_runtime(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    if !state.store.manages_any_community(user.id).await? {
        return Err(ApiError::Forbidden(
            "only community owners and admins can read runtime statistics".into(),
        ));
    }
    let engine = &state.plugins;
    let limits = &engine.limits;
    let (users, sockets, streams) = state.live.stats();
    Ok(Json(json!({
        "limits": {
            "timeout_ms": limits.timeout.as_millis() as u64,
            "wall_timeout_ms": limits.wall_timeout.as_millis() as u64,
            "memory_bytes": limits.memory_bytes,
            "max_messages": limits.max_messages,
            "max_output_bytes": limits.max_output_bytes,
            "max_log_bytes": limits.max_log_bytes,
            "max_concurrency": limits.max_concurrency,
            "long_lanes": limits.resolved_long_lanes(),
        },
        "cache": {
            "compiled": engine.stats.compiled.load(Ordering::Relaxed),
            "loaded_from_disk": engine.stats.loaded_from_disk.load(Ordering::Relaxed),
            "loaded": engine.loaded().0,
            "loaded_bytes": engine.loaded().1,
        },
        "live": {
            "users_online": users,
            "websocket_connections": sockets,
            "sse_streams": streams,
        },
        "push": {
            "queued": state.store.pending_push_jobs().await?,
        },
        "fair_share": fair_share(&state),
    })))
}

/// The fair-share settings and what they refused since start on this node.
fn fair_share(state: &AppState) -> Value {
    let fair = state.ingest.fair_share();
    let c = fair.config();
    let (refused, quarantined) = fair.totals(std::time::Instant::now());
    json!({
        "cpu_ms_per_second_per_webhook": c.cpu_ms_per_second,
        "cpu_burst_ms_per_webhook": c.cpu_burst_ms,
        "cpu_ms_per_second_per_plugin": c.cpu_ms_per_second_per_plugin,
        "cpu_burst_ms_per_plugin": c.cpu_burst_ms_per_plugin,
        "instances_per_webhook": c.instances_per_webhook,
        "instances_per_plugin": c.instances_per_plugin,
        "breaker_failures": c.breaker_failures,
        "breaker_backoff_ms": c.breaker_backoff_ms,
        "breaker_backoff_max_ms": c.breaker_backoff_max_ms,
        "refused": refused,
        "quarantined_webhooks": quarantined,
    })
}
