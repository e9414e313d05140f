//! The web app: a client of the JSON API written as native ES modules (no build step), every
//! file compiled into the binary and served from here, with a strict Content-Security-Policy.
//!
//! App routes (`/`, `/login`, `/setup`, `/people`, `/account`, `/channels/{id}`, and the plugin
//! studio's `/plugins`, `/webhooks/{id}`, `/webhooks/{id}/deliveries`, `/deliveries/{id}`,
//! `/playground`, `/outgoing`, `/notices`) answer the same `index.html`; assets live under `/assets/{version}/`, where the version is a digest of
//! their contents, so they can be cached for a year and a new binary is picked up at once. The
//! service worker is served at `/sw.js` so its scope is the whole app.

mod assets;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::store::Store;

/// The web app's routes (they need no application state, so any router can merge them).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new();
    for path in APP_ROUTES {
        router = router.route(path, get(index));
    }
    router
        .route("/assets/{version}/{file}", get(asset))
        .route("/sw.js", get(service_worker))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Paths the app handles in the browser.
const APP_ROUTES: [&str; 13] = [
    "/",
    "/login",
    "/setup",
    "/people",
    "/account",
    "/channels/{id}",
    "/plugins",
    "/webhooks/{id}",
    "/webhooks/{id}/deliveries",
    "/deliveries/{id}",
    "/playground",
    "/outgoing",
    "/notices",
];

/// Prints where the web app is and, while the bootstrap admin has no password, a fresh
/// one-time setup link, to stderr.
pub async fn announce(store: &Store, public_url: &str, local: SocketAddr) -> anyhow::Result<()> {
    eprintln!("wasmhook: web app at {public_url}/ (listening on {local})");
    for (username, link) in crate::bootstrap::setup_links(store, public_url).await? {
        eprintln!(
            "wasmhook: open this one-time link to choose the password of `{username}` and sign in \
             (valid {} hours): {link}",
            crate::bootstrap::SETUP_LINK_HOURS
        );
    }
    Ok(())
}

async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        assets::index_html(),
    )
        .into_response()
}

async fn asset(Path((version, file)): Path<(String, String)>) -> Response {
    let Some(asset) = assets::find(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // An old page may still ask for an older version: serve the current file, uncached.
    let cache = if version == assets::version() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        asset.body,
    )
        .into_response()
}

async fn service_worker() -> Response {
    let sw = assets::find("sw.js").expect("the service worker is embedded");
    (
        [
            (header::CONTENT_TYPE, sw.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        sw.body,
    )
        .into_response()
}

/// The Content-Security-Policy of every web app response: scripts, styles and connections
/// only from this server (`'self'` covers its WebSocket too), avatars from any http(s) host,
/// no plugins, no framing, no foreign form targets.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' https: http: data:; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

async fn security_headers(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    let mut csp = CONTENT_SECURITY_POLICY.to_owned();
    // Browsers before CSP Level 3 do not count ws:/wss: of this host as 'self'.
    if let Some(host) = host.filter(|h| h.bytes().all(|b| b.is_ascii_graphic() && b != b';')) {
        csp = csp.replace(
            "connect-src 'self'",
            &format!("connect-src 'self' ws://{host} wss://{host}"),
        );
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}
