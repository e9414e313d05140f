//! The webhook execute paths as the document describes them. Their routes are built per
//! dialect by `super::super::execute` (one closure for a path and its `{*suffix}` variant), so
//! the operations are declared here, on functions that only carry the description.

use super::schemas as doc;

/// Posts a message through a webhook in the chatalot dialect, or hands the raw request to
/// the webhook's plugin.
#[utoipa::path(
    post,
    path = "/api/webhooks/execute/{token}",
    tag = "execute",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(content = doc::ChatalotMessage, description = "A message in this dialect (JSON); a webhook with a plugin takes any body", content_type = "application/json"),
    responses((status = 201, description = "the message was stored (or, with a plugin, the messages it posted)", body = doc::ExecuteAnswer), (status = 415, description = "unsupported_media_type: not JSON (webhooks without a plugin)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit (or its plugin's fair share); see `Retry-After`", body = doc::ErrorBody), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn chatalot() {}

/// Posts a raw request with a path suffix to a webhook's plugin (chatalot URL). A webhook
/// without a plugin answers 404.
#[utoipa::path(
    post,
    path = "/api/webhooks/execute/{token}/{suffix}",
    tag = "execute",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("suffix" = String, Path, description = "The rest of the path (may contain `/`), passed to the plugin")),
    request_body(content = doc::Object, description = "Anything: the webhook's plugin reads the raw request", content_type = "*/*"),
    responses((status = 201, description = "the plugin posted messages", body = doc::PluginPosted), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit, or its fair share of CPU or instances; see `Retry-After`", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn chatalot_suffix() {}

/// Posts a message through a webhook in the bitolink dialect, or hands the raw request to
/// the webhook's plugin.
#[utoipa::path(
    post,
    path = "/api/v1/hooks/{token}",
    tag = "execute",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(content = doc::BitoLinkMessage, description = "A message in this dialect (JSON); a webhook with a plugin takes any body", content_type = "application/json"),
    responses((status = 201, description = "the message was stored (or, with a plugin, the messages it posted)", body = doc::ExecuteAnswer), (status = 415, description = "unsupported_media_type: not JSON (webhooks without a plugin)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit (or its plugin's fair share); see `Retry-After`", body = doc::ErrorBody), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn bitolink() {}

/// Posts a raw request with a path suffix to a webhook's plugin (bitolink URL). A webhook
/// without a plugin answers 404.
#[utoipa::path(
    post,
    path = "/api/v1/hooks/{token}/{suffix}",
    tag = "execute",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("suffix" = String, Path, description = "The rest of the path (may contain `/`), passed to the plugin")),
    request_body(content = doc::Object, description = "Anything: the webhook's plugin reads the raw request", content_type = "*/*"),
    responses((status = 201, description = "the plugin posted messages", body = doc::PluginPosted), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit, or its fair share of CPU or instances; see `Retry-After`", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn bitolink_suffix() {}

/// Posts a message through a webhook in the chattr dialect, or hands the raw request to
/// the webhook's plugin.
#[utoipa::path(
    post,
    path = "/webhooks/{webhook_id}/{token}",
    tag = "execute",
    params(("webhook_id" = Uuid, Path, description = "The webhook id; must be the token's webhook"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(content = doc::ChattrMessage, description = "A message in this dialect (JSON); a webhook with a plugin takes any body", content_type = "application/json"),
    responses((status = 201, description = "the message was stored (or, with a plugin, the messages it posted)", body = doc::ChattrAnswer), (status = 415, description = "unsupported_media_type: not JSON (webhooks without a plugin)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit (or its plugin's fair share); see `Retry-After`", body = doc::ErrorBody), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn chattr() {}

/// Posts a raw request with a path suffix to a webhook's plugin (chattr URL). A webhook
/// without a plugin answers 404.
#[utoipa::path(
    post,
    path = "/webhooks/{webhook_id}/{token}/{suffix}",
    tag = "execute",
    params(("webhook_id" = Uuid, Path, description = "The webhook id; must be the token's webhook"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)"), ("suffix" = String, Path, description = "The rest of the path (may contain `/`), passed to the plugin")),
    request_body(content = doc::Object, description = "Anything: the webhook's plugin reads the raw request", content_type = "*/*"),
    responses((status = 201, description = "the plugin posted messages", body = doc::PluginPosted), (status = 200, description = "the plugin skipped or ignored the request", body = doc::PluginSkipped), (status = "4XX", description = "a rejection by the plugin (status and code chosen by the plugin, e.g. 401 for a bad signature)", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit, or its fair share of CPU or instances; see `Retry-After`", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed; the request is kept as a failed, replayable delivery (`delivery_id`) whose details only the webhook's managers see (the message here is generic). A documented plugin failure, not a server fault", body = doc::ErrorBody), (status = 503, description = "unavailable, or the webhook's plugin is quarantined by its circuit breaker; see `Retry-After`", body = doc::ErrorBody)),
    security(())
)]
pub fn chattr_suffix() {}
