//! Mattermost incoming-webhook payloads: Slack's fields with Markdown text (Slack's
//! `<url|label>` links and `:emoji:` understood), plus `props.card` (shown below a rule, since
//! we have no side panel), `priority` (a label before the text) and `type` (ignored).

use serde_json::{Map, Value};

use super::slack::{self, Flavor};
use super::{Converted, Refusal, join_nonempty};

/// Converts a Mattermost incoming-webhook payload.
pub fn convert(obj: &Map<String, Value>) -> Result<Converted, Refusal> {
    let card = obj
        .get("props")
        .and_then(|p| p.get("card"))
        .and_then(Value::as_str)
        .map(|c| slack::convert_text(c.trim(), Flavor::Markdown))
        .filter(|c| !c.is_empty());
    // Attachments may also come inside `props`, as Mattermost posts store them.
    let mut obj = obj.clone();
    if obj.get("attachments").is_none()
        && let Some(attachments) = obj.get("props").and_then(|p| p.get("attachments")).cloned()
    {
        obj.insert("attachments".into(), attachments);
    }
    let mut converted = match slack::convert_with(&obj, Flavor::Markdown) {
        // A card alone is something to show.
        Err(Refusal::NoText(_)) if card.is_some() => Converted::default(),
        other => other?,
    };
    let label = match obj
        .get("priority")
        .and_then(|p| p.get("priority"))
        .and_then(Value::as_str)
    {
        Some("urgent") => "**URGENT**",
        Some("important") => "**IMPORTANT**",
        _ => "",
    };
    let mut text = converted.text;
    if !label.is_empty() {
        text = if text.is_empty() {
            label.to_owned()
        } else if text.starts_with(['#', '|', '`', '>', '-']) {
            format!("{label}\n{text}")
        } else {
            format!("{label} {text}")
        };
    }
    converted.text = join_nonempty([text, card.unwrap_or_default()], "\n\n---\n\n");
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert_json(v: Value) -> Result<Converted, Refusal> {
        convert(v.as_object().unwrap())
    }

    #[test]
    fn keeps_markdown_and_converts_slack_links_and_emoji() {
        let c = convert_json(json!({
            "text": "**bold** *it* <https://a.io|docs> :white_check_mark:",
            "username": "ci", "icon_emoji": ":tada:", "channel": "town-square"
        }))
        .unwrap();
        assert_eq!(c.text, "**bold** *it* [docs](https://a.io) ✅");
        assert_eq!(c.avatar_emoji.as_deref(), Some("🎉"));
    }

    #[test]
    fn shows_priority_and_card() {
        let c = convert_json(json!({
            "attachments": [{"text": "Test Text"}],
            "props": {"card": "Test Card"},
            "priority": {"priority": "urgent"}
        }))
        .unwrap();
        assert_eq!(c.text, "**URGENT** Test Text\n\n---\n\nTest Card");
        let in_props = convert_json(json!({"props": {"attachments": [{"title": "T"}]}})).unwrap();
        assert_eq!(in_props.text, "**T**");
        let card_only = convert_json(json!({"props": {"card": "Only"}})).unwrap();
        assert_eq!(card_only.text, "Only");
    }

    #[test]
    fn empty_payload_has_no_text() {
        assert!(matches!(
            convert_json(json!({"text": ""})),
            Err(Refusal::NoText(_))
        ));
    }
}
