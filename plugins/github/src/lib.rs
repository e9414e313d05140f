//! The built-in GitHub transformer: turns GitHub webhook deliveries into chat messages.
//!
//! The event comes from the `X-GitHub-Event` header; the body is JSON, or the form
//! `payload=<urlencoded JSON>` when the GitHub hook's content type is
//! `application/x-www-form-urlencoded`. Rendered events:
//!
//! | event | actions |
//! |---|---|
//! | `push` | commits, forced pushes, new and deleted branches, tags |
//! | `pull_request` | opened, closed (merged or not), reopened, synchronize, ready_for_review, converted_to_draft, review_requested, assigned, labeled, edited |
//! | `pull_request_review` | submitted (approved, changes requested, commented), dismissed |
//! | `issues` | opened, closed, reopened, assigned, labeled, edited |
//! | `issue_comment` | created, edited, deleted |
//! | `release` | published (releases), prereleased (pre-releases), created (drafts) |
//! | `create`, `delete` | branches and tags |
//! | `workflow_run`, `workflow_job`, `check_run`, `check_suite` | completed |
//! | `status`, `star`, `watch`, `fork` | all |
//! | `ping` | skipped, with its `zen` line as the reason |
//!
//! Any other event or action is reported to GitHub as ignored. The configuration keys are
//! described in [`config`]; `plugins/README.md` has examples.

mod checks;
pub mod config;
mod issues;
mod markup;
mod model;
mod pull_request;
mod push;
mod repository;

use std::borrow::Cow;

use wasmhook_sdk::{
    ConfigError, Error, Message, Outcome, Plugin, Request, Result, json, signature,
};

use crate::config::Config;
use crate::markup::Context;

/// The display name of messages when the configuration sets none.
const DEFAULT_USERNAME: &str = "GitHub";

/// What an event handler decided.
pub(crate) enum Reply {
    /// Post this content.
    Post(String),
    /// Post nothing, for this reason (a configuration filter matched).
    Skip(String),
}

/// The GitHub plugin.
pub struct Github;

impl Plugin for Github {
    fn transform(request: Request) -> Result<Outcome> {
        let config = Config::from_request(&request)?;
        if let Some(secret) = &config.secret {
            verify_signature(&request, secret)?;
        }
        let event = request
            .header("x-github-event")
            .ok_or_else(|| Error::invalid_payload("missing X-GitHub-Event header"))?;
        let payload = payload(&request)?;
        if event == "ping" {
            return ping(&payload);
        }
        if !config.allows_event(event) {
            return Ok(Outcome::skip(format!(
                "event {event:?} is not in this webhook's `events` list"
            )));
        }
        if let Some(actions) = rendered_actions(event) {
            let action = action(&payload)?;
            if !actions.contains(&action.as_ref()) {
                return Err(unsupported_action(event, &action));
            }
        }
        let context = Context::new(&config);
        let reply = match event {
            "push" => push::push(&payload, &context),
            "create" => push::create(&payload, &context),
            "delete" => push::delete(&payload, &context),
            "pull_request" => pull_request::pull_request(&payload, &context),
            "pull_request_review" => pull_request::review(&payload, &context),
            "issues" => issues::issues(&payload, &context),
            "issue_comment" => issues::comment(&payload, &context),
            "release" => repository::release(&payload, &context),
            "star" | "watch" => repository::star(event, &payload, &context),
            "fork" => repository::fork(&payload, &context),
            "workflow_run" => checks::workflow_run(&payload, &context),
            "workflow_job" => checks::workflow_job(&payload, &context),
            "check_run" => checks::check_run(&payload, &context),
            "check_suite" => checks::check_suite(&payload, &context),
            "status" => checks::status(&payload, &context),
            other => Err(Error::unsupported_event(format!(
                "GitHub event {other:?} is not rendered"
            ))),
        }?;
        match reply {
            Reply::Skip(reason) => Ok(Outcome::skip(reason)),
            Reply::Post(content) => {
                wasmhook_sdk::debug!("{event}: {} characters", content.chars().count());
                let content = markup::fit(content);
                let username = config.username.as_deref().unwrap_or(DEFAULT_USERNAME);
                let mut message = Message::new(content).username(username);
                if let Some(avatar_url) = &config.avatar_url {
                    message = message.avatar_url(avatar_url);
                }
                Ok(Outcome::message(message))
            }
        }
    }

    fn validate_config(config: &str) -> std::result::Result<(), ConfigError> {
        let request = Request::builder().config_json(config).build();
        Config::from_request(&request).map(drop).map_err(|e| {
            let message = e.message();
            ConfigError::new(
                "",
                message
                    .strip_prefix("invalid plugin configuration: ")
                    .unwrap_or(message),
            )
        })
    }
}

// The host checks a configuration when it is set: first against `Config`'s type (an unknown key
// or a mistyped value names its key), then the rules `Config::from_request` applies.
wasmhook_sdk::register_plugin!(Github, config = Config);

/// Checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) against the configured secret.
fn verify_signature(request: &Request, secret: &str) -> Result<()> {
    let Some(sig) = request.header("x-hub-signature-256") else {
        return Err(Error::unauthorized(
            "missing X-Hub-Signature-256 header (this webhook has a secret)",
        ));
    };
    if signature::verify_hmac_sha256(secret.as_bytes(), request.body(), sig) {
        Ok(())
    } else {
        Err(Error::unauthorized(
            "X-Hub-Signature-256 does not match the body and the webhook's secret",
        ))
    }
}

/// The JSON text of the delivery: the body, or the `payload` field of a form body.
fn payload(request: &Request) -> Result<Cow<'_, str>> {
    if request.content_type().as_deref() == Some("application/x-www-form-urlencoded") {
        return request
            .form_field("payload")?
            .ok_or_else(|| Error::invalid_payload("form body has no `payload` field"));
    }
    Ok(Cow::Borrowed(request.text()?))
}

/// GitHub's `ping`, sent when a hook is created: nothing to post, the `zen` line as reason.
fn ping(payload: &str) -> Result<Outcome> {
    #[derive(serde::Deserialize)]
    struct Ping<'a> {
        #[serde(borrow, default)]
        zen: Option<Cow<'a, str>>,
    }
    let ping: Ping<'_> = json::from_str(payload)?;
    Ok(Outcome::skip(match ping.zen {
        Some(zen) if !zen.trim().is_empty() => zen.into_owned(),
        _ => "ping".to_owned(),
    }))
}

/// The actions rendered for events that have an `action`; `None` for the others.
fn rendered_actions(event: &str) -> Option<&'static [&'static str]> {
    Some(match event {
        "pull_request" => &[
            "opened",
            "closed",
            "reopened",
            "synchronize",
            "ready_for_review",
            "converted_to_draft",
            "review_requested",
            "assigned",
            "labeled",
            "edited",
        ],
        "pull_request_review" => &["submitted", "dismissed"],
        "issues" => &[
            "opened", "closed", "reopened", "assigned", "labeled", "edited",
        ],
        "issue_comment" => &["created", "edited", "deleted"],
        "release" => &["published", "prereleased", "created"],
        "star" => &["created"],
        "watch" => &["started"],
        "workflow_run" | "workflow_job" | "check_run" | "check_suite" => &["completed"],
        _ => return None,
    })
}

/// The payload's `action`, read before the event's own parsing so that an action that is not
/// rendered is ignored whatever the rest of its payload looks like.
fn action(payload: &str) -> Result<Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct Action<'a> {
        #[serde(borrow)]
        action: Cow<'a, str>,
    }
    let parsed: Action<'_> = json::from_str(payload)?;
    Ok(parsed.action)
}

/// Error for a known event whose action is not rendered (reported as ignored).
pub(crate) fn unsupported_action(event: &str, action: &str) -> Error {
    Error::unsupported_event(format!(
        "GitHub event {event:?} with action {action:?} is not rendered"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmhook_sdk::json::json;

    const SECRET: &str = "It's a Secret to Everybody";
    const PUSH: &str = r#"{"ref":"refs/heads/main","before":"1111111111111111111111111111111111111111","after":"2222222222222222222222222222222222222222","created":false,"deleted":false,"forced":false,"compare":"https://github.com/o/r/compare/111111111111...222222222222","commits":[{"id":"2222222222222222222222222222222222222222","message":"Fix @everyone and @alice *bold*\n\nbody","url":"https://github.com/o/r/commit/2222222222222222222222222222222222222222","author":{"name":"Alice","username":"alice"}}],"repository":{"full_name":"o/r","html_url":"https://github.com/o/r"},"sender":{"login":"alice","html_url":"https://github.com/alice"}}"#;

    fn push_request(config: wasmhook_sdk::json::Value) -> wasmhook_sdk::RequestBuilder {
        Request::builder()
            .header("X-GitHub-Event", "push")
            .header("Content-Type", "application/json")
            .config(&config)
            .body(PUSH)
    }

    fn content(outcome: &Outcome) -> &str {
        &outcome.as_messages()[0].content
    }

    #[test]
    fn accepts_a_valid_signature() {
        let sig = signature::sign_hmac_sha256(SECRET.as_bytes(), PUSH.as_bytes());
        let request = push_request(json!({ "secret": SECRET }))
            .header("X-Hub-Signature-256", &sig)
            .build();
        assert_eq!(Github::transform(request).unwrap().as_messages().len(), 1);
    }

    #[test]
    fn rejects_bad_signature() {
        let sig = signature::sign_hmac_sha256(b"another secret", PUSH.as_bytes());
        let request = push_request(json!({ "secret": SECRET }))
            .header("X-Hub-Signature-256", &sig)
            .build();
        let err = Github::transform(request).unwrap_err();
        assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    }

    #[test]
    fn rejects_missing_signature_when_a_secret_is_set() {
        let err = Github::transform(push_request(json!({ "secret": SECRET })).build()).unwrap_err();
        assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    }

    #[test]
    fn rejects_missing_event_header_and_malformed_json() {
        let request = Request::builder().body(PUSH).build();
        assert!(matches!(
            Github::transform(request),
            Err(Error::InvalidPayload(_))
        ));
        let request = Request::builder()
            .header("X-GitHub-Event", "push")
            .body("{not json")
            .build();
        assert!(matches!(
            Github::transform(request),
            Err(Error::InvalidPayload(_))
        ));
    }

    #[test]
    fn untrusted_text_cannot_mention_or_format() {
        let outcome = Github::transform(push_request(json!({})).build()).unwrap();
        let text = content(&outcome);
        assert!(
            !text.contains("@everyone") && !text.contains("@alice"),
            "{text}"
        );
        assert!(text.contains(r"\*bold\*"), "{text}");
    }

    #[test]
    fn mapped_logins_become_mentions_and_others_stay_plain() {
        let outcome =
            Github::transform(push_request(json!({"mentions": {"Alice": "ada"}})).build()).unwrap();
        assert!(
            content(&outcome).starts_with("@ada pushed"),
            "{}",
            content(&outcome)
        );
        let outcome = Github::transform(
            push_request(json!({"mentions": {"alice": "ada@example.com"}})).build(),
        )
        .unwrap();
        assert!(content(&outcome).starts_with("<@ada@example.com> pushed"));
        let outcome = Github::transform(push_request(json!({})).build()).unwrap();
        assert!(
            content(&outcome).starts_with("[alice](https://github.com/alice) pushed"),
            "{}",
            content(&outcome)
        );
    }

    #[test]
    fn filters_events_and_branches() {
        let outcome =
            Github::transform(push_request(json!({"events": ["issues"]})).build()).unwrap();
        assert!(outcome.skip_reason().unwrap().contains("events"));
        let outcome =
            Github::transform(push_request(json!({"branches": ["release/*"]})).build()).unwrap();
        assert!(outcome.skip_reason().unwrap().contains("main"));
        let outcome =
            Github::transform(push_request(json!({"branches": ["ma?n"]})).build()).unwrap();
        assert_eq!(outcome.as_messages().len(), 1);
    }

    #[test]
    fn unknown_config_keys_are_a_configuration_error() {
        let err = Github::transform(push_request(json!({"secrt": "x"})).build()).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
        assert!(err.message().contains("secrt"), "{err}");
    }

    #[test]
    fn accepts_form_encoded_payloads() {
        let mut body = String::from("payload=");
        for byte in PUSH.bytes() {
            body.push_str(&format!("%{byte:02X}"));
        }
        let request = Request::builder()
            .header("X-GitHub-Event", "push")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .build();
        assert!(content(&Github::transform(request).unwrap()).contains("pushed"));
    }

    #[test]
    fn ping_is_skipped_with_its_zen() {
        let request = Request::builder()
            .header("X-GitHub-Event", "ping")
            .body(r#"{"zen":"Design for failure."}"#)
            .build();
        assert_eq!(
            Github::transform(request).unwrap().skip_reason(),
            Some("Design for failure.")
        );
    }

    #[test]
    fn unknown_events_and_actions_are_ignored() {
        let request = Request::builder()
            .header("X-GitHub-Event", "gollum")
            .body("{}")
            .build();
        assert!(matches!(
            Github::transform(request),
            Err(Error::UnsupportedEvent(_))
        ));
        let request = Request::builder()
            .header("X-GitHub-Event", "pull_request")
            .body(r#"{"action":"unlabeled"}"#)
            .build();
        let err = Github::transform(request).unwrap_err();
        assert!(err.message().contains("unlabeled"), "{err}");
    }

    #[test]
    fn oversized_pushes_end_in_and_n_more() {
        let commits: Vec<_> = (0..300)
            .map(|i| {
                json!({
                    "id": format!("{i:040x}"),
                    "message": format!("Commit number {i} with a long enough first line to fill the message quickly"),
                    "url": format!("https://github.com/o/r/commit/{i:040x}"),
                    "author": {"name": "Alice Example", "username": "alice"}
                })
            })
            .collect();
        let body = json!({
            "ref": "refs/heads/main", "before": "1", "after": "2", "compare": "https://x/c",
            "commits": commits,
            "repository": {"full_name": "o/r", "html_url": "https://github.com/o/r"},
            "sender": {"login": "alice"}
        });
        let request = Request::builder()
            .header("X-GitHub-Event", "push")
            .json(&body)
            .build();
        let outcome = Github::transform(request).unwrap();
        let text = content(&outcome);
        assert!(
            text.chars().count() <= wasmhook_sdk::limits::MAX_CONTENT_CHARS,
            "{}",
            text.len()
        );
        assert!(text.contains("pushed 300 commits"), "{text}");
        assert!(text.ends_with("more commits"), "{text}");
    }
}

/// Every case in `tests/fixtures/github/` against its reviewed `expected.json`
/// (`UPDATE_GOLDEN=1` rewrites them).
#[cfg(test)]
#[test]
fn fixtures_match_their_golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/github");
    wasmhook_sdk::testing::check_golden::<Github>(&dir);
    // Old payloads lack some URLs: no rendering may show a link without a label or target.
    for case in std::fs::read_dir(&dir).unwrap() {
        let expected = case.unwrap().path().join("expected.json");
        let text = std::fs::read_to_string(&expected).unwrap_or_default();
        for empty in ["]()", "](/"] {
            assert!(!text.contains(empty), "{}: {empty:?}", expected.display());
        }
    }
}
