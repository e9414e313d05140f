//! The webhook's configuration for the Prometheus plugin.
//!
//! Every key is optional:
//!
//! ```json
//! {
//!   "resolved": true,
//!   "mentions": [
//!     {"match": {"severity": "critical"}, "mention": ["oncall", "sre-lead@example.com"]},
//!     {"match": {"team": "db", "env": "prod"}, "mention": ["dba"]}
//!   ],
//!   "username": "Alertmanager",
//!   "avatar_url": "https://example.com/alertmanager.png"
//! }
//! ```
//!
//! - `resolved` (default `true`): post resolved notifications. When `false`, resolved
//!   notifications are skipped and resolved alerts are left out of firing ones.
//! - `mentions`: rules; a rule applies when a *firing* alert has every label of its `match`
//!   with exactly that value (an empty `match` applies to every firing alert). The message
//!   then ends with `cc` and the rule's `mention` entries: wasmhook usernames, or emails
//!   (entries with `@`). Resolved alerts mention nobody.
//! - `username`, `avatar_url`: override the display name (default `Alertmanager`, or
//!   `Grafana` for Grafana payloads) and avatar.
//!
//! An unknown key, or an invalid mention, is a configuration error.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasmhook_sdk::{Error, Request, Result, check_sender_overrides, mention};

use crate::payload::Labels;

/// The Prometheus plugin's configuration.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Whether resolved notifications are posted.
    pub resolved: bool,
    /// Mention rules, by label matcher.
    pub mentions: Vec<MentionRule>,
    /// Display name of the messages.
    pub username: Option<String>,
    /// Avatar of the messages (http or https).
    pub avatar_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            resolved: true,
            mentions: Vec::new(),
            username: None,
            avatar_url: None,
        }
    }
}

/// Who to mention when a firing alert matches some labels.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionRule {
    /// Label name to exact value; all must match.
    #[serde(rename = "match", default)]
    pub matchers: BTreeMap<String, String>,
    /// Wasmhook usernames or emails.
    pub mention: Vec<String>,
}

impl MentionRule {
    /// Whether an alert with these labels matches the rule.
    pub fn matches(&self, labels: &Labels<'_>) -> bool {
        self.matchers
            .iter()
            .all(|(name, value)| labels.get(name.as_str()).is_some_and(|v| **v == **value))
    }
}

impl Config {
    /// Reads and checks the request's configuration.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] naming the problem: an unknown key, an invalid mention or URL.
    pub fn from_request(request: &Request) -> Result<Self> {
        let config: Self = request.config()?;
        for rule in &config.mentions {
            for target in &rule.mention {
                if mention_for(target).is_none() {
                    return Err(Error::internal(format!(
                        "invalid plugin configuration: mention {target:?} is neither a username (letters, digits, _) nor an email"
                    )));
                }
            }
        }
        check_sender_overrides(config.username.as_deref(), config.avatar_url.as_deref())?;
        Ok(config)
    }

    /// The mentions for these firing alerts' labels, de-duplicated, in rule order.
    pub fn mentions_for<'l>(
        &self,
        firing: impl Iterator<Item = &'l Labels<'l>> + Clone,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for rule in &self.mentions {
            if firing.clone().any(|labels| rule.matches(labels)) {
                for target in &rule.mention {
                    if let Some(mention) = mention_for(target)
                        && !out.contains(&mention)
                    {
                        out.push(mention);
                    }
                }
            }
        }
        out
    }
}

/// `<@email>` when `target` contains `@`, `@username` otherwise; `None` when invalid.
fn mention_for(target: &str) -> Option<String> {
    if target.contains('@') {
        mention::email(target)
    } else {
        mention::username(target)
    }
}
