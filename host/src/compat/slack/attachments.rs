//! Slack's legacy `attachments`: pretext, colour marker, author, title, text, fields, media
//! and link buttons, footer and time.

use serde_json::{Map, Value};

use super::blocks::render_blocks;
use super::mrkdwn::{Flavor, convert_text, plain};
use crate::compat::text;
use crate::compat::{Refusal, join_nonempty, optional_array, string};

/// A scalar value as text (fields may carry numbers or booleans).
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A Slack `ts` (seconds, as a number or a string) or an ISO 8601 date, as readable UTC.
pub fn timestamp(v: Option<&Value>) -> Option<String> {
    let seconds = match v? {
        Value::Number(n) => n.as_f64()?,
        // Rocket.Chat sends ISO 8601 dates instead.
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(seconds) => seconds,
            Err(_) => chrono::DateTime::parse_from_rfc3339(s.trim())
                .ok()?
                .timestamp() as f64,
        },
        _ => return None,
    };
    text::unix_time(seconds)
}

/// Renders one legacy attachment: pretext, colour marker, author, title (linked), text,
/// fields, image and thumbnail links, link buttons, footer and time; the fallback only when
/// nothing else shows.
pub fn attachment(a: &Map<String, Value>, flavor: Flavor) -> Result<String, Refusal> {
    let conv = |s: &str| convert_text(s, flavor);
    let mut body: Vec<String> = Vec::new();
    if let Some(name) = string(a, "author_name") {
        let link = string(a, "author_link").unwrap_or_default();
        body.push(text::markdown_link(&plain(&name), &link));
    }
    let title_link = string(a, "title_link").unwrap_or_default();
    match string(a, "title") {
        Some(title) => body.push(format!(
            "**{}**",
            text::markdown_link(&plain(&title), &title_link)
        )),
        None if !title_link.is_empty() => body.push(text::link("", &title_link)),
        None => {}
    }
    if let Some(t) = string(a, "text") {
        body.push(conv(&t));
    }
    let fields = optional_array(a, "fields")?;
    let mut field_lines = Vec::new();
    for f in fields {
        let Some(f) = f.as_object() else { continue };
        let title = string(f, "title").map(|t| plain(&t));
        let value = scalar(f.get("value")).map(|v| conv(&v));
        field_lines.push(match (title, value) {
            (Some(t), Some(v)) if !v.contains('\n') => format!("**{t}**: {v}"),
            (Some(t), Some(v)) => format!("**{t}**\n{v}"),
            (Some(t), None) => format!("**{t}**"),
            (None, Some(v)) => v,
            (None, None) => continue,
        });
    }
    body.push(field_lines.join("\n"));
    let inner_blocks = optional_array(a, "blocks")?;
    body.push(render_blocks(inner_blocks)?);
    let mut media = Vec::new();
    for (key, label) in [
        ("image_url", "Image"),
        ("thumb_url", "Thumbnail"),
        ("audio_url", "Audio"),
        ("video_url", "Video"),
        ("message_link", "Message"),
    ] {
        if let Some(url) = string(a, key) {
            media.push(text::link(label, &url));
        }
    }
    for action in optional_array(a, "actions")? {
        let Some(action) = action.as_object() else {
            continue;
        };
        if let Some(url) = string(action, "url") {
            let label = string(action, "text")
                .or_else(|| string(action, "name"))
                .unwrap_or_default();
            media.push(text::link(&label, &url));
        }
    }
    body.push(join_nonempty(&media, " · "));
    let footer = join_nonempty(
        [
            string(a, "footer").map(|f| conv(&f)).unwrap_or_default(),
            timestamp(a.get("ts")).unwrap_or_default(),
        ],
        " · ",
    );
    body.push(footer);
    let mut body: Vec<String> = body.into_iter().filter(|p| !p.trim().is_empty()).collect();
    let pretext = string(a, "pretext").map(|p| conv(&p));
    if body.is_empty()
        && pretext.is_none()
        && let Some(fallback) = string(a, "fallback")
    {
        body.push(conv(&fallback));
    }
    if let Some(marker) = string(a, "color").and_then(|c| text::color_marker(&c))
        && let Some(first) = body.first_mut()
    {
        *first = if first.starts_with("```") || first.starts_with('>') || first.starts_with('#') {
            format!("{marker}\n{first}")
        } else {
            format!("{marker} {first}")
        };
    }
    Ok(join_nonempty(
        pretext.into_iter().chain([body.join("\n")]),
        "\n",
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::super::convert;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn attachments_only_is_valid() {
        let c = convert(&obj(json!({
            "username": "Alertmanager",
            "attachments": [{
                "color": "danger",
                "title": "[FIRING:1] HighLatency",
                "title_link": "http://am.local/#/alerts",
                "text": "*Alert:* latency high\n*Severity:* `critical`",
                "fallback": "fallback only",
                "fields": [{"title": "env", "value": "prod", "short": true}],
                "footer": "am", "ts": 1700000000
            }]
        })))
        .unwrap();
        assert_eq!(c.username.as_deref(), Some("Alertmanager"));
        assert_eq!(
            c.text,
            "🔴 **[\\[FIRING:1\\] HighLatency](http://am.local/#/alerts)**\n**Alert:** latency high\n**Severity:** `critical`\n**env**: prod\nam · 2023-11-14 22:13 UTC"
        );
    }

    #[test]
    fn fallback_shows_when_nothing_else_does() {
        let c = convert(&obj(json!({"attachments": [{"fallback": "only this"}]}))).unwrap();
        assert_eq!(c.text, "only this");
    }
}
