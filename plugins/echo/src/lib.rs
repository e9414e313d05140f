//! A generic transformer: posts any JSON body as a chat message.
//!
//! Configuration (every key optional):
//!
//! ```json
//! {
//!   "template": "{{user.name}} pushed {{commits.0.id}}: {{commits[0].message}}",
//!   "username": "Echo",
//!   "avatar_url": "https://example.com/echo.png"
//! }
//! ```
//!
//! - With a `template`, each `{{path}}` is replaced by the value at that path in the body:
//!   dotted keys, with array indexes written `.0` or `[0]`; `{{.}}` is the whole body.
//!   Strings are inserted as they are, other values as compact JSON, and missing values or
//!   `null` as nothing.
//! - Without one, the body's `content` or else `text` string field is posted (so native
//!   Chatalot and BitoLink payloads work), and any other JSON is posted as a pretty-printed
//!   code block.
//!
//! Content is cut to the host's 4000-character limit. A body that is not JSON (or a form whose
//! `payload` field is not JSON) is an invalid payload.

use std::borrow::Cow;

use serde::Deserialize;
use wasmhook_sdk::json::Value;
use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{Error, Message, Outcome, Plugin, Request, Result, json, markdown};

/// The webhook's configuration for this plugin.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Config {
    template: Option<String>,
    username: Option<String>,
    avatar_url: Option<String>,
}

/// Posts the JSON body of every request.
pub struct Echo;

impl Plugin for Echo {
    fn transform(request: Request) -> Result<Outcome> {
        let config: Config = request.config()?;
        let body = parse_body(&request)?;
        let (content, mode) = match &config.template {
            Some(template) => (render(template, &body), "template"),
            None => default_content(&body),
        };
        wasmhook_sdk::info!(
            "echo: {} byte body, {mode} mode, {} characters posted",
            request.body().len(),
            content.chars().count().min(MAX_CONTENT_CHARS)
        );
        if content.trim().is_empty() {
            return Err(Error::invalid_payload(format!(
                "the message would be empty ({mode} mode): are the template's fields missing from the body?"
            )));
        }
        let mut message = Message::new(markdown::truncate(&content, MAX_CONTENT_CHARS));
        if let Some(username) = config.username {
            message = message.username(username);
        }
        if let Some(avatar_url) = config.avatar_url {
            message = message.avatar_url(avatar_url);
        }
        Ok(Outcome::message(message))
    }
}

// The host checks a configuration against `Config` when it is set: an unknown key is refused
// with HTTP 422 naming it, rather than failing the next delivery.
wasmhook_sdk::register_plugin!(Echo, config = Config);

/// The body as JSON; a form body's `payload` field (as GitHub can send) is accepted too.
fn parse_body(request: &Request) -> Result<Value> {
    if request.body().is_empty() {
        return Err(Error::invalid_payload("empty body: expected JSON"));
    }
    if request.content_type().as_deref() == Some("application/x-www-form-urlencoded")
        && let Some(payload) = request.form_field("payload")?
    {
        return json::from_str(&payload).map_err(|err| {
            Error::invalid_payload(format!("form field `payload` is not JSON: {err}"))
        });
    }
    request.json()
}

/// The content when there is no template, and the name of the rule that chose it.
fn default_content(body: &Value) -> (String, &'static str) {
    for field in ["content", "text"] {
        if let Some(Value::String(text)) = body.get(field)
            && !text.trim().is_empty()
        {
            return (text.clone(), field);
        }
    }
    (json_block(body), "json")
}

/// `body` pretty-printed in a `json` code block of at most [`MAX_CONTENT_CHARS`] characters.
fn json_block(body: &Value) -> String {
    let pretty = json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
    let block = markdown::code_block(&pretty, "json");
    let overhead = block.chars().count() - pretty.chars().count();
    if overhead + pretty.chars().count() <= MAX_CONTENT_CHARS {
        return block;
    }
    // Cutting the text can only shorten its backtick runs, so the fence does not grow.
    let budget = MAX_CONTENT_CHARS.saturating_sub(overhead);
    markdown::code_block(&markdown::truncate(&pretty, budget), "json")
}

/// Replaces every `{{path}}` in `template` by the value at `path` in `body`.
/// An unterminated `{{` is kept as text.
fn render(template: &str, body: &Value) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let path = rest[start + 2..start + 2 + len].trim();
        if let Some(value) = lookup(body, path) {
            out.push_str(&display(value));
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The value at a dotted path such as `a.b.0.c` or `a.b[0].c`; `.` or nothing is `root`.
fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() || path == "." {
        return Some(root);
    }
    let mut current = root;
    for segment in path.split('.') {
        let (key, mut indexes) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
        if !key.is_empty() {
            current = step(current, key)?;
        }
        while let Some(inner) = indexes.strip_prefix('[') {
            let end = inner.find(']')?;
            current = step(current, &inner[..end])?;
            indexes = &inner[end + 1..];
        }
        if !indexes.is_empty() {
            return None;
        }
    }
    Some(current)
}

fn step<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(key),
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    }
}

fn display(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(text) => Cow::Borrowed(text),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmhook_sdk::json::json;
    use wasmhook_sdk::log::{self, Level};

    fn run(body: &str, config: Value) -> Result<Outcome> {
        Echo::transform(Request::builder().body(body).config(&config).build())
    }

    fn content(outcome: &Outcome) -> &str {
        &outcome.as_messages()[0].content
    }

    #[test]
    fn template_replaces_dotted_paths_and_indexes() {
        let body =
            r#"{"user":{"name":"ada"},"commits":[{"id":"abc","n":2,"ok":true,"none":null}]}"#;
        let template = "{{user.name}}: {{ commits.0.id }} {{commits[0].n}} {{commits[0].ok}} [{{commits.0.none}}] [{{missing.path}}]";
        let outcome = run(body, json!({ "template": template })).unwrap();
        assert_eq!(content(&outcome), "ada: abc 2 true [] []");
    }

    #[test]
    fn template_inserts_objects_as_json_and_keeps_unterminated_braces() {
        let outcome = run(
            r#"{"a":{"b":[1,2]}}"#,
            json!({"template": "{{a}} {{.}} {{oops"}),
        )
        .unwrap();
        assert_eq!(content(&outcome), r#"{"b":[1,2]} {"a":{"b":[1,2]}} {{oops"#);
    }

    #[test]
    fn posts_content_or_text_field_by_default() {
        let outcome = run(r#"{"content":"hello","text":"ignored"}"#, json!({})).unwrap();
        assert_eq!(content(&outcome), "hello");
        let outcome = run(r#"{"text":"from text"}"#, json!({})).unwrap();
        assert_eq!(content(&outcome), "from text");
    }

    #[test]
    fn posts_other_json_as_a_code_block() {
        let outcome = run(r#"{"status":"firing","n":[1]}"#, json!({})).unwrap();
        assert_eq!(
            content(&outcome),
            // Keys come out sorted: serde_json's `preserve_order` would change the host's maps too.
            "```json\n{\n  \"n\": [\n    1\n  ],\n  \"status\": \"firing\"\n}\n```"
        );
    }

    #[test]
    fn truncates_a_large_body_to_the_content_limit() {
        let big: Vec<String> = (0..2000).map(|i| format!("item number {i}")).collect();
        let body = json::to_string(&json!({ "items": big })).unwrap();
        let outcome = run(&body, json!({})).unwrap();
        let text = content(&outcome);
        assert_eq!(text.chars().count(), MAX_CONTENT_CHARS);
        assert!(text.starts_with("```json\n{"));
        assert!(text.ends_with("…\n```"), "{}", &text[text.len() - 20..]);
    }

    #[test]
    fn truncates_long_content_fields() {
        let body = json::to_string(&json!({ "content": "é".repeat(5000) })).unwrap();
        let outcome = run(&body, json!({})).unwrap();
        assert_eq!(content(&outcome).chars().count(), MAX_CONTENT_CHARS);
    }

    #[test]
    fn applies_username_and_avatar_from_config() {
        let config = json!({"username": "Echo", "avatar_url": "https://example.com/e.png"});
        let outcome = run(r#"{"text":"hi"}"#, config).unwrap();
        let message = &outcome.as_messages()[0];
        assert_eq!(message.username.as_deref(), Some("Echo"));
        assert_eq!(
            message.avatar_url.as_deref(),
            Some("https://example.com/e.png")
        );
    }

    #[test]
    fn rejects_non_json_bodies_naming_the_problem() {
        let err = run("not json", json!({})).unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)), "{err:?}");
        assert!(err.message().contains("invalid JSON body"), "{err}");
        let err = run("", json!({})).unwrap_err();
        assert!(err.message().contains("empty body"), "{err}");
    }

    #[test]
    fn rejects_a_template_that_renders_nothing() {
        let err = run(r#"{"a":1}"#, json!({"template": "{{b}}"})).unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)), "{err:?}");
    }

    #[test]
    fn unknown_config_keys_are_a_configuration_error() {
        let err = run(r#"{"a":1}"#, json!({"tempalte": "x"})).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
        assert!(err.message().contains("tempalte"), "{err}");
    }

    #[test]
    fn accepts_a_form_encoded_payload_field() {
        let request = Request::builder()
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("payload=%7B%22text%22%3A%22from+form%22%7D")
            .build();
        let outcome = Echo::transform(request).unwrap();
        assert_eq!(content(&outcome), "from form");
    }

    #[test]
    fn logs_one_info_line_per_request() {
        log::take_records();
        run(r#"{"text":"hi"}"#, json!({})).unwrap();
        let records = log::take_records();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].0, Level::Info);
        assert!(records[0].1.contains("text mode"), "{records:?}");
    }
}
