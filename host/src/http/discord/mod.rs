//! Discord's webhook URLs, so tools built for Discord post here unchanged:
//!
//! - `GET /api/webhooks/{id}/{token}`: the webhook as Discord's webhook object.
//! - `POST /api/webhooks/{id}/{token}`: a Discord body (JSON, form fields, or
//!   `multipart/form-data` with `payload_json`; file parts are refused). `204`, or with
//!   `?wait=true` `200` and a Discord message object.
//! - `POST /api/webhooks/{id}/{token}/github`: GitHub deliveries, rendered by the built-in
//!   GitHub plugin (as Discord's `/github` endpoint renders them); `204`.
//! - `POST /api/webhooks/{id}/{token}/slack`: Slack's incoming-webhook format, converted as on
//!   our Slack URL (`crate::compat::slack`); `200 ok`.
//! - `GET`, `PATCH`, `DELETE /api/webhooks/{id}/{token}/messages/{message_id}`: the webhook's
//!   own messages (anything else is `404 Unknown Message`).
//!
//! The token is the only credential and `{id}` must be its webhook's id (hyphenated or as 32
//! hex digits). Errors answer Discord's `{"message", "code"}` with our `error` object beside
//! them. A body refused after the token was accepted is recorded as a failed delivery, so the
//! webhook's owner sees why a sender that retries blindly gets nowhere.
//!
//! The body limit and the raw request kept for the log are `http::compat`'s; reading the body's
//! encodings is `body`, Discord's message object and error answers are `reply`.

mod body;
mod reply;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use uuid::Uuid;

use super::compat::{Accepted, CompatError, CompatRequest, post_converted, record_refusal};
use super::extract::ApiPath;
use super::openapi::schemas as doc;
use super::{ApiError, AppState, execute};
use crate::builtins;
use crate::compat::discord::{self, Rendered};
use crate::compat::{Format, Refusal};
use crate::store::{NewMessage, StoreError, WebhookTarget};
use reply::{Failure, answer, message_object, with_discord_fields};

/// The Discord routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/webhooks/{id}/{token}",
            post(execute_discord).get(get_webhook),
        )
        .route("/api/webhooks/{id}/{token}/github", post(execute_github))
        .route("/api/webhooks/{id}/{token}/slack", post(execute_slack))
        .route(
            "/api/webhooks/{id}/{token}/messages/{message_id}",
            get(get_message).patch(edit_message).delete(delete_message),
        )
}

/// Path of the execute routes.
#[derive(Debug, serde::Deserialize)]
struct HookPath {
    id: String,
    token: String,
}

/// Path of the message routes.
#[derive(Debug, serde::Deserialize)]
struct MessagePath {
    id: String,
    token: String,
    message_id: String,
}

/// `POST /api/webhooks/{id}/{token}`.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/{token}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("wait" = Option<bool>, Query, description = "Answer 200 with the message object instead of 204")),
    request_body(description = "A Discord execute body (`content`, `username`, `avatar_url`, `embeds`, ...) as JSON, form fields, or `multipart/form-data` with `payload_json` (file parts are refused)", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"), (doc::Object = "multipart/form-data"))),
    responses((status = 204, description = "posted"), (status = 200, description = "posted (`?wait=true`): Discord's message object", body = doc::Object), (status = 400, description = "Discord's error, e.g. 50109 invalid JSON, 50006 empty message", body = doc::DiscordError), (status = 404, description = "10015 Unknown Webhook", body = doc::DiscordError), (status = 413, description = "40005 request entity too large", body = doc::DiscordError), (status = 415, description = "unsupported content type", body = doc::DiscordError), (status = 422, description = "50035 invalid form body", body = doc::DiscordError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::DiscordError), (status = 500, description = "the built-in plugin failed (a documented plugin failure)", body = doc::DiscordError)),
    security(())
)]
async fn execute_discord(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    req: CompatRequest,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let accepted = Accepted::read(&state, target, req).await?;
        let converted =
            body::read_object(accepted.ascii_content_type.as_deref(), &accepted.raw.body)
                .await
                .and_then(discord::payload)
                .and_then(|p| discord::render(&p));
        let message = new_message(rendered(&state, &accepted, converted).await?);
        let stored = state
            .ingest
            .post(&accepted.target, std::slice::from_ref(&message))
            .await?
            .pop()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("store returned no message")))?;
        if wants_wait(&accepted.raw.query) {
            let format_source = message.format_source.as_deref();
            let object = message_object(&stored, format_source, accepted.target.id);
            Ok((StatusCode::OK, Json(object)).into_response())
        } else {
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    };
    answer(run.await).await
}

/// `GET /api/webhooks/{id}/{token}`: Discord's webhook object, which clients fetch to check a
/// URL before using it.
#[utoipa::path(
    get,
    path = "/api/webhooks/{id}/{token}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    responses((status = 200, description = "Discord's webhook object", body = doc::Object), (status = 400, description = "Discord's error, e.g. 50109 invalid JSON, 50006 empty message", body = doc::DiscordError), (status = 404, description = "10015 Unknown Webhook", body = doc::DiscordError), (status = 413, description = "40005 request entity too large", body = doc::DiscordError), (status = 415, description = "unsupported content type", body = doc::DiscordError), (status = 422, description = "50035 invalid form body", body = doc::DiscordError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::DiscordError)),
    security(())
)]
async fn get_webhook(State(state): State<AppState>, ApiPath(path): ApiPath<HookPath>) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        Ok::<_, Failure>(
            Json(json!({
                "id": target.id,
                "type": 1,
                "name": target.username,
                "avatar": null,
                "channel_id": target.channel_id,
                "guild_id": null,
                "application_id": null,
                "token": path.token,
            }))
            .into_response(),
        )
    };
    answer(run.await).await
}

/// `POST /api/webhooks/{id}/{token}/github`: the built-in GitHub plugin renders the delivery,
/// whatever plugin the webhook has (its configuration is used when that is the GitHub one).
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/{token}/github",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(content = doc::Object, description = "A GitHub webhook delivery (`X-GitHub-Event` names the event)"),
    responses((status = 204, description = "accepted (posted, skipped or ignored)"), (status = 400, description = "Discord's error, e.g. 50109 invalid JSON, 50006 empty message", body = doc::DiscordError), (status = 404, description = "10015 Unknown Webhook", body = doc::DiscordError), (status = 413, description = "40005 request entity too large", body = doc::DiscordError), (status = 415, description = "unsupported content type", body = doc::DiscordError), (status = 422, description = "50035 invalid form body", body = doc::DiscordError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::DiscordError), (status = "4XX", description = "a rejection by the GitHub plugin (e.g. a bad signature)", body = doc::DiscordError), (status = 500, description = "the GitHub plugin failed (a documented plugin failure)", body = doc::DiscordError), (status = 503, description = "the plugin's fair share refused the run; see `Retry-After`", body = doc::DiscordError)),
    security(())
)]
async fn execute_github(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    req: CompatRequest,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let Accepted {
            target, mut raw, ..
        } = Accepted::read(&state, target, req).await?;
        let github_id = builtins::builtin_id("github");
        let sha = builtins::builtin_sha256("github")
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the GitHub built-in is missing")))?;
        let config = match target.plugin {
            Some((id, _)) if id == github_id => target.plugin_config.clone(),
            _ => "{}".to_owned(),
        };
        let github = WebhookTarget {
            plugin: Some((github_id, sha)),
            plugin_config: config,
            ..(*target).clone()
        };
        // The plugin sees the delivery as posted to `/github`.
        raw.path = "/github".to_owned();
        let response = execute::run_plugin_delivery(&state, &github, raw).await?;
        if response.status().is_success() {
            // Discord answers 204 to every delivery it accepts, posted or not.
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        Ok(with_discord_fields(response, 0).await)
    };
    answer(run.await).await
}

/// `POST /api/webhooks/{id}/{token}/slack`: a Slack incoming-webhook body, converted as on our
/// Slack URL; `200 ok` as Discord's `/slack` answers.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/{token}/slack",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(description = "A Slack incoming-webhook payload", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "posted: `ok`", content((String = "text/plain"))), (status = 400, description = "Discord's error, e.g. 50109 invalid JSON, 50006 empty message", body = doc::DiscordError), (status = 404, description = "10015 Unknown Webhook", body = doc::DiscordError), (status = 413, description = "40005 request entity too large", body = doc::DiscordError), (status = 415, description = "unsupported content type", body = doc::DiscordError), (status = 422, description = "50035 invalid form body", body = doc::DiscordError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::DiscordError)),
    security(())
)]
async fn execute_slack(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    req: CompatRequest,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let accepted = Accepted::read(&state, target, req).await?;
        let converted = crate::compat::parse_body(accepted.content_type(), &accepted.raw.body)
            .and_then(|obj| crate::compat::slack::convert(&obj));
        match post_converted(&state, &accepted, Format::Slack, converted).await {
            Ok(_) => Ok((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "ok",
            )
                .into_response()),
            Err(CompatError::Api(err)) => Err(Failure::Api(err)),
            Err(CompatError::Refused(refusal)) => Err(Failure::Refused(refusal)),
        }
    };
    answer(run.await).await
}

/// `GET /api/webhooks/{id}/{token}/messages/{message_id}`.
#[utoipa::path(
    get,
    path = "/api/webhooks/{id}/{token}/messages/{message_id}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("message_id" = Uuid, Path, description = "A message this webhook posted")),
    responses((status = 200, description = "Discord's message object", body = doc::Object), (status = 404, description = "10015 Unknown Webhook or 10008 Unknown Message", body = doc::DiscordError), (status = 429, description = "rate limited", body = doc::DiscordError)),
    security(())
)]
async fn get_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        let found = state
            .store
            .webhook_message(target.id, message_id)
            .await
            .map_err(unknown_message)?;
        let object = message_object(&found.message, found.format_source.as_deref(), target.id);
        Ok((StatusCode::OK, Json(object)).into_response())
    };
    answer(run.await).await
}

/// `PATCH /api/webhooks/{id}/{token}/messages/{message_id}`: `content` and `embeds` given
/// replace the message's, the others stay; mentions are resolved again.
#[utoipa::path(
    patch,
    path = "/api/webhooks/{id}/{token}/messages/{message_id}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("message_id" = Uuid, Path, description = "A message this webhook posted")),
    request_body(description = "A Discord execute body (`content`, `username`, `avatar_url`, `embeds`, ...) as JSON, form fields, or `multipart/form-data` with `payload_json` (file parts are refused)", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"), (doc::Object = "multipart/form-data"))),
    responses((status = 200, description = "the edited message as Discord's message object", body = doc::Object), (status = 400, description = "Discord's error, e.g. 50109 invalid JSON, 50006 empty message", body = doc::DiscordError), (status = 413, description = "40005 request entity too large", body = doc::DiscordError), (status = 415, description = "unsupported content type", body = doc::DiscordError), (status = 422, description = "50035 invalid form body", body = doc::DiscordError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::DiscordError), (status = 404, description = "10015 Unknown Webhook or 10008 Unknown Message", body = doc::DiscordError)),
    security(())
)]
async fn edit_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
    req: CompatRequest,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        let accepted = Accepted::read(&state, target, req).await?;
        let found = state
            .store
            .webhook_message(accepted.target.id, message_id)
            .await
            .map_err(unknown_message)?;
        let source = match found.format_source.as_deref() {
            Some(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            None => json!({ "content": found.message.content }),
        };
        let converted =
            body::read_object(accepted.ascii_content_type.as_deref(), &accepted.raw.body)
                .await
                .map(|edit| discord::merge_edit(&source, &edit))
                .and_then(discord::payload)
                .and_then(|p| discord::render(&p));
        let edit = NewMessage {
            // An edit keeps the name and avatar the message was posted with.
            username: None,
            avatar_url: None,
            ..new_message(rendered(&state, &accepted, converted).await?)
        };
        let edited = state
            .store
            .edit_webhook_message(&accepted.target, message_id, &edit)
            .await
            .map_err(unknown_message)?;
        let format_source = edited.format_source.as_deref();
        let object = message_object(&edited.message, format_source, accepted.target.id);
        Ok((StatusCode::OK, Json(object)).into_response())
    };
    answer(run.await).await
}

/// `DELETE /api/webhooks/{id}/{token}/messages/{message_id}`: 204.
#[utoipa::path(
    delete,
    path = "/api/webhooks/{id}/{token}/messages/{message_id}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (hyphenated or 32 hex digits)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("message_id" = Uuid, Path, description = "A message this webhook posted")),
    responses((status = 204, description = "deleted"), (status = 404, description = "10015 Unknown Webhook or 10008 Unknown Message", body = doc::DiscordError), (status = 429, description = "rate limited", body = doc::DiscordError)),
    security(())
)]
async fn delete_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        state
            .store
            .delete_webhook_message(target.id, message_id)
            .await
            .map_err(unknown_message)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    };
    answer(run.await).await
}

/// A rendered body, or its refusal, which is recorded in the webhook's delivery log.
async fn rendered(
    state: &AppState,
    accepted: &Accepted,
    converted: Result<Rendered, Refusal>,
) -> Result<Rendered, Failure> {
    match converted {
        Ok(rendered) => Ok(rendered),
        Err(err) => {
            record_refusal(state, accepted, Format::Discord, &err).await;
            Err(Failure::Refused(err))
        }
    }
}

/// The message a rendered body posts.
fn new_message(rendered: Rendered) -> NewMessage {
    NewMessage {
        content: rendered.content,
        username: rendered.username,
        avatar_url: rendered.avatar_url,
        mentions: rendered.mentions,
        format_source: Some(rendered.source.to_string()),
    }
}

/// The webhook of `token`, which must be webhook `id`; then the rate limit.
async fn accept(state: &AppState, id: &str, token: &str) -> Result<Arc<WebhookTarget>, Failure> {
    let target = state
        .ingest
        .webhook_for_token(token)
        .await?
        .ok_or(ApiError::UNKNOWN_WEBHOOK)?;
    if Uuid::parse_str(id).ok() != Some(target.id) {
        return Err(ApiError::UNKNOWN_WEBHOOK.into());
    }
    state
        .ingest
        .check_rate(target.id)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    Ok(target)
}

fn message_id(raw: &str) -> Result<Uuid, Failure> {
    Uuid::parse_str(raw).map_err(|_| Failure::UnknownMessage)
}

fn unknown_message(err: StoreError) -> Failure {
    match err {
        StoreError::NotFound => Failure::UnknownMessage,
        other => other.into(),
    }
}

/// `?wait=true` (also `True` and `1`, as clients send it), from the query string.
fn wants_wait(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes())
        .any(|(k, v)| k == "wait" && (v.eq_ignore_ascii_case("true") || v == "1"))
}
