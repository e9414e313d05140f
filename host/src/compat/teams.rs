//! Microsoft Teams payloads: the Office 365 connector `MessageCard` (summary, title, text,
//! themeColor, sections with activity titles, facts and text, potentialAction links) and
//! Adaptive Cards, sent bare or inside `{"type":"message","attachments":[...]}` (TextBlock,
//! RichTextBlock, FactSet, ColumnSet, Container, Image, ImageSet, Table, ActionSet with
//! Action.OpenUrl). Teams text is Markdown with a little HTML (`<br>`, numeric entities).

use serde_json::{Map, Value};

use super::text::{self, escape};
use super::{Converted, Refusal, join_nonempty, string};

/// Converts a Teams payload: a `MessageCard`, a message with card attachments, or a bare
/// Adaptive Card.
pub fn convert(obj: &Map<String, Value>) -> Result<Converted, Refusal> {
    let kind = obj
        .get("@type")
        .or_else(|| obj.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rendered = if kind.eq_ignore_ascii_case("AdaptiveCard") {
        adaptive_card(obj)
    } else if obj.get("attachments").is_some() {
        let Some(attachments) = obj.get("attachments").and_then(Value::as_array) else {
            return Err(Refusal::InvalidPayload(
                "attachments must be an array".into(),
            ));
        };
        let mut parts = vec![
            string(obj, "text")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
        ];
        for (i, a) in attachments.iter().enumerate() {
            let a = a.as_object().ok_or_else(|| {
                Refusal::InvalidPayload(format!("attachments[{i}] must be an object"))
            })?;
            parts.push(card_attachment(a));
        }
        let body = join_nonempty(parts, "\n\n");
        if body.is_empty() {
            string(obj, "summary")
                .map(|s| teams_text(&s))
                .unwrap_or_default()
        } else {
            body
        }
    } else {
        message_card(obj)
    };
    if rendered.trim().is_empty() {
        return Err(Refusal::NoText("Summary or Text is required.".into()));
    }
    Ok(Converted {
        text: rendered,
        ..Converted::default()
    })
}

/// Teams Markdown: `<br>` becomes a line break and numeric HTML entities their characters.
fn teams_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let lower = tail.get(..6).unwrap_or(tail).to_ascii_lowercase();
        if let Some(len) = ["<br/>", "<br />", "<br>"]
            .iter()
            .find(|b| lower.starts_with(*b))
            .map(|b| b.len())
        {
            out.push('\n');
            rest = &tail[len..];
            continue;
        }
        if let Some(num) = tail.strip_prefix("&#")
            && let Some(end) = num.find(';').filter(|&e| e <= 8)
        {
            let code = &num[..end];
            let value = match code.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => code.parse().ok(),
            };
            if let Some(c) = value.and_then(char::from_u32).filter(|c| !c.is_control()) {
                out.push(c);
                rest = &num[end + 1..];
                continue;
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out.trim_end().to_owned()
}

fn bold(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.contains('\n') || s.starts_with("**") {
        s.to_owned()
    } else {
        format!("**{s}**")
    }
}

fn fact_line(name: Option<String>, value: Option<String>) -> Option<String> {
    match (name, value) {
        (Some(n), Some(v)) => Some(format!("**{}**: {}", teams_text(&n), teams_text(&v))),
        (Some(n), None) => Some(bold(&teams_text(&n))),
        (None, Some(v)) => Some(teams_text(&v)),
        (None, None) => None,
    }
}

/// A `MessageCard`.
fn message_card(card: &Map<String, Value>) -> String {
    let mut parts = Vec::new();
    let title = string(card, "title").map(|t| bold(&teams_text(&t)));
    parts.push(title.unwrap_or_default());
    parts.push(
        string(card, "text")
            .map(|t| teams_text(&t))
            .unwrap_or_default(),
    );
    for section in card
        .get("sections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(s) = section.as_object() else {
            continue;
        };
        let mut lines = vec![
            string(s, "title")
                .map(|t| bold(&teams_text(&t)))
                .unwrap_or_default(),
            string(s, "activityTitle")
                .map(|t| bold(&teams_text(&t)))
                .unwrap_or_default(),
            string(s, "activitySubtitle")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
            string(s, "activityText")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
            string(s, "text")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
        ];
        for fact in s
            .get("facts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(f) = fact.as_object() else { continue };
            let name = string(f, "name").or_else(|| string(f, "title"));
            lines.extend(fact_line(name, string(f, "value")));
        }
        if let Some(hero) = s.get("heroImage").and_then(Value::as_object) {
            lines.push(image_link(hero, "image", "title"));
        }
        for image in s
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(i) = image.as_object() {
                lines.push(image_link(i, "image", "title"));
            }
        }
        lines.push(actions(s.get("potentialAction")));
        parts.push(join_nonempty(lines, "\n"));
    }
    parts.push(actions(card.get("potentialAction")));
    let mut body = join_nonempty(parts, "\n\n");
    if body.is_empty() {
        body = string(card, "summary")
            .map(|s| teams_text(&s))
            .unwrap_or_default();
    }
    match string(card, "themeColor").and_then(|c| text::color_marker(&c)) {
        Some(marker) if !body.is_empty() && !body.starts_with(['#', '`', '>', '|']) => {
            format!("{marker} {body}")
        }
        _ => body,
    }
}

fn image_link(o: &Map<String, Value>, url_key: &str, label_key: &str) -> String {
    let label = string(o, label_key)
        .or_else(|| string(o, "altText"))
        .unwrap_or_else(|| "Image".into());
    text::link(&label, &string(o, url_key).unwrap_or_default())
}

/// Link actions: `OpenUri` (first target), `ViewAction`, `Action.OpenUrl`; others dropped.
fn actions(v: Option<&Value>) -> String {
    let mut links = Vec::new();
    for a in v.and_then(Value::as_array).into_iter().flatten() {
        let Some(a) = a.as_object() else { continue };
        let label = string(a, "name")
            .or_else(|| string(a, "title"))
            .unwrap_or_default();
        let url = string(a, "url").or_else(|| {
            let first = a
                .get("targets")
                .or_else(|| a.get("target"))?
                .as_array()?
                .first()?;
            match first {
                Value::String(s) => Some(s.clone()),
                Value::Object(t) => string(t, "uri"),
                _ => None,
            }
        });
        if let Some(url) = url {
            links.push(text::link(&label, &url));
        }
    }
    join_nonempty(links, " · ")
}

/// One attachment of a Teams message: an Adaptive Card, or a hero/thumbnail card.
fn card_attachment(a: &Map<String, Value>) -> String {
    let Some(content) = a.get("content").and_then(Value::as_object) else {
        return String::new();
    };
    let content_type = a
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if content_type.ends_with(".adaptive")
        || content.get("type").and_then(Value::as_str) == Some("AdaptiveCard")
    {
        return adaptive_card(content);
    }
    // Hero and thumbnail cards.
    join_nonempty(
        [
            string(content, "title")
                .map(|t| bold(&teams_text(&t)))
                .unwrap_or_default(),
            string(content, "subtitle")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
            string(content, "text")
                .map(|t| teams_text(&t))
                .unwrap_or_default(),
            actions(content.get("buttons")),
        ],
        "\n",
    )
}

/// An Adaptive Card: its body, then its actions.
fn adaptive_card(card: &Map<String, Value>) -> String {
    let body = elements(card.get("body"));
    let links = actions_of_set(card.get("actions"));
    let rendered = join_nonempty([body, links], "\n\n");
    if rendered.is_empty() {
        string(card, "fallbackText")
            .map(|t| teams_text(&t))
            .unwrap_or_default()
    } else {
        rendered
    }
}

fn elements(v: Option<&Value>) -> String {
    let parts: Vec<String> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(element)
        .collect();
    join_nonempty(parts, "\n")
}

/// `Action.OpenUrl` of an action list as links; `Action.ShowCard` shows its card.
fn actions_of_set(v: Option<&Value>) -> String {
    let mut out = Vec::new();
    for a in v.and_then(Value::as_array).into_iter().flatten() {
        let Some(a) = a.as_object() else { continue };
        match a.get("type").and_then(Value::as_str).unwrap_or_default() {
            "Action.OpenUrl" => out.push(text::link(
                &string(a, "title").unwrap_or_default(),
                &string(a, "url").unwrap_or_default(),
            )),
            "Action.ShowCard" => {
                if let Some(card) = a.get("card").and_then(Value::as_object) {
                    out.push(adaptive_card(card));
                }
            }
            _ => {}
        }
    }
    join_nonempty(out, " · ")
}

fn element(e: &Map<String, Value>) -> String {
    match e.get("type").and_then(Value::as_str).unwrap_or_default() {
        "TextBlock" => {
            let t = teams_text(&string(e, "text").unwrap_or_default());
            let strong = e.get("weight").and_then(Value::as_str) == Some("bolder")
                || matches!(
                    e.get("size").and_then(Value::as_str),
                    Some("large" | "extraLarge")
                );
            let t = if strong { bold(&t) } else { t };
            match e
                .get("color")
                .and_then(Value::as_str)
                .and_then(text::color_marker)
            {
                Some(marker) if strong && !t.is_empty() => format!("{marker} {t}"),
                _ => t,
            }
        }
        "RichTextBlock" => {
            let mut out = String::new();
            for inline in e
                .get("inlines")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match inline {
                    Value::String(s) => out.push_str(&escape(s)),
                    Value::Object(run) => {
                        let mut t = escape(&string(run, "text").unwrap_or_default());
                        if run.get("weight").and_then(Value::as_str) == Some("bolder") {
                            t = format!("**{t}**");
                        }
                        if run.get("italic").and_then(Value::as_bool) == Some(true) {
                            t = format!("_{t}_");
                        }
                        if run.get("strikethrough").and_then(Value::as_bool) == Some(true) {
                            t = format!("~~{t}~~");
                        }
                        out.push_str(&t);
                        out.push(' ');
                    }
                    _ => {}
                }
            }
            out.trim_end().to_owned()
        }
        "FactSet" => {
            let lines: Vec<String> = e
                .get("facts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .filter_map(|f| fact_line(string(f, "title"), string(f, "value")))
                .collect();
            lines.join("\n")
        }
        "ColumnSet" => {
            let columns: Vec<String> = e
                .get("columns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .map(|c| elements(c.get("items")))
                .collect();
            join_nonempty(columns, "\n")
        }
        "Container" | "Column" => elements(e.get("items")),
        "Image" => image_link(e, "url", "altText"),
        "ImageSet" => {
            let images: Vec<String> = e
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .map(|i| image_link(i, "url", "altText"))
                .collect();
            join_nonempty(images, " · ")
        }
        "Table" => {
            let rows: Vec<String> = e
                .get("rows")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("cells")?.as_array())
                .map(|cells| {
                    let cells: Vec<String> = cells
                        .iter()
                        .filter_map(Value::as_object)
                        .map(|c| elements(c.get("items")).replace('\n', " "))
                        .collect();
                    cells.join(" · ")
                })
                .collect();
            join_nonempty(rows, "\n")
        }
        "ActionSet" => actions_of_set(e.get("actions")),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert_json(v: Value) -> Result<Converted, Refusal> {
        convert(v.as_object().unwrap())
    }

    #[test]
    fn renders_a_message_card() {
        let c = convert_json(json!({
            "@type": "MessageCard", "themeColor": "#CC0003", "summary": "s",
            "title": "&#x1F6A8; Build", "text": "line<br/>next",
            "sections": [{"activityTitle": "Job", "activitySubtitle": "#167",
                "facts": [{"name": "Status", "value": "Failed"}, {"name": "", "value": ""}]}],
            "potentialAction": [{"@type": "OpenUri", "name": "Open", "targets": [{"os": "default", "uri": "https://ci.io/1"}]},
                                {"@type": "HttpPOST", "name": "Ack"}]
        }))
        .unwrap();
        assert_eq!(
            c.text,
            "🔴 **🚨 Build**\n\nline\nnext\n\n**Job**\n#167\n**Status**: Failed\n\n[Open](https://ci.io/1)"
        );
    }

    #[test]
    fn renders_adaptive_cards_in_a_message() {
        let c = convert_json(json!({
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {
                "type": "AdaptiveCard", "body": [
                    {"type": "TextBlock", "text": "Build ok", "weight": "bolder", "color": "good"},
                    {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "left"}]},
                                                        {"type": "Column", "items": [{"type": "Image", "url": "https://x.io/i.png", "altText": "pic"}]}]},
                    {"type": "FactSet", "facts": [{"title": "Env", "value": "prod"}]},
                    {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "View", "url": "https://x.io"},
                                                       {"type": "Action.Submit", "title": "No"}]}
                ]}}]
        }))
        .unwrap();
        assert_eq!(
            c.text,
            "🟢 **Build ok**\nleft\n[pic](https://x.io/i.png)\n**Env**: prod\n[View](https://x.io)"
        );
    }

    #[test]
    fn summary_alone_is_enough_and_nothing_is_refused() {
        let c = convert_json(json!({"@type": "MessageCard", "summary": "just this"})).unwrap();
        assert_eq!(c.text, "just this");
        assert!(matches!(
            convert_json(json!({"@type": "MessageCard"})),
            Err(Refusal::NoText(_))
        ));
        assert!(matches!(
            convert_json(json!({"type": "message", "attachments": 3})),
            Err(Refusal::InvalidPayload(_))
        ));
    }
}
