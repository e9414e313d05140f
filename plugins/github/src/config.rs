//! The webhook's configuration for the GitHub plugin, and the filters it defines.
//!
//! Every key is optional (a webhook without configuration sends `{}`):
//!
//! ```json
//! {
//!   "secret": "It's a Secret to Everybody",
//!   "events": ["push", "pull_request", "workflow_run"],
//!   "branches": ["main", "release/*"],
//!   "mentions": {"octocat": "octo", "hubot": "hubot@example.com"},
//!   "username": "GitHub",
//!   "avatar_url": "https://example.com/github.png"
//! }
//! ```
//!
//! - `secret`: `X-Hub-Signature-256` must be the HMAC-SHA256 of the body with this key.
//! - `events`: only these `X-GitHub-Event` names are posted; others are skipped.
//! - `branches`: glob patterns (`*` any run of characters, `/` included; `?` one character)
//!   on the branch of `push` (`refs/heads/…`), `create`/`delete` of a branch, the base
//!   branch of `pull_request` and `pull_request_review`, and the head branch of
//!   `workflow_run`, `workflow_job`, `check_run` and `check_suite`. Other events pass.
//! - `mentions`: GitHub login (case-insensitive) to wasmhook username, or to an email when the
//!   value contains `@`. Mapped people are mentioned; others are links to their profile.
//! - `username`, `avatar_url`: override the display name (default `GitHub`) and avatar.
//!
//! An unknown key is a configuration error, so that a typo does not silently disable a filter:
//! the server refuses it when it is set (the plugin exports `validate-config`, see `lib.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;
use wasmhook_sdk::{Error, Request, Result, check_sender_overrides, mention};

/// The GitHub plugin's configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The hook's secret: when set, deliveries must carry a valid `X-Hub-Signature-256`.
    pub secret: Option<String>,
    /// Event names to post; all rendered events when absent.
    pub events: Option<Vec<String>>,
    /// Branch glob patterns to post; all branches when absent.
    pub branches: Option<Vec<String>>,
    /// GitHub login to wasmhook username or email.
    pub mentions: BTreeMap<String, String>,
    /// Display name of the messages.
    pub username: Option<String>,
    /// Avatar of the messages (http or https).
    pub avatar_url: Option<String>,
}

impl Config {
    /// Reads and checks the request's configuration.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] naming the problem: an unknown key, a wrong type, an invalid
    /// mention target or avatar URL.
    pub fn from_request(request: &Request) -> Result<Self> {
        let config: Self = request.config()?;
        for (login, target) in &config.mentions {
            if mention_for(target).is_none() {
                return Err(Error::internal(format!(
                    "invalid plugin configuration: mentions.{login} = {target:?} is neither a username (letters, digits, _) nor an email"
                )));
            }
        }
        check_sender_overrides(config.username.as_deref(), config.avatar_url.as_deref())?;
        Ok(config)
    }

    /// Whether deliveries of `event` are posted.
    pub fn allows_event(&self, event: &str) -> bool {
        self.events
            .as_ref()
            .is_none_or(|events| events.iter().any(|e| e == event))
    }

    /// `None` when `branch` is posted, or the reason to skip it.
    pub fn branch_skip_reason(&self, branch: &str) -> Option<String> {
        let patterns = self.branches.as_ref()?;
        if patterns.iter().any(|pattern| glob_match(pattern, branch)) {
            None
        } else {
            Some(format!(
                "branch {branch:?} does not match this webhook's `branches` ({})",
                patterns.join(", ")
            ))
        }
    }

    /// The mention for a GitHub login, when the configuration maps it.
    pub fn mention(&self, login: &str) -> Option<String> {
        let target = self.mentions.get(login).or_else(|| {
            self.mentions
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(login))
                .map(|(_, target)| target)
        })?;
        mention_for(target)
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

/// Whether `text` matches the glob `pattern`: `*` matches any run of characters (`/`
/// included), `?` exactly one character, anything else itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_wildcards() {
        assert!(glob_match("main", "main"));
        assert!(!glob_match("main", "main2"));
        assert!(glob_match("release/*", "release/1.0"));
        assert!(glob_match("release/*", "release/"));
        assert!(!glob_match("release/*", "release"));
        assert!(glob_match("*", "feature/a/b"));
        assert!(glob_match("v?.?", "v1.2"));
        assert!(!glob_match("v?.?", "v1.22"));
        assert!(glob_match("*-hotfix*", "a-hotfix-b"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "x"));
        assert!(glob_match("é*", "été"));
    }

    #[test]
    fn mentions_are_case_insensitive_and_checked() {
        let request = Request::builder()
            .config_json(r#"{"mentions":{"OctoCat":"octo","hubot":"hubot@example.com"}}"#)
            .build();
        let config = Config::from_request(&request).unwrap();
        assert_eq!(config.mention("octocat").as_deref(), Some("@octo"));
        assert_eq!(
            config.mention("hubot").as_deref(),
            Some("<@hubot@example.com>")
        );
        assert_eq!(config.mention("someone"), None);

        let request = Request::builder()
            .config_json(r#"{"mentions":{"a":"not valid"}}"#)
            .build();
        assert!(matches!(
            Config::from_request(&request),
            Err(Error::Internal(_))
        ));
    }
}
