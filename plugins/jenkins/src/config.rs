//! The webhook's configuration for the Jenkins plugin.
//!
//! Every key is optional:
//!
//! ```json
//! {
//!   "phases": ["STARTED", "FINALIZED"],
//!   "mention_on_failure": ["oncall", "sre-lead@example.com"],
//!   "jenkins_url": "https://ci.example.com/",
//!   "username": "Jenkins",
//!   "avatar_url": "https://example.com/jenkins.png"
//! }
//! ```
//!
//! - `phases`: the build phases to post, among `QUEUED`, `STARTED`, `COMPLETED` and
//!   `FINALIZED` (default `STARTED` and `FINALIZED`); `FINALIZED` also covers the `FINISHED`
//!   phase of older Notification plugin versions. Other phases are skipped.
//! - `mention_on_failure`: wasmhook usernames, or emails, mentioned when a build ends
//!   `FAILURE` or `UNSTABLE`.
//! - `jenkins_url`: the Jenkins root URL, used to link builds when the payload has no
//!   `build.full_url` (older plugin versions send only the relative `build.url`).
//! - `username`, `avatar_url`: override the display name (default `Jenkins`) and avatar.
//!
//! An unknown key or phase is a configuration error.

use serde::Deserialize;
use wasmhook_sdk::{Error, Request, Result, check_sender_overrides, mention};

use crate::notification::Phase;

/// The Jenkins plugin's configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Phases to post; `STARTED` and `FINALIZED` when absent.
    pub phases: Option<Vec<String>>,
    /// Usernames or emails mentioned on `FAILURE` and `UNSTABLE`.
    pub mention_on_failure: Vec<String>,
    /// The Jenkins root URL, for relative build URLs.
    pub jenkins_url: Option<String>,
    /// Display name of the messages.
    pub username: Option<String>,
    /// Avatar of the messages (http or https).
    pub avatar_url: Option<String>,
    /// `phases`, parsed.
    #[serde(skip)]
    parsed_phases: Vec<Phase>,
}

impl Config {
    /// Reads and checks the request's configuration.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] naming the problem: an unknown key or phase, an invalid mention,
    /// a non-http(s) URL.
    pub fn from_request(request: &Request) -> Result<Self> {
        let mut config: Self = request.config()?;
        config.parsed_phases = match &config.phases {
            None => vec![Phase::Started, Phase::Finalized],
            Some(names) => names
                .iter()
                .map(|name| {
                    Phase::from_config(name).ok_or_else(|| {
                        Error::internal(format!(
                            "invalid plugin configuration: unknown phase {name:?} in `phases` (use QUEUED, STARTED, COMPLETED, FINALIZED)"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        };
        for target in &config.mention_on_failure {
            if mention_for(target).is_none() {
                return Err(Error::internal(format!(
                    "invalid plugin configuration: mention_on_failure entry {target:?} is neither a username (letters, digits, _) nor an email"
                )));
            }
        }
        if let Some(url) = &config.jenkins_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::internal(
                "invalid plugin configuration: jenkins_url must be an http(s) URL",
            ));
        }
        check_sender_overrides(config.username.as_deref(), config.avatar_url.as_deref())?;
        Ok(config)
    }

    /// Whether notifications of `phase` are posted.
    pub fn posts_phase(&self, phase: Phase) -> bool {
        self.parsed_phases.contains(&phase)
    }

    /// The posted phases, for a skip reason.
    pub fn phase_names(&self) -> String {
        let names: Vec<&str> = self.parsed_phases.iter().map(|p| p.name()).collect();
        names.join(", ")
    }

    /// The mentions for a failed build: `@name` or `<@email>` for each configured entry.
    pub fn failure_mentions(&self) -> Vec<String> {
        self.mention_on_failure
            .iter()
            .filter_map(|target| mention_for(target))
            .collect()
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
