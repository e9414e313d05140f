//! The built-in Prometheus transformer: turns Alertmanager webhook notifications (payload
//! version 4) into chat messages. Grafana's Alertmanager-compatible notifications (unified
//! alerting) and its legacy (before 8) alert notifications are understood too.
//!
//! One message per notification: the status (🔥 FIRING or ✅ RESOLVED) and the number of
//! alerts, then each alert with its severity, name, `summary` and `description` (or labels),
//! start and end times, and links to its source, runbook and a pre-filled silence. Alerts
//! that do not fit the content limit end in "... and N more alerts". Configuration is
//! described in [`config`]; `plugins/README.md` has examples.

pub mod config;
mod links;
mod message;
mod payload;
mod time;

use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{ConfigError, Error, Message, Outcome, Plugin, Request, Result};

use crate::config::Config;
use crate::payload::Notification;

/// The Prometheus Alertmanager (and Grafana) plugin.
pub struct Prometheus;

impl Plugin for Prometheus {
    fn transform(request: Request) -> Result<Outcome> {
        let config = Config::from_request(&request)?;
        let notification: Notification<'_> = request.json()?;
        let default_username = if notification.is_grafana() {
            "Grafana"
        } else {
            "Alertmanager"
        };
        let content = match &notification.alerts {
            Some(alerts) => {
                if notification.status.as_ref() as &str == "resolved" && !config.resolved {
                    return Ok(Outcome::skip(
                        "resolved notifications are turned off (`resolved`: false)",
                    ));
                }
                let shown: Vec<_> = alerts
                    .iter()
                    .filter(|alert| {
                        config.resolved || message::is_firing(alert, &notification.status)
                    })
                    .collect();
                if shown.is_empty() {
                    return Ok(Outcome::skip(if alerts.is_empty() {
                        "the notification has no alerts"
                    } else {
                        "the notification has only resolved alerts (`resolved`: false)"
                    }));
                }
                message::render(&notification, &shown, &config)
            }
            None if notification.rule_name.is_some() || notification.state.is_some() => {
                let (content, resolved) = message::render_legacy(&notification);
                if resolved && !config.resolved {
                    return Ok(Outcome::skip(
                        "resolved notifications are turned off (`resolved`: false)",
                    ));
                }
                content
            }
            None => {
                return Err(Error::invalid_payload(
                    "not an Alertmanager or Grafana notification: no `alerts`",
                ));
            }
        };
        wasmhook_sdk::debug!("{} characters", content.chars().count());
        let content = wasmhook_sdk::markdown::truncate(&content, MAX_CONTENT_CHARS).into_owned();
        let username = config.username.as_deref().unwrap_or(default_username);
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
wasmhook_sdk::register_plugin!(Prometheus, config = Config);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmhook_sdk::json::{Value, json};

    fn alert(name: &str, severity: &str, status: &str) -> Value {
        json!({
            "status": status,
            "labels": {"alertname": name, "severity": severity, "instance": "db-1:9100"},
            "annotations": {"summary": format!("{name} on db-1"), "description": "A long description ".repeat(8)},
            "startsAt": "2024-05-01T10:00:00.123Z",
            "endsAt": if status == "resolved" { "2024-05-01T10:05:00Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up%3D%3D0"
        })
    }

    fn notification(status: &str, alerts: Vec<Value>) -> Value {
        json!({
            "version": "4", "status": status, "receiver": "chat",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093", "alerts": alerts
        })
    }

    fn run(body: &Value, config: Value) -> Result<Outcome> {
        Prometheus::transform(Request::builder().json(body).config(&config).build())
    }

    #[test]
    fn many_alerts_end_in_and_n_more_within_the_limit() {
        let alerts = (0..500)
            .map(|i| alert(&format!("Alert{i}"), "warning", "firing"))
            .collect();
        let body = json!(notification("firing", alerts));
        let outcome = run(
            &body,
            json!({"mentions": [{"match": {}, "mention": ["oncall"]}]}),
        )
        .unwrap();
        let text = &outcome.as_messages()[0].content;
        assert!(text.chars().count() <= MAX_CONTENT_CHARS);
        assert!(text.starts_with("🔥 **FIRING**: 500 alerts"), "{text}");
        assert!(text.contains("more alerts\ncc @oncall"), "{text}");
    }

    #[test]
    fn resolved_false_skips_resolved_notifications_and_alerts() {
        let body = notification("resolved", vec![alert("A", "critical", "resolved")]);
        assert!(
            run(&body, json!({"resolved": false}))
                .unwrap()
                .skip_reason()
                .is_some()
        );
        assert_eq!(run(&body, json!({})).unwrap().as_messages().len(), 1);
        let body = notification(
            "firing",
            vec![
                alert("A", "critical", "resolved"),
                alert("B", "critical", "firing"),
            ],
        );
        let text = run(&body, json!({"resolved": false}))
            .unwrap()
            .as_messages()[0]
            .content
            .clone();
        assert!(text.contains("**B**") && !text.contains("**A**"), "{text}");
    }

    #[test]
    fn mentions_follow_label_matchers_of_firing_alerts() {
        let config = json!({"mentions": [
            {"match": {"severity": "critical"}, "mention": ["oncall", "lead@example.com"]},
            {"match": {"severity": "warning"}, "mention": ["team"]}
        ]});
        let body = notification("firing", vec![alert("A", "critical", "firing")]);
        let text = run(&body, config.clone()).unwrap().as_messages()[0]
            .content
            .clone();
        assert!(text.ends_with("\ncc @oncall <@lead@example.com>"), "{text}");
        let body = notification("resolved", vec![alert("A", "critical", "resolved")]);
        let text = run(&body, config).unwrap().as_messages()[0].content.clone();
        assert!(!text.contains("cc "), "{text}");
    }

    #[test]
    fn rejects_other_payloads_and_bad_configuration() {
        assert!(matches!(
            run(&json!({"text": "hi"}), json!({})),
            Err(Error::InvalidPayload(_))
        ));
        let body = notification("firing", vec![alert("A", "critical", "firing")]);
        let err = run(&body, json!({"mentions": {"severity=critical": ["x"]}})).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
        let err = run(&body, json!({"resolve": false})).unwrap_err();
        assert!(err.message().contains("resolve"), "{err}");
    }

    #[test]
    fn untrusted_annotations_cannot_mention() {
        let mut body = notification("firing", vec![alert("A", "critical", "firing")]);
        body["alerts"][0]["annotations"]["summary"] = json!("ping @everyone and @alice [x](y)");
        let text = run(&body, json!({})).unwrap().as_messages()[0]
            .content
            .clone();
        assert!(
            !text.contains("@everyone") && !text.contains("@alice"),
            "{text}"
        );
        assert!(text.contains(r"\[x\](y)"), "{text}");
    }
}

/// Every case in `tests/fixtures/prometheus/` against its reviewed `expected.json`
/// (`UPDATE_GOLDEN=1` rewrites them).
#[cfg(test)]
#[test]
fn fixtures_match_their_golden_files() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/prometheus");
    wasmhook_sdk::testing::check_golden::<Prometheus>(&dir);
}
