//! {{name}}: a wasmhook transformer plugin.
//!
//! It posts one Markdown message for a JSON alert such as
//!
//! ```json
//! {"title": "Disk almost full", "text": "/var is at 95%", "url": "https://status.example.com/1"}
//! ```
//!
//! Every field is optional; `url` (http or https) links the title. An empty body, or an alert
//! with neither title nor text (a "ping"), posts nothing. Text from the payload is escaped and
//! its `@` made inert, so it can neither format nor mention anyone.
//!
//! Configuration (optional): `{"username": "Monitor"}` overrides the webhook's display name; any
//! other key is refused when the configuration is set (HTTP 422 naming it).

use serde::Deserialize;
use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{
    Error, Message, Outcome, Plugin, Request, Result, check_sender_overrides, inert, markdown,
};

/// Why an empty body, or an alert without title and text, posts nothing.
pub const NOTHING_TO_POST: &str = "nothing to post: no title or text (a ping?)";

/// The webhook's configuration (`{}` when none was set). `register_plugin!` below derives the
/// check the host runs when a configuration is set from it: an unknown key is refused with HTTP
/// 422 naming it, so a typo cannot go unnoticed.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Config {
    username: Option<String>,
}

/// The payload; other fields are ignored, a field of the wrong type is an invalid payload.
#[derive(Debug, Deserialize)]
struct Alert {
    title: Option<String>,
    text: Option<String>,
    url: Option<String>,
}

/// The plugin: one message per alert.
pub struct {{type}};

impl Plugin for {{type}} {
    fn transform(request: Request) -> Result<Outcome> {
        let config: Config = request.config()?;
        check_sender_overrides(config.username.as_deref(), None)?;
        if request.body().trim_ascii().is_empty() {
            return Ok(Outcome::skip(NOTHING_TO_POST));
        }
        // Bad JSON is an invalid payload: HTTP 422 for the sender, nothing kept.
        let alert: Alert = request.json()?;
        let Some(content) = render(&alert)? else {
            return Ok(Outcome::skip(NOTHING_TO_POST));
        };
        wasmhook_sdk::info!("posting an alert of {} characters", content.chars().count());
        let mut message = Message::new(content);
        if let Some(username) = config.username {
            message = message.username(username);
        }
        Ok(Outcome::message(message))
    }
}

wasmhook_sdk::register_plugin!({{type}}, config = Config);

/// The title in bold (a link when there is a URL), then the text; `None` when both are empty.
fn render(alert: &Alert) -> Result<Option<String>> {
    let url = alert.url.as_deref();
    if url.is_some_and(|url| !(url.starts_with("https://") || url.starts_with("http://"))) {
        return Err(Error::invalid_payload("url must be an http(s) URL"));
    }
    let present = |field: &Option<String>| {
        let text = field.as_deref().unwrap_or_default().trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    // Payload text goes through `inert`: Markdown escaped and `@` made inert, in one call.
    let mut lines = Vec::new();
    if let Some(title) = present(&alert.title) {
        let title = match url {
            Some(url) => inert::link(&title, url),
            None => inert::text(&title),
        };
        lines.push(format!("**{title}**"));
    }
    if let Some(text) = present(&alert.text) {
        lines.push(inert::text(&text));
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let content = lines.join("\n");
    Ok(Some(markdown::truncate(&content, MAX_CONTENT_CHARS).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str, config: &str) -> Result<Outcome> {
        {{type}}::transform(Request::builder().body(body).config_json(config).build())
    }

    #[test]
    fn posts_the_title_as_a_link_and_the_text_escaped() {
        let body = r#"{"title": "CPU *high*", "text": "load 12 @oncall", "url": "https://x.example/1"}"#;
        let outcome = run(body, r#"{"username": "Monitor"}"#).unwrap();
        let message = &outcome.as_messages()[0];
        assert_eq!(
            message.content,
            "**[CPU \\*high\\*](https://x.example/1)**\nload 12 @\u{2060}oncall"
        );
        assert_eq!(message.username.as_deref(), Some("Monitor"));
    }

    #[test]
    fn skips_empty_bodies_and_pings() {
        for body in ["", "  \n", "{}", r#"{"title": " ", "text": null}"#] {
            let outcome = run(body, "{}").unwrap();
            assert_eq!(outcome.skip_reason(), Some(NOTHING_TO_POST), "{body:?}");
        }
    }

    #[test]
    fn rejects_bad_json_wrong_types_and_other_urls() {
        for body in ["{", "[1]", r#"{"title": 7}"#, r#"{"title": "t", "url": "ftp://x"}"#] {
            let err = run(body, "{}").unwrap_err();
            assert!(matches!(err, Error::InvalidPayload(_)), "{body:?}: {err:?}");
        }
    }

    #[test]
    fn the_host_refuses_an_unknown_key_when_the_configuration_is_set() {
        let err = wasmhook_sdk::config::parse::<Config>(r#"{"colour": "red"}"#).unwrap_err();
        assert_eq!(err.path, "colour");
        assert!(wasmhook_sdk::config::parse::<Config>(r#"{"username": "Monitor"}"#).is_ok());
    }

    #[test]
    fn rejects_unknown_configuration_keys() {
        let err = run(r#"{"text": "hi"}"#, r#"{"colour": "red"}"#).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
        assert!(err.message().contains("unknown field `colour`"), "{err}");
    }
}
