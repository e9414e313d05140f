//! Slack incoming webhook: `text` (the notification fallback) plus Block Kit `blocks`
//! (https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit).

use serde_json::{Value, json};

use crate::outgoing::summary::{Summary, truncate};

/// Escapes the three characters Slack's mrkdwn gives meaning to.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The webhook body. Section text is limited to 3000 characters, header text to 150.
pub fn body(summary: &Summary) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&summary.title, 150)}
    })];
    if let Some(body) = &summary.body {
        let text = match &summary.author {
            Some(author) => format!("*{}*: {}", escape(author), escape(body)),
            None => escape(body),
        };
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&text, 3000)}
        }));
    }
    if !summary.facts.is_empty() {
        let fields: Vec<Value> = summary
            .facts
            .iter()
            .take(10)
            .map(|(name, value)| {
                json!({"type": "mrkdwn", "text": truncate(&format!("*{}*\n{}", escape(name), escape(value)), 2000)})
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    json!({
        "text": truncate(&escape(&summary.plain()), 3000),
        "blocks": blocks,
    })
}
