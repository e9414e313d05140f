//! Discord execute webhook: `content` (at most 2000 characters) and one embed
//! (https://discord.com/developers/docs/resources/webhook#execute-webhook). Mentions in the
//! text never ping anyone (`allowed_mentions.parse` is empty).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::outgoing::summary::{Summary, truncate};

/// Discord's limit on `content`.
pub const CONTENT_LIMIT: usize = 2000;

/// The webhook body.
pub fn body(summary: &Summary, at: DateTime<Utc>) -> Value {
    let mut embed = json!({
        "title": truncate(&summary.title, 256),
        "color": 0x5865F2,
        "footer": {"text": "wasmhook"},
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    if let Some(body) = &summary.body {
        embed["description"] = truncate(body, 4096).into();
    }
    if let Some(author) = &summary.author {
        embed["author"] = json!({"name": truncate(author, 256)});
    }
    if !summary.facts.is_empty() {
        embed["fields"] = summary
            .facts
            .iter()
            .take(25)
            .map(|(n, v)| json!({"name": truncate(n, 256), "value": truncate(v, 1024), "inline": true}))
            .collect();
    }
    json!({
        "content": truncate(&summary.plain(), CONTENT_LIMIT),
        "username": "wasmhook",
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })
}
