//! The shared conformance vectors (`guest-sdk/conformance/vectors.json`): the Rust SDK, the
//! reference, gives exactly the outputs the Python and JavaScript SDKs are held to.

use std::borrow::Cow;

use serde_json::{Value, json};
use wasmhook_sdk::__private::{WitOutcome, WitPluginError, WitRequest};
use wasmhook_sdk::{
    Error, Message, Outcome, Plugin, Request, check_sender_overrides, inert, limits, markdown,
    mention, signature,
};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/vectors.json");
    let text = std::fs::read_to_string(path).expect("read the vectors");
    serde_json::from_str(&text).expect("vectors are JSON")
}

/// A text value of the vectors: a string, `{"repeat", "times"}`, or a list of them.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().map(text).collect(),
        Value::Object(o) => o["repeat"]
            .as_str()
            .expect("repeat")
            .repeat(times(&o["times"])),
        other => panic!("not a text value: {other}"),
    }
}

fn times(value: &Value) -> usize {
    usize::try_from(value.as_u64().expect("a count")).expect("fits")
}

fn optional_text(value: &Value) -> Option<String> {
    (!value.is_null()).then(|| text(value))
}

fn body(value: &Value) -> Vec<u8> {
    match value.get("hex") {
        Some(hex) => {
            let hex = hex.as_str().expect("hex");
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
                .collect()
        }
        None => text(value).into_bytes(),
    }
}

/// Runs `check` on every vector of `section`, naming the failing one.
fn each(section: &str, check: impl Fn(&Value)) {
    let all = vectors();
    let list = all[section]
        .as_array()
        .unwrap_or_else(|| panic!("no {section}"));
    assert!(!list.is_empty(), "{section} is empty");
    for (i, vector) in list.iter().enumerate() {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(vector)));
        if let Err(panic) = outcome {
            eprintln!("{section}[{i}] failed: {vector}");
            std::panic::resume_unwind(panic);
        }
    }
}

/// `{"out": value}`, or `{"error": kind}` for an [`Error`].
fn settle(result: Result<Option<Cow<'_, str>>, Error>) -> Value {
    match result {
        Ok(value) => json!({ "out": value }),
        Err(error) => json!({ "error": kind(&error) }),
    }
}

fn expected(vector: &Value) -> Value {
    match vector.get("error") {
        Some(kind) => json!({ "error": kind }),
        None if vector["out"].is_null() => json!({ "out": null }),
        None => json!({ "out": text(&vector["out"]) }),
    }
}

fn kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidPayload(_) => "invalid-payload",
        Error::Unauthorized(_) => "unauthorized",
        Error::UnsupportedEvent(_) => "unsupported-event",
        Error::Internal(_) => "internal",
        _ => "unknown",
    }
}

#[test]
fn limits() {
    assert_eq!(
        json!({
            "MAX_CONTENT_CHARS": limits::MAX_CONTENT_CHARS,
            "MAX_USERNAME_CHARS": limits::MAX_USERNAME_CHARS,
        }),
        vectors()["limits"]
    );
}

#[test]
fn markdown_escape() {
    each("markdown.escape", |v| {
        assert_eq!(markdown::escape(&text(&v["text"])), text(&v["out"]));
    });
}

#[test]
fn markdown_link() {
    each("markdown.link", |v| {
        let link = markdown::link(&text(&v["text"]), &text(&v["url"]));
        assert_eq!(link, text(&v["out"]));
    });
}

#[test]
fn markdown_code() {
    each("markdown.code", |v| {
        assert_eq!(markdown::code(&text(&v["text"])), text(&v["out"]));
    });
}

#[test]
fn markdown_code_block() {
    each("markdown.code_block", |v| {
        let block = markdown::code_block(&text(&v["text"]), &text(&v["language"]));
        assert_eq!(block, text(&v["out"]));
    });
}

#[test]
fn markdown_truncate() {
    each("markdown.truncate", |v| {
        let max = match &v["max_chars"] {
            Value::String(name) => match name.as_str() {
                "MAX_CONTENT_CHARS" => limits::MAX_CONTENT_CHARS,
                "MAX_USERNAME_CHARS" => limits::MAX_USERNAME_CHARS,
                other => panic!("unknown limit {other}"),
            },
            n => times(n),
        };
        assert_eq!(markdown::truncate(&text(&v["text"]), max), text(&v["out"]));
    });
}

#[test]
fn mention_email() {
    each("mention.email", |v| {
        let addr = text(&v["addr"]);
        assert_eq!(mention::email(&addr), optional_text(&v["out"]));
    });
}

#[test]
fn mention_username() {
    each("mention.username", |v| {
        let name = text(&v["name"]);
        assert_eq!(mention::username(&name), optional_text(&v["out"]));
    });
}

#[test]
fn mention_is_valid_username() {
    each("mention.is_valid_username", |v| {
        let name = text(&v["name"]);
        assert_eq!(
            mention::is_valid_username(&name),
            v["out"].as_bool().unwrap()
        );
    });
}

#[test]
fn mention_suppress() {
    each("mention.suppress", |v| {
        assert_eq!(mention::suppress(&text(&v["text"])), text(&v["out"]));
    });
}

#[test]
fn inert_text() {
    each("inert.text", |v| {
        assert_eq!(inert::text(&text(&v["raw"])), text(&v["out"]));
    });
}

#[test]
fn inert_code() {
    each("inert.code", |v| {
        assert_eq!(inert::code(&text(&v["raw"])), text(&v["out"]));
    });
}

#[test]
fn inert_code_block() {
    each("inert.code_block", |v| {
        let block = inert::code_block(&text(&v["raw"]), &text(&v["language"]));
        assert_eq!(block, text(&v["out"]));
    });
}

#[test]
fn inert_link() {
    each("inert.link", |v| {
        let link = inert::link(&text(&v["label"]), &text(&v["url"]));
        assert_eq!(link, text(&v["out"]));
    });
}

#[test]
fn inert_url() {
    each("inert.url", |v| {
        assert_eq!(inert::url(&text(&v["url"])), text(&v["out"]));
    });
}

#[test]
fn sender_overrides() {
    each("check_sender_overrides", |v| {
        let username = optional_text(&v["username"]);
        let avatar_url = optional_text(&v["avatar_url"]);
        let error = match check_sender_overrides(username.as_deref(), avatar_url.as_deref()) {
            Ok(()) => None,
            Err(Error::Internal(message)) => Some(message),
            Err(other) => panic!("not internal: {other:?}"),
        };
        assert_eq!(error, optional_text(&v["error"]));
    });
}

#[test]
fn signature_verify() {
    each("signature.verify_hmac_sha256", |v| {
        let ok = signature::verify_hmac_sha256(
            text(&v["secret"]).as_bytes(),
            text(&v["body"]).as_bytes(),
            &text(&v["signature"]),
        );
        assert_eq!(ok, v["out"].as_bool().unwrap());
    });
}

#[test]
fn signature_sign() {
    each("signature.sign_hmac_sha256", |v| {
        let sig =
            signature::sign_hmac_sha256(text(&v["secret"]).as_bytes(), text(&v["body"]).as_bytes());
        assert_eq!(sig, text(&v["out"]));
    });
}

fn request(v: &Value) -> Request {
    let mut builder = Request::builder()
        .query(v.get("query").map(text).unwrap_or_default())
        .body(v.get("body").map(body).unwrap_or_default())
        .config_json(v.get("config").map_or_else(|| "{}".to_owned(), text));
    for pair in v
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        builder = builder.header(text(&pair[0]), text(&pair[1]));
    }
    builder.build()
}

#[test]
fn request_header() {
    each("request.header", |v| {
        let request = request(v);
        assert_eq!(
            request.header(&text(&v["name"])),
            optional_text(&v["out"]).as_deref()
        );
    });
}

#[test]
fn request_header_values() {
    each("request.header_values", |v| {
        let request = request(v);
        let values: Vec<&str> = request.header_values(&text(&v["name"])).collect();
        let expected: Vec<String> = v["out"].as_array().unwrap().iter().map(text).collect();
        assert_eq!(values, expected);
    });
}

#[test]
fn request_content_type() {
    each("request.content_type", |v| {
        let request = request(v);
        assert_eq!(
            request.content_type(),
            optional_text(&v["out"]).map(Cow::Owned)
        );
    });
}

#[test]
fn request_query_param() {
    each("request.query_param", |v| {
        let request = request(v);
        assert_eq!(settle(request.query_param(&text(&v["name"]))), expected(v));
    });
}

#[test]
fn request_form_field() {
    each("request.form_field", |v| {
        let request = request(v);
        assert_eq!(settle(request.form_field(&text(&v["name"]))), expected(v));
    });
}

#[test]
fn request_text() {
    each("request.text", |v| {
        let request = request(v);
        let result = request.text().map(|t| Some(Cow::Borrowed(t)));
        assert_eq!(settle(result), expected(v));
    });
}

#[test]
fn request_config_json() {
    each("request.config_json", |v| {
        assert_eq!(request(v).config_json(), text(&v["out"]));
    });
}

fn message(value: &Value) -> Message {
    if let Value::String(content) = value {
        return Message::new(content.as_str());
    }
    let mut message = Message::new(text(&value["content"]));
    if let Some(username) = optional_text(&value["username"]) {
        message = message.username(username);
    }
    if let Some(url) = optional_text(&value["avatar_url"]) {
        message = message.avatar_url(url);
    }
    message
}

/// Returns what the request's body describes: a `returns` spec of the vectors.
struct Returns;

impl Plugin for Returns {
    fn transform(request: Request) -> wasmhook_sdk::Result<Outcome> {
        let spec: Value = request.json()?;
        if let Some(m) = spec.get("message") {
            return Ok(Outcome::message(message(m)));
        }
        if let Some(list) = spec.get("messages") {
            return Ok(Outcome::messages(
                list.as_array().unwrap().iter().map(message),
            ));
        }
        if let Some(reason) = spec.get("skip") {
            return Ok(Outcome::skip(text(reason)));
        }
        let error = &spec["error"];
        let text = text(&error["message"]);
        Err(match error["kind"].as_str().unwrap() {
            "invalid-payload" => Error::invalid_payload(text),
            "unauthorized" => Error::unauthorized(text),
            "unsupported-event" => Error::unsupported_event(text),
            "internal" => Error::internal(text),
            other => panic!("unknown error kind {other}"),
        })
    }
}

#[test]
fn transform() {
    each("transform", |v| {
        // Through the adapter `register_plugin!` exports: what the host receives.
        let request = WitRequest {
            method: "POST".into(),
            path: String::new(),
            query: String::new(),
            headers: Vec::new(),
            body: v["returns"].to_string().into_bytes(),
            config: "{}".into(),
            webhook_name: "w".into(),
        };
        let result = match wasmhook_sdk::__private::transform::<Returns>(request) {
            Ok(WitOutcome::Messages(messages)) => json!({
                "messages": messages
                    .iter()
                    .map(|m| json!({
                        "content": m.content,
                        "username": m.username,
                        "avatar_url": m.avatar_url,
                    }))
                    .collect::<Vec<_>>(),
            }),
            Ok(WitOutcome::Skip(reason)) => json!({ "skip": reason }),
            Err(error) => {
                let (kind, message) = match error {
                    WitPluginError::InvalidPayload(m) => ("invalid-payload", m),
                    WitPluginError::Unauthorized(m) => ("unauthorized", m),
                    WitPluginError::UnsupportedEvent(m) => ("unsupported-event", m),
                    WitPluginError::Internal(m) => ("internal", m),
                };
                json!({ "error": { "kind": kind, "message": message } })
            }
        };
        assert_eq!(result, v["result"]);
    });
}
