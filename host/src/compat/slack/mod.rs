//! Slack incoming-webhook payloads: `text` in mrkdwn, legacy `attachments`, and Block Kit
//! `blocks`, converted to our Markdown. Mattermost and Rocket.Chat reuse the pieces:
//! `mrkdwn` converts text, `attachments` the legacy attachments, `blocks` Block Kit.
//!
//! mrkdwn: `*bold*` -> `**bold**`, `_italic_`, `~strike~` -> `~~strike~~`, `<url|label>` and
//! `<url>` -> links, `<!channel>`/`<!here>`/`<!everyone>` dropped, `<@U123>` shown inert,
//! `<#C123|name>` -> `#name`, `:shortcode:` -> emoji, `&amp;`/`&lt;`/`&gt;` decoded.

mod attachments;
mod blocks;
mod mrkdwn;

use serde_json::{Map, Value};

pub use attachments::{attachment, timestamp};
pub use blocks::{render_blocks, text_object};
pub use mrkdwn::{Flavor, convert_text, mrkdwn};

use super::text::{self, escape};
use super::{Converted, Refusal, join_nonempty, optional_array, optional_string};

/// Converts a Slack incoming-webhook payload. `text`, `attachments` or `blocks` is required;
/// when `blocks` render, `text` is only their notification fallback, as in Slack.
pub fn convert(obj: &Map<String, Value>) -> Result<Converted, Refusal> {
    convert_with(obj, Flavor::Mrkdwn)
}

/// Converts a Slack-shaped payload whose text fields are written in `flavor`.
pub fn convert_with(obj: &Map<String, Value>, flavor: Flavor) -> Result<Converted, Refusal> {
    let text = optional_string(obj, "text")?;
    let attachments = optional_array(obj, "attachments")?;
    let blocks = optional_array(obj, "blocks")?;
    let username = optional_string(obj, "username")?;
    let icon_url = optional_string(obj, "icon_url")?;
    let icon_emoji = optional_string(obj, "icon_emoji")?;
    if text.is_none() && attachments.is_empty() && blocks.is_empty() {
        return Err(Refusal::NoText(
            "text, attachments or blocks is required".into(),
        ));
    }
    let plain = obj.get("mrkdwn") == Some(&Value::Bool(false)) && flavor == Flavor::Mrkdwn;
    let text = text.map(|t| {
        if plain {
            escape(&t)
        } else {
            convert_text(&t, flavor)
        }
    });
    let rendered_blocks = render_blocks(blocks)?;
    let lead = match (text, rendered_blocks.trim().is_empty()) {
        // Mattermost has no blocks: its text always shows.
        (Some(t), _) if flavor == Flavor::Markdown => join_nonempty([t, rendered_blocks], "\n\n"),
        (Some(t), true) => t,
        (_, false) => rendered_blocks,
        (None, true) => String::new(),
    };
    let mut parts = vec![lead];
    for (i, a) in attachments.iter().enumerate() {
        let a = a.as_object().ok_or_else(|| {
            Refusal::InvalidPayload(format!("attachments[{i}] must be an object"))
        })?;
        parts.push(attachment(a, flavor)?);
    }
    Ok(Converted {
        text: join_nonempty(parts, "\n\n"),
        username,
        avatar_url: icon_url,
        avatar_emoji: icon_emoji.and_then(|e| text::emoji(&e)).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn requires_something_to_show_and_right_types() {
        assert!(matches!(
            convert(&obj(json!({"username": "x"}))),
            Err(Refusal::NoText(_))
        ));
        assert!(matches!(
            convert(&obj(json!({"text": 5}))),
            Err(Refusal::InvalidPayload(_))
        ));
        assert!(matches!(
            convert(&obj(json!({"attachments": {}}))),
            Err(Refusal::InvalidPayload(_))
        ));
    }
}
