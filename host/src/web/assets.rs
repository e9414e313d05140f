//! The web app's files, compiled into the binary, and the version digest of their contents.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// File name under `host/web/`.
    pub name: &'static str,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Contents.
    pub body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

macro_rules! embed {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../../web/", $name)),
        }
    };
}

/// Every file the app serves (besides `index.html`).
static ASSETS: [Asset; 17] = [
    embed!("app.css", "text/css; charset=utf-8"),
    embed!("app.js", JS),
    embed!("api.js", JS),
    embed!("dom.js", JS),
    embed!("live.js", JS),
    embed!("chat.js", JS),
    embed!("notifications.js", JS),
    embed!("settings.js", JS),
    embed!("people.js", JS),
    embed!("account.js", JS),
    embed!("studio.js", JS),
    embed!("plugins.js", JS),
    embed!("deliveries.js", JS),
    embed!("playground.js", JS),
    embed!("outgoing-page.js", JS),
    embed!("sw.js", JS),
    embed!("icon.svg", "image/svg+xml"),
];

const INDEX_TEMPLATE: &str = include_str!("../../web/index.html");

/// A digest of every embedded file: the `{version}` in asset URLs.
pub fn version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let mut digest = Sha256::new();
        for asset in &ASSETS {
            digest.update(asset.name.as_bytes());
            digest.update(asset.body);
        }
        digest.update(INDEX_TEMPLATE.as_bytes());
        hex::encode(&digest.finalize()[..8])
    });
    &VERSION
}

/// `index.html` with the asset version filled in.
pub fn index_html() -> &'static str {
    static INDEX: LazyLock<String> =
        LazyLock::new(|| INDEX_TEMPLATE.replace("{{version}}", version()));
    &INDEX
}

/// The embedded file called `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}
