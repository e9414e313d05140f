//! The built-in Jenkins transformer: turns Jenkins
//! [Notification plugin](https://plugins.jenkins.io/notification/) JSON into chat messages.
//!
//! Jenkins sends one request per build phase (`QUEUED`, `STARTED`, `COMPLETED`, `FINALIZED`;
//! older plugin versions send `FINISHED` where newer ones send `FINALIZED`). By default the
//! plugin posts `STARTED` and `FINALIZED` and skips the other phases; each message shows the
//! status (emoji and word), the job and build number linked to the build, and the branch,
//! commit, culprits and log tail when Jenkins sends them. Configuration is described in
//! [`config`]; `plugins/README.md` has examples.

pub mod config;
mod notification;

use wasmhook_sdk::{ConfigError, Message, Outcome, Plugin, Request, Result};

use crate::config::Config;
use crate::notification::{Notification, Phase};

/// The display name of messages when the configuration sets none.
const DEFAULT_USERNAME: &str = "Jenkins";

/// The Jenkins plugin.
pub struct Jenkins;

impl Plugin for Jenkins {
    fn transform(request: Request) -> Result<Outcome> {
        let config = Config::from_request(&request)?;
        let notification: Notification<'_> = request.json()?;
        let phase = Phase::parse(&notification.build.phase)?;
        if !config.posts_phase(phase) {
            return Ok(Outcome::skip(format!(
                "phase {} is not in this webhook's `phases` ({})",
                notification.build.phase,
                config.phase_names()
            )));
        }
        let content = notification::render(&notification, phase, &config);
        wasmhook_sdk::debug!(
            "{} #{}: {} characters",
            notification.name,
            notification.build.number.unwrap_or_default(),
            content.chars().count()
        );
        let username = config.username.as_deref().unwrap_or(DEFAULT_USERNAME);
        let mut message = Message::new(content).username(username);
        if let Some(avatar_url) = &config.avatar_url {
            message = message.avatar_url(avatar_url);
        }
        Ok(Outcome::message(message))
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
wasmhook_sdk::register_plugin!(Jenkins, config = Config);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmhook_sdk::Error;
    use wasmhook_sdk::json::{Value, json};

    fn run(body: Value, config: Value) -> Result<Outcome> {
        Jenkins::transform(Request::builder().json(&body).config(&config).build())
    }

    fn build(phase: &str, status: Option<&str>) -> Value {
        json!({
            "name": "api",
            "url": "job/api/",
            "build": {"number": 7, "phase": phase, "status": status, "url": "job/api/7/"}
        })
    }

    #[test]
    fn posts_started_and_finalized_by_default() {
        let outcome = run(build("STARTED", None), json!({})).unwrap();
        assert!(outcome.as_messages()[0].content.contains("STARTED"));
        let outcome = run(build("FINALIZED", Some("SUCCESS")), json!({})).unwrap();
        assert!(
            outcome.as_messages()[0]
                .content
                .starts_with("✅ **SUCCESS**")
        );
        let outcome = run(build("COMPLETED", Some("SUCCESS")), json!({})).unwrap();
        assert!(outcome.skip_reason().unwrap().contains("COMPLETED"));
    }

    #[test]
    fn finished_counts_as_finalized() {
        let outcome = run(
            build("FINISHED", Some("FAILURE")),
            json!({"phases": ["FINALIZED"]}),
        )
        .unwrap();
        assert!(
            outcome.as_messages()[0]
                .content
                .starts_with("❌ **FAILURE**")
        );
    }

    #[test]
    fn mentions_on_failure_and_unstable_only() {
        let config = json!({"mention_on_failure": ["oncall", "lead@example.com"]});
        for status in ["FAILURE", "UNSTABLE"] {
            let outcome = run(build("FINALIZED", Some(status)), config.clone()).unwrap();
            assert!(
                outcome.as_messages()[0]
                    .content
                    .ends_with("cc @oncall <@lead@example.com>"),
                "{status}"
            );
        }
        let outcome = run(build("FINALIZED", Some("SUCCESS")), config).unwrap();
        assert!(!outcome.as_messages()[0].content.contains("@oncall"));
    }

    #[test]
    fn builds_links_from_jenkins_url() {
        let outcome = run(
            build("STARTED", None),
            json!({"jenkins_url": "https://ci.example.com/"}),
        )
        .unwrap();
        assert!(
            outcome.as_messages()[0]
                .content
                .contains("[api #7](https://ci.example.com/job/api/7/)"),
            "{}",
            outcome.as_messages()[0].content
        );
        let outcome = run(build("STARTED", None), json!({})).unwrap();
        assert!(outcome.as_messages()[0].content.contains("api #7"));
    }

    #[test]
    fn rejects_bad_configuration_and_payloads() {
        let err = run(build("STARTED", None), json!({"phase": ["STARTED"]})).unwrap_err();
        assert!(matches!(err, Error::Internal(_)) && err.message().contains("phase"));
        let err = run(build("STARTED", None), json!({"phases": ["BEGUN"]})).unwrap_err();
        assert!(matches!(err, Error::Internal(_)) && err.message().contains("BEGUN"));
        let err = run(json!({"name": "x"}), json!({})).unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)));
        let err = run(build("PAUSED", None), json!({})).unwrap_err();
        assert!(matches!(err, Error::UnsupportedEvent(_)));
    }

    #[test]
    fn untrusted_text_cannot_mention() {
        let mut body = build("FINALIZED", Some("FAILURE"));
        body["name"] = json!("@everyone *job*");
        body["build"]["log"] = json!("error: ask @alice\n```\nboom");
        let outcome = run(body, json!({})).unwrap();
        let text = &outcome.as_messages()[0].content;
        assert!(
            !text.contains("@everyone") && !text.contains("@alice"),
            "{text}"
        );
    }
}

/// Every case in `tests/fixtures/jenkins/` against its reviewed `expected.json`
/// (`UPDATE_GOLDEN=1` rewrites them).
#[cfg(test)]
#[test]
fn fixtures_match_their_golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/jenkins");
    wasmhook_sdk::testing::check_golden::<Jenkins>(&dir);
}
