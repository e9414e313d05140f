//! The human-readable form of an event that chat targets and direct messages show: a title, an
//! optional author and body, and facts. Every title carries the word "wasmhook", so DingTalk's
//! and Feishu's keyword security passes with "wasmhook" as the keyword.

use serde_json::Value;

use super::events::TEST_EVENT;

/// The keyword every chat message contains.
pub const KEYWORD: &str = "wasmhook";

/// An event as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// One line, starting with "wasmhook: ".
    pub title: String,
    /// Who wrote the message the event is about.
    pub author: Option<String>,
    /// The message text or error, when there is one.
    pub body: Option<String>,
    /// Name/value pairs (channel, webhook, ids).
    pub facts: Vec<(String, String)>,
}

fn text<'a>(data: &'a Value, pointer: &str) -> &'a str {
    data.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl Summary {
    /// Summarizes an event of type `kind` with its `data` object.
    pub fn of(kind: &str, data: &Value) -> Self {
        let channel = text(data, "/channel/name");
        let hook = text(data, "/webhook/name");
        let mut facts = Vec::new();
        if !channel.is_empty() {
            facts.push(("Channel".to_owned(), format!("#{channel}")));
        }
        let (title, author, body) = match kind {
            "message.created" => (
                format!("New message in #{channel}"),
                Some(text(data, "/message/sender/display_name").to_owned()),
                Some(text(data, "/message/content").to_owned()),
            ),
            "mention.created" => (
                format!(
                    "{} was mentioned in #{channel}",
                    text(data, "/user/display_name")
                ),
                Some(text(data, "/message/sender/display_name").to_owned()),
                Some(text(data, "/message/content").to_owned()),
            ),
            "webhook.created" => (format!("Webhook \"{hook}\" created"), None, None),
            "webhook.updated" => (format!("Webhook \"{hook}\" updated"), None, None),
            "webhook.regenerated" => (
                format!("Webhook \"{hook}\" got a new token; the old URL no longer works"),
                None,
                None,
            ),
            "webhook.deleted" => (format!("Webhook \"{hook}\" deleted"), None, None),
            "delivery.failed" => {
                facts.push(("Delivery".to_owned(), text(data, "/delivery/id").to_owned()));
                (
                    format!("Webhook \"{hook}\" failed to process a request"),
                    None,
                    Some(format!(
                        "{}: {}",
                        text(data, "/delivery/error_code"),
                        text(data, "/delivery/error_message")
                    )),
                )
            }
            "member.joined" => {
                facts.push(("Role".to_owned(), text(data, "/role").to_owned()));
                (
                    format!("{} joined the community", text(data, "/user/display_name")),
                    None,
                    None,
                )
            }
            "channel.created" => (format!("Channel #{channel} created"), None, None),
            TEST_EVENT => (
                format!(
                    "Test of outgoing webhook \"{}\"",
                    text(data, "/outgoing_webhook/name")
                ),
                None,
                Some("If you can read this, the outgoing webhook works.".to_owned()),
            ),
            other => (other.to_owned(), None, None),
        };
        if !hook.is_empty() {
            facts.push(("Webhook".to_owned(), hook.to_owned()));
        }
        Summary {
            title: format!("{KEYWORD}: {title}"),
            author: author.filter(|a| !a.is_empty()),
            body,
            facts,
        }
    }

    /// Plain text: title, then "author: body", then the facts, one per line.
    pub fn plain(&self) -> String {
        let mut out = self.title.clone();
        if let Some(body) = &self.body {
            out.push('\n');
            if let Some(author) = &self.author {
                out.push_str(author);
                out.push_str(": ");
            }
            out.push_str(body);
        }
        for (name, value) in &self.facts {
            out.push_str(&format!("\n{name}: {value}"));
        }
        out
    }

    /// Markdown (the common subset of DingTalk, Feishu and WeCom): bold title, quoted body,
    /// facts as a list.
    pub fn markdown(&self) -> String {
        let mut out = format!("**{}**", self.title);
        if let Some(body) = &self.body {
            out.push_str("\n\n");
            if let Some(author) = &self.author {
                out.push_str(&format!("**{author}**: "));
            }
            out.push_str(body);
        }
        if !self.facts.is_empty() {
            out.push('\n');
        }
        for (name, value) in &self.facts {
            out.push_str(&format!("\n- {name}: {value}"));
        }
        out
    }
}

/// Cuts `s` to at most `max` characters, ending with "…" when it was longer.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_title_carries_the_keyword() {
        for kind in super::super::events::ALL_EVENTS {
            let s = Summary::of(kind.as_str(), &json!({}));
            assert!(s.title.starts_with("wasmhook: "), "{kind:?}");
            assert!(s.plain().contains(KEYWORD));
            assert!(s.markdown().contains(KEYWORD));
        }
    }

    #[test]
    fn message_summary_has_author_body_and_channel() {
        let data = json!({"channel": {"name": "general"},
            "message": {"content": "deploy done", "sender": {"display_name": "CI"}}});
        let s = Summary::of("message.created", &data);
        assert_eq!(s.title, "wasmhook: New message in #general");
        assert_eq!(
            s.plain(),
            "wasmhook: New message in #general\nCI: deploy done\nChannel: #general"
        );
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo!", 5), "héll…");
        assert_eq!(truncate("héllo!", 5).chars().count(), 5);
    }
}
