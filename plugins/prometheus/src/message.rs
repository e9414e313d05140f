//! Rendering a notification as one message: a status line, then one entry per alert, cut
//! to the content limit with "... and N more alerts".

use std::fmt::Write as _;

use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{inert, markdown};

use crate::config::Config;
use crate::links;
use crate::payload::{Alert, Labels, Notification};
use crate::time;

/// Room kept for the "... and N more alerts" line.
const MORE_RESERVE: usize = 40;
/// Longest summary, in characters.
const SUMMARY_CHARS: usize = 200;
/// Longest description, in characters.
const DESCRIPTION_CHARS: usize = 300;
/// Most labels listed per alert.
const MAX_LABELS: usize = 6;
/// Longest label value, in characters.
const LABEL_VALUE_CHARS: usize = 60;
/// Labels that the alert's first line already shows.
const SHOWN_LABELS: [&str; 2] = ["alertname", "severity"];

/// Untrusted inline text on one line, cut to `max` characters, escaped and with inert `@`s.
fn text(raw: &str, max: usize) -> String {
    let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    inert::text(&markdown::truncate(&one_line, max))
}

/// Whether an alert is firing; alerts of old Alertmanager versions have no status and take
/// the notification's.
pub fn is_firing(alert: &Alert<'_>, notification_status: &str) -> bool {
    alert.status.as_deref().unwrap_or(notification_status) != "resolved"
}

/// The emoji for a severity label.
fn severity_emoji(severity: Option<&str>) -> &'static str {
    match severity.map(str::to_ascii_lowercase).as_deref() {
        Some("critical" | "page" | "high" | "error" | "fatal" | "emergency" | "disaster") => "🔴",
        Some("warning" | "warn" | "major" | "medium" | "average") => "🟠",
        Some("info" | "informational" | "low" | "minor" | "notice" | "none") => "🔵",
        _ => "⚪",
    }
}

/// The message for an Alertmanager (or Grafana unified alerting) notification, whose
/// `alerts` are already filtered by the configuration.
pub fn render(notification: &Notification<'_>, alerts: &[&Alert<'_>], config: &Config) -> String {
    let status = &*notification.status;
    let firing = alerts.iter().filter(|a| is_firing(a, status)).count();
    let resolved = alerts.len() - firing;
    let (emoji, word) = if status == "resolved" {
        ("✅", "RESOLVED")
    } else {
        ("🔥", "FIRING")
    };
    let truncated = usize::try_from(notification.truncated_alerts).unwrap_or(usize::MAX);
    let counts = match (firing, resolved) {
        (n, 0) | (0, n) => plural(n + truncated, "alert"),
        (f, r) => format!("{f} firing, {r} resolved"),
    };
    let mut content = format!("{emoji} **{word}**: {counts}");
    if !notification.group_labels.is_empty() {
        let _ = write!(
            content,
            " · {}",
            labels_inline(&notification.group_labels, &Labels::new(), &[])
        );
    }
    if let Some(message) = notification
        .message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        let _ = write!(content, "\n{}", text(message, 500));
    }
    if truncated > 0 {
        let _ = write!(
            content,
            "\n⚠️ {} left out by Alertmanager (max_alerts)",
            plural(truncated, "more alert")
        );
    }

    let firing_labels = alerts
        .iter()
        .filter(|a| is_firing(a, status))
        .map(|a| &a.labels);
    let mentions = config.mentions_for(firing_labels);
    let trailer = if mentions.is_empty() {
        String::new()
    } else {
        format!("\ncc {}", mentions.join(" "))
    };

    let room = |content: &str| {
        (MAX_CONTENT_CHARS - trailer.chars().count()).saturating_sub(content.chars().count())
    };
    let mut budget = room(&content);
    let full: Vec<String> = alerts
        .iter()
        .map(|alert| alert_entry(notification, alert, false))
        .collect();
    let full_chars: usize = full.iter().map(|entry| 1 + entry.chars().count()).sum();
    // When every alert does not fit in full, compact entries (one line each) show more.
    let entries = if full_chars <= budget {
        full
    } else {
        if !notification.is_grafana() && is_http(&notification.external_url) {
            let url = format!(
                "{}/#/alerts",
                notification.external_url.trim_end_matches('/')
            );
            let _ = write!(
                content,
                "\n{}",
                inert::link("All alerts in Alertmanager", &url)
            );
            budget = room(&content);
        }
        alerts
            .iter()
            .map(|alert| alert_entry(notification, alert, true))
            .collect()
    };
    push_entries(&mut content, entries, budget);
    content.push_str(&trailer);
    content
}

/// Appends `entries`, one per line, while they fit in `budget` characters, then
/// "... and N more alerts".
fn push_entries(content: &mut String, entries: Vec<String>, budget: usize) {
    let total = entries.len();
    let mut used = 0;
    for (index, entry) in entries.into_iter().enumerate() {
        let len = 1 + entry.chars().count();
        let reserve = if index + 1 < total { MORE_RESERVE } else { 0 };
        if used + len + reserve > budget {
            let more = total - index;
            let noun = if more == 1 { "alert" } else { "alerts" };
            let _ = write!(content, "\n... and {more} more {noun}");
            return;
        }
        content.push('\n');
        content.push_str(&entry);
        used += len;
    }
}

/// One alert: a list item with its name and summary, then (unless `compact`) its details on
/// indented lines. A compact entry is one line: name, severity, summary and labels.
fn alert_entry(notification: &Notification<'_>, alert: &Alert<'_>, compact: bool) -> String {
    let labels = &alert.labels;
    let annotations = &alert.annotations;
    let firing = is_firing(alert, &notification.status);
    let severity = labels.get("severity").map(|s| &**s);
    let emoji = if firing {
        severity_emoji(severity)
    } else {
        "✅"
    };
    let name = labels.get("alertname").map_or("alert", |n| &**n);
    let mut out = format!("- {emoji} **{}**", text(name, 100));
    if let Some(severity) = severity {
        let _ = write!(out, " ({})", text(severity, 30));
    }
    let summary = ["summary", "message"]
        .iter()
        .find_map(|key| annotations.get(*key).filter(|v| !v.trim().is_empty()));
    let description = annotations
        .get("description")
        .filter(|d| !d.trim().is_empty() && Some(*d) != summary);
    if compact {
        if let Some(summary) = summary.or(description) {
            let _ = write!(out, ": {}", text(summary, 100));
        }
        let shown = labels_inline(labels, &notification.group_labels, &SHOWN_LABELS);
        if !shown.is_empty() {
            let _ = write!(out, " · {shown}");
        }
        return out;
    }
    match (summary, description) {
        (Some(summary), description) => {
            let _ = write!(out, ": {}", text(summary, SUMMARY_CHARS));
            if let Some(description) = description {
                let _ = write!(out, "\n  {}", text(description, DESCRIPTION_CHARS));
            }
        }
        (None, Some(description)) => {
            let _ = write!(out, ": {}", text(description, DESCRIPTION_CHARS));
        }
        (None, None) => {}
    }

    let mut details = Vec::new();
    let shown = labels_inline(labels, &notification.group_labels, &SHOWN_LABELS);
    if !shown.is_empty() {
        details.push(shown);
    }
    if !alert.values.is_empty() {
        let values: Vec<String> = alert
            .values
            .iter()
            .take(MAX_LABELS)
            .map(|(name, value)| match value {
                Some(v) => format!("{}={}", text(name, 30), (v * 100.0).round() / 100.0),
                None => format!("{}=null", text(name, 30)),
            })
            .collect();
        details.push(format!("values {}", values.join(", ")));
    }
    if let Some(start) = time::human(&alert.starts_at) {
        details.push(format!("since {}", text(&start, 40)));
    }
    if !firing && let Some(end) = time::human(&alert.ends_at) {
        details.push(format!("ended {}", text(&end, 40)));
    }
    let mut links = Vec::new();
    if !alert.generator_url.is_empty() {
        links.push(inert::link("source", &alert.generator_url));
    }
    if let Some(runbook) = annotations.get("runbook_url").filter(|u| is_http(u)) {
        links.push(inert::link("runbook", runbook));
    }
    if !alert.dashboard_url.is_empty() {
        links.push(inert::link("dashboard", &alert.dashboard_url));
    }
    if !alert.panel_url.is_empty() {
        links.push(inert::link("panel", &alert.panel_url));
    }
    if firing {
        if !alert.silence_url.is_empty() {
            links.push(inert::link("silence", &alert.silence_url));
        } else if !notification.is_grafana()
            && is_http(&notification.external_url)
            && !labels.is_empty()
        {
            let url = links::alertmanager_silence(&notification.external_url, labels);
            links.push(inert::link("silence", &url));
        }
    }
    details.extend(links);
    if !details.is_empty() {
        let _ = write!(out, "\n  {}", details.join(" · "));
    }
    out
}

/// Whether `url` is an http(s) URL.
fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// Labels as code spans (`name=value`), leaving out those named in `hide` and those in
/// `skip` (the group labels, already in the status line).
fn labels_inline(labels: &Labels<'_>, skip: &Labels<'_>, hide: &[&str]) -> String {
    let shown: Vec<String> = labels
        .iter()
        .filter(|(name, _)| !hide.contains(&&***name) && !skip.contains_key(&***name))
        .map(|(name, value)| {
            let pair = format!(
                "{}={}",
                &**name,
                markdown::truncate(value, LABEL_VALUE_CHARS)
            );
            inert::code(&pair)
        })
        .collect();
    let total = shown.len();
    let mut out: Vec<String> = shown.into_iter().take(MAX_LABELS).collect();
    if total > MAX_LABELS {
        out.push(format!("+{} more labels", total - MAX_LABELS));
    }
    out.join(" ")
}

/// "1 alert", "2 alerts".
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The message for a legacy (before 8) Grafana alert, and whether it is resolved (`ok`).
pub fn render_legacy(notification: &Notification<'_>) -> (String, bool) {
    let state = notification.state.as_deref().unwrap_or_default();
    let (emoji, word) = match state {
        "alerting" => ("🔥", "ALERTING"),
        "ok" => ("✅", "OK"),
        "no_data" => ("❓", "NO DATA"),
        "pending" => ("⏳", "PENDING"),
        "paused" => ("⏸️", "PAUSED"),
        _ => ("🔔", "ALERT"),
    };
    let name = notification
        .rule_name
        .as_deref()
        .or(notification.title.as_deref())
        .unwrap_or("Grafana alert");
    let name = markdown::truncate(name, 150);
    let title = match notification.rule_url.as_deref().filter(|u| is_http(u)) {
        Some(url) => inert::link(&name, url),
        None => text(&name, 150),
    };
    let mut content = format!("{emoji} **{word}** {title}");
    if let Some(message) = notification
        .message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        let _ = write!(content, "\n{}", text(message, 500));
    }
    let total = notification.eval_matches.len();
    for eval in notification.eval_matches.iter().take(20) {
        let value = eval.value.map_or_else(
            || "null".to_owned(),
            |v| ((v * 100.0).round() / 100.0).to_string(),
        );
        let _ = write!(content, "\n- {}: {value}", text(&eval.metric, 100));
    }
    if total > 20 {
        let _ = write!(content, "\n... and {} more", plural(total - 20, "value"));
    }
    if let Some(image) = notification.image_url.as_deref().filter(|u| is_http(u)) {
        let _ = write!(content, "\n{}", inert::link("graph", image));
    }
    (content, state == "ok")
}
