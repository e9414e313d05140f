//! Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"):
//! a message with one Adaptive Card attachment
//! (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).

use serde_json::{Value, json};

use crate::outgoing::summary::Summary;

/// The webhook body.
pub fn body(summary: &Summary) -> Value {
    let mut card_body = vec![json!({
        "type": "TextBlock", "text": summary.title, "weight": "Bolder", "size": "Medium", "wrap": true
    })];
    if let Some(body) = &summary.body {
        let text = match &summary.author {
            Some(author) => format!("**{author}**: {body}"),
            None => body.clone(),
        };
        card_body.push(json!({"type": "TextBlock", "text": text, "wrap": true}));
    }
    if !summary.facts.is_empty() {
        let facts: Vec<Value> = summary
            .facts
            .iter()
            .map(|(t, v)| json!({"title": t, "value": v}))
            .collect();
        card_body.push(json!({"type": "FactSet", "facts": facts}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": card_body,
            }
        }]
    })
}
