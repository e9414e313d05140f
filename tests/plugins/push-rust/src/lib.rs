//! Benchmark plugin: summarizes a GitHub push, line for line the same transform as
//! `tests/plugins/push-python` and `tests/plugins/push-js`, so the three languages' per-request
//! costs compare like for like (`cargo bench -p wasmhook --bench plugins`).

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;
use wasmhook_sdk::{Error, Message, Outcome, Plugin, Request, Result, markdown};

#[derive(Deserialize)]
struct Push<'a> {
    #[serde(rename = "ref")]
    git_ref: Cow<'a, str>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow)]
    pusher: Pusher<'a>,
    #[serde(borrow)]
    commits: Vec<Commit<'a>>,
}

#[derive(Deserialize)]
struct Repository<'a> {
    #[serde(borrow)]
    full_name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Pusher<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Commit<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

/// The push summary plugin.
pub struct PushSummary;

impl Plugin for PushSummary {
    fn transform(request: Request) -> Result<Outcome> {
        let push: Push = request
            .json()
            .map_err(|e| Error::invalid_payload(format!("not a push event: {e}")))?;
        if push.commits.is_empty() {
            return Ok(Outcome::skip("no commits"));
        }
        let branch = push
            .git_ref
            .strip_prefix("refs/heads/")
            .unwrap_or(&push.git_ref);
        let n = push.commits.len();
        let mut content = format!(
            "**{}**: {n} new commit{} to `{}` by {}",
            markdown::escape(&push.repository.full_name),
            if n == 1 { "" } else { "s" },
            markdown::escape(branch),
            markdown::escape(&push.pusher.name),
        );
        for commit in push.commits.iter().take(5) {
            let title = commit.message.split('\n').next().unwrap_or_default();
            let id = commit.id.get(..7).unwrap_or(&commit.id);
            let _ = write!(content, "\n- `{id}` {}", markdown::escape(title));
        }
        if n > 5 {
            let _ = write!(content, "\n- ... and {} more", n - 5);
        }
        Ok(Outcome::message(Message::new(content)))
    }
}

wasmhook_sdk::register_plugin!(PushSummary);
