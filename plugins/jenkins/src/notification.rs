//! The Notification plugin's payload, and its rendering as a message.
//!
//! Every field but `build.phase` is optional: older plugin versions omit `full_url` and
//! `scm`, and `status` is absent until the build completes.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;
use serde::de::IgnoredAny;
use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{Error, Result, inert, markdown};

use crate::config::Config;

/// Most log lines quoted for a failed build.
const LOG_LINES: usize = 15;
/// Most log characters quoted for a failed build.
const LOG_CHARS: usize = 1500;

/// One notification: a job and one phase of one of its builds.
#[derive(Deserialize)]
pub struct Notification<'a> {
    /// The job's name.
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    /// The job's display name (newer plugin versions).
    #[serde(borrow, default)]
    pub display_name: Option<Cow<'a, str>>,
    /// The build.
    #[serde(borrow)]
    pub build: Build<'a>,
}

/// The build part of a notification.
#[derive(Deserialize)]
pub struct Build<'a> {
    /// The absolute build URL (absent in older plugin versions).
    #[serde(borrow, default)]
    pub full_url: Option<Cow<'a, str>>,
    /// The build number.
    #[serde(default)]
    pub number: Option<u64>,
    /// `QUEUED`, `STARTED`, `COMPLETED`, `FINALIZED` (or `FINISHED`).
    #[serde(borrow)]
    pub phase: Cow<'a, str>,
    /// `SUCCESS`, `FAILURE`, `UNSTABLE`, `ABORTED`, `NOT_BUILT`; absent before completion.
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    /// The build URL relative to the Jenkins root.
    #[serde(borrow, default)]
    pub url: Option<Cow<'a, str>>,
    /// Build duration in milliseconds (newer plugin versions).
    #[serde(default)]
    pub duration: Option<u64>,
    /// Source control details.
    #[serde(borrow, default)]
    pub scm: Option<Scm<'a>>,
    /// The tail of the build log, when the job is configured to send it.
    #[serde(borrow, default)]
    pub log: Option<Cow<'a, str>>,
    /// Free-text notes set by the job.
    #[serde(borrow, default)]
    pub notes: Option<Cow<'a, str>>,
}

/// Source control details of a build.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Scm<'a> {
    /// The branch built.
    #[serde(borrow)]
    pub branch: Option<Cow<'a, str>>,
    /// The commit built.
    #[serde(borrow)]
    pub commit: Option<Cow<'a, str>>,
    /// The changes since the previous build (only counted).
    pub changes: Option<Vec<IgnoredAny>>,
    /// The authors of those changes.
    #[serde(borrow)]
    pub culprits: Option<Vec<Cow<'a, str>>>,
}

/// A build phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting in the queue.
    Queued,
    /// Running.
    Started,
    /// Done, before post-build steps.
    Completed,
    /// Done, after post-build steps (`FINISHED` in older plugin versions).
    Finalized,
}

impl Phase {
    /// The phase of a payload.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedEvent`] for a phase this plugin does not know.
    pub fn parse(name: &str) -> Result<Self> {
        Self::from_config(name).ok_or_else(|| {
            Error::unsupported_event(format!("Jenkins build phase {name:?} is not rendered"))
        })
    }

    /// The phase named `name` (case-insensitive), `FINISHED` being `FINALIZED`.
    pub fn from_config(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "QUEUED" => Some(Self::Queued),
            "STARTED" => Some(Self::Started),
            "COMPLETED" => Some(Self::Completed),
            "FINALIZED" | "FINISHED" => Some(Self::Finalized),
            _ => None,
        }
    }

    /// The phase's name, as Jenkins writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Queued => "QUEUED",
            Self::Started => "STARTED",
            Self::Completed => "COMPLETED",
            Self::Finalized => "FINALIZED",
        }
    }
}

/// The emoji and word of a build status.
fn status_badge(status: &str) -> (&'static str, Cow<'_, str>) {
    let emoji = match status {
        "SUCCESS" => "✅",
        "FAILURE" => "❌",
        "UNSTABLE" => "⚠️",
        "ABORTED" => "⏹️",
        "NOT_BUILT" => "⏭️",
        _ => "❔",
    };
    let word = if status == "NOT_BUILT" {
        Cow::Borrowed("NOT BUILT")
    } else {
        Cow::Owned(inert::text(status))
    };
    (emoji, word)
}

/// The build's URL: `full_url`, or `jenkins_url` joined with the relative `url`.
fn build_url<'b>(build: &'b Build<'_>, config: &Config) -> Option<Cow<'b, str>> {
    if let Some(full) = build.full_url.as_deref().filter(|u| !u.is_empty()) {
        return Some(Cow::Borrowed(full));
    }
    let relative = build.url.as_deref().filter(|u| !u.is_empty())?;
    if relative.starts_with("http://") || relative.starts_with("https://") {
        return Some(Cow::Borrowed(relative));
    }
    let root = config.jenkins_url.as_deref()?;
    Some(Cow::Owned(format!(
        "{}/{}",
        root.trim_end_matches('/'),
        relative.trim_start_matches('/')
    )))
}

/// "1 min 3 s", "45 s", "2 h 5 min".
fn duration(millis: u64) -> String {
    let seconds = millis / 1000;
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

/// The message for a notification of `phase`.
pub fn render(notification: &Notification<'_>, phase: Phase, config: &Config) -> String {
    let build = &notification.build;
    let job = notification
        .display_name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(&notification.name);
    let job = markdown::truncate(job.trim(), 120);
    let label = match build.number {
        Some(number) => format!("{job} #{number}"),
        None => job.into_owned(),
    };
    let target = match build_url(build, config) {
        Some(url) => inert::link(&label, &url),
        None => inert::text(&label),
    };
    let status = build.status.as_deref().filter(|s| !s.is_empty());
    let mut content = match (phase, status) {
        (Phase::Queued, _) => format!("⏳ **QUEUED** {target}"),
        (Phase::Started, _) => format!("▶️ **STARTED** {target}"),
        (_, Some(status)) => {
            let (emoji, word) = status_badge(status);
            format!("{emoji} **{word}** {target}")
        }
        (_, None) => format!("ℹ️ **{}** {target}", phase.name()),
    };
    if phase == Phase::Completed {
        content.push_str(" (completed, post-build steps running)");
    }

    let mut details = Vec::new();
    if let Some(scm) = &build.scm {
        if let Some(branch) = scm.branch.as_deref().filter(|b| !b.is_empty()) {
            details.push(format!("branch {}", inert::code(branch)));
        }
        if let Some(commit) = scm.commit.as_deref().filter(|c| !c.is_empty()) {
            let short = commit.get(..7).unwrap_or(commit);
            details.push(format!("commit {}", inert::code(short)));
        }
        if let Some(changes) = scm.changes.as_ref().filter(|c| !c.is_empty()) {
            let n = changes.len();
            details.push(format!("{n} change{}", if n == 1 { "" } else { "s" }));
        }
        if let Some(culprits) = scm.culprits.as_ref().filter(|c| !c.is_empty()) {
            let names: Vec<String> = culprits.iter().take(10).map(|c| inert::text(c)).collect();
            let more = culprits.len().saturating_sub(names.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            details.push(format!("culprits: {}{more}", names.join(", ")));
        }
    }
    if matches!(phase, Phase::Completed | Phase::Finalized)
        && let Some(millis) = build.duration.filter(|d| *d > 0)
    {
        details.push(format!("took {}", duration(millis)));
    }
    if !details.is_empty() {
        let _ = write!(content, "\n{}", details.join(" · "));
    }
    if let Some(notes) = build.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        let _ = write!(
            content,
            "\n{}",
            inert::text(&markdown::truncate(notes.trim(), 500))
        );
    }

    let failed = matches!(phase, Phase::Completed | Phase::Finalized)
        && matches!(status, Some("FAILURE" | "UNSTABLE"));
    if failed && let Some(log) = build.log.as_deref().filter(|l| !l.trim().is_empty()) {
        content.push('\n');
        content.push_str(&log_tail(log));
    }
    if failed {
        let mentions = config.failure_mentions();
        if !mentions.is_empty() {
            let _ = write!(content, "\ncc {}", mentions.join(" "));
        }
    }
    // Every part above is bounded (job 120, notes 500, log 1500 characters, 10 culprits), so
    // this never cuts in practice; it keeps the limit whatever Jenkins sends.
    markdown::truncate(&content, MAX_CONTENT_CHARS).into_owned()
}

/// The last lines of the build log in a code block.
fn log_tail(log: &str) -> String {
    let lines: Vec<&str> = log.trim_end().lines().collect();
    let start = lines.len().saturating_sub(LOG_LINES);
    let mut tail = lines.get(start..).unwrap_or_default().join("\n");
    if tail.chars().count() > LOG_CHARS {
        let skip = tail.chars().count() - LOG_CHARS;
        tail = format!("…{}", tail.chars().skip(skip + 1).collect::<String>());
    }
    inert::code_block(&tail, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(duration(999), "0 s");
        assert_eq!(duration(63_000), "1 min 3 s");
        assert_eq!(duration(7_500_000), "2 h 5 min");
    }

    #[test]
    fn log_tail_keeps_the_last_lines_within_bounds() {
        let log: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let tail = log_tail(&log);
        assert!(
            tail.contains("line 99") && !tail.contains("line 84\n"),
            "{tail}"
        );
        let long = "x".repeat(5000);
        assert!(log_tail(&long).chars().count() < LOG_CHARS + 20);
    }
}
