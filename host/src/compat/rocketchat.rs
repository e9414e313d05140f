//! Rocket.Chat incoming-integration payloads: `text` (Rocket.Chat's message format, the same
//! emphasis as Slack's mrkdwn, plus Markdown links), `alias` (or `username`), `emoji`,
//! `avatar`, and `attachments` in Rocket.Chat's shape (Slack's fields plus audio, video and
//! message links, ISO dates).

use serde_json::{Map, Value};

use super::slack::{self, Flavor};
use super::{Converted, Refusal, join_nonempty, optional_array, optional_string, text};

/// Converts a Rocket.Chat incoming-integration payload.
pub fn convert(obj: &Map<String, Value>) -> Result<Converted, Refusal> {
    let body = optional_string(obj, "text")?;
    let attachments = optional_array(obj, "attachments")?;
    let alias = optional_string(obj, "alias")?;
    let username = optional_string(obj, "username")?;
    let emoji = optional_string(obj, "emoji")?;
    let avatar = optional_string(obj, "avatar")?;
    if body.is_none() && attachments.is_empty() {
        return Err(Refusal::NoText("text or attachments is required".into()));
    }
    let mut parts = vec![
        body.map(|t| slack::convert_text(&t, Flavor::Mrkdwn))
            .unwrap_or_default(),
    ];
    for (i, a) in attachments.iter().enumerate() {
        let a = a.as_object().ok_or_else(|| {
            Refusal::InvalidPayload(format!("attachments[{i}] must be an object"))
        })?;
        parts.push(slack::attachment(a, Flavor::Mrkdwn)?);
    }
    Ok(Converted {
        text: join_nonempty(parts, "\n\n"),
        username: alias.or(username),
        avatar_url: avatar,
        avatar_emoji: emoji.and_then(|e| text::emoji(&e)).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_alias_emoji_avatar_and_attachments() {
        let c = convert(
            json!({
                "alias": "Gruggy", "emoji": ":smirk:", "avatar": "http://a.io/l.png",
                "text": "Sample *message*",
                "attachments": [{"title": "Example", "title_link": "https://youtube.com",
                    "text": "Yay", "ts": "2016-12-09T16:53:06.761Z",
                    "audio_url": "http://a.io/h.mp3"}]
            })
            .as_object()
            .unwrap(),
        )
        .unwrap();
        assert_eq!(c.username.as_deref(), Some("Gruggy"));
        assert_eq!(c.avatar_emoji.as_deref(), Some("😏"));
        assert_eq!(
            c.text,
            "Sample **message**\n\n**[Example](https://youtube.com)**\nYay\n[Audio](http://a.io/h.mp3)\n2016-12-09 16:53 UTC"
        );
    }

    #[test]
    fn needs_text_or_attachments() {
        let err = convert(json!({"alias": "x"}).as_object().unwrap()).unwrap_err();
        assert!(matches!(err, Refusal::NoText(_)));
    }
}
