//! Slack's Block Kit `blocks`: headers, sections, context, dividers, images, videos, link
//! buttons and rich text, one paragraph each.

use serde_json::{Map, Value};
use wasmhook_sdk::markdown;

use super::mrkdwn::mrkdwn;
use crate::compat::text::{self, escape};
use crate::compat::{Refusal, join_nonempty, string};

/// Renders Block Kit blocks, one paragraph each; interactive elements other than link buttons
/// are dropped.
pub fn render_blocks(blocks: &[Value]) -> Result<String, Refusal> {
    let mut parts = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let b = b
            .as_object()
            .ok_or_else(|| Refusal::InvalidPayload(format!("blocks[{i}] must be an object")))?;
        parts.push(block(b));
    }
    Ok(join_nonempty(parts, "\n\n"))
}

fn block(b: &Map<String, Value>) -> String {
    let kind = b.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "header" => {
            let t = text_object(b.get("text"));
            if t.is_empty() { t } else { format!("### {t}") }
        }
        "section" => {
            let fields: Vec<String> = b
                .get("fields")
                .and_then(Value::as_array)
                .map(|fs| fs.iter().map(|f| text_object(Some(f))).collect())
                .unwrap_or_default();
            join_nonempty(
                [
                    text_object(b.get("text")),
                    join_nonempty(&fields, "\n"),
                    element(b.get("accessory")),
                ],
                "\n",
            )
        }
        "context" => {
            let parts: Vec<String> = b
                .get("elements")
                .and_then(Value::as_array)
                .map(|es| es.iter().map(|e| element(Some(e))).collect())
                .unwrap_or_default();
            join_nonempty(&parts, " · ")
        }
        "divider" => "---".into(),
        "image" => {
            let label = match text_object(b.get("title")) {
                t if t.is_empty() => escape(&string(b, "alt_text").unwrap_or_default()),
                t => t,
            };
            let url = string(b, "image_url")
                .or_else(|| b.get("slack_file")?.get("url")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            text::markdown_link(&label, &url)
        }
        "video" => {
            let label = text_object(b.get("title"));
            let url = string(b, "title_url")
                .or_else(|| string(b, "video_url"))
                .unwrap_or_default();
            text::markdown_link(&label, &url)
        }
        "actions" => {
            let parts: Vec<String> = b
                .get("elements")
                .and_then(Value::as_array)
                .map(|es| es.iter().map(|e| element(Some(e))).collect())
                .unwrap_or_default();
            join_nonempty(&parts, " · ")
        }
        "markdown" => string(b, "text").unwrap_or_default(),
        "rich_text" => rich_text(b.get("elements")),
        _ => String::new(),
    }
}

/// A composition text object (`mrkdwn` or `plain_text`), or a bare string as mrkdwn.
pub fn text_object(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => mrkdwn(s),
        Some(Value::Object(o)) => {
            let t = o.get("text").and_then(Value::as_str).unwrap_or_default();
            match o.get("type").and_then(Value::as_str) {
                Some("plain_text") => escape(&text::shortcodes(t)),
                _ => mrkdwn(t),
            }
        }
        _ => String::new(),
    }
}

/// A block element: images and link buttons as links, text objects as text; other
/// interactive elements (selects, date pickers, buttons without a URL) are dropped.
fn element(v: Option<&Value>) -> String {
    let Some(Value::Object(e)) = v else {
        return String::new();
    };
    match e.get("type").and_then(Value::as_str).unwrap_or_default() {
        "mrkdwn" | "plain_text" => text_object(v),
        "image" => {
            let alt = string(e, "alt_text").unwrap_or_else(|| "Image".into());
            text::link(&alt, &string(e, "image_url").unwrap_or_default())
        }
        "button" => match string(e, "url") {
            Some(url) => text::markdown_link(&text_object(e.get("text")), &url),
            None => String::new(),
        },
        _ => String::new(),
    }
}

fn rich_text(elements: Option<&Value>) -> String {
    let Some(elements) = elements.and_then(Value::as_array) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for e in elements {
        let kind = e.get("type").and_then(Value::as_str).unwrap_or_default();
        let children = e.get("elements");
        parts.push(match kind {
            "rich_text_section" => inline(children),
            "rich_text_list" => {
                let ordered = e.get("style").and_then(Value::as_str) == Some("ordered");
                let indent = e.get("indent").and_then(Value::as_u64).unwrap_or(0) as usize;
                let items = children
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let bullet = if ordered {
                            format!("{}.", i + 1)
                        } else {
                            "-".into()
                        };
                        format!(
                            "{}{bullet} {}",
                            "   ".repeat(indent),
                            inline(item.get("elements"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            "rich_text_preformatted" => {
                let raw = children
                    .and_then(Value::as_array)
                    .map(|cs| {
                        cs.iter()
                            .map(|c| {
                                c.get("text")
                                    .or_else(|| c.get("url"))
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                            })
                            .collect::<String>()
                    })
                    .unwrap_or_default();
                if raw.trim().is_empty() {
                    String::new()
                } else {
                    markdown::code_block(&raw, "")
                }
            }
            "rich_text_quote" => inline(children)
                .lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        });
    }
    join_nonempty(parts, "\n")
}

/// Wraps `s` in `marker`, keeping its outer whitespace outside (CommonMark needs the marker
/// next to text).
fn wrap(s: &str, marker: &str) -> String {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return s.to_owned();
    }
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len();
    format!("{}{marker}{trimmed}{marker}{}", &s[..start], &s[end..])
}

fn inline(elements: Option<&Value>) -> String {
    let Some(elements) = elements.and_then(Value::as_array) else {
        return String::new();
    };
    let mut out = String::new();
    for e in elements {
        let Some(o) = e.as_object() else { continue };
        let style = o.get("style");
        let flag = |name: &str| {
            style
                .and_then(|s| s.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let piece = match o.get("type").and_then(Value::as_str).unwrap_or_default() {
            "text" => {
                let t = o.get("text").and_then(Value::as_str).unwrap_or_default();
                if flag("code") {
                    markdown::code(t)
                } else {
                    let mut s = escape(t);
                    if flag("bold") {
                        s = wrap(&s, "**");
                    }
                    if flag("italic") {
                        s = wrap(&s, "_");
                    }
                    if flag("strike") {
                        s = wrap(&s, "~~");
                    }
                    s
                }
            }
            "link" => {
                let label = string(o, "text").unwrap_or_default();
                text::link(&label, &string(o, "url").unwrap_or_default())
            }
            "emoji" => o
                .get("unicode")
                .and_then(Value::as_str)
                .and_then(|u| {
                    u.split('-')
                        .map(|h| u32::from_str_radix(h, 16).ok().and_then(char::from_u32))
                        .collect::<Option<String>>()
                })
                .or_else(|| {
                    let name = o.get("name").and_then(Value::as_str)?;
                    text::emoji(name).map(str::to_owned)
                })
                .unwrap_or_else(|| {
                    format!(
                        ":{}:",
                        o.get("name").and_then(Value::as_str).unwrap_or_default()
                    )
                }),
            "user" => {
                text::inert(&format!("@{}", string(o, "user_id").unwrap_or_default())).into_owned()
            }
            "usergroup" => text::inert(&format!(
                "@{}",
                string(o, "usergroup_id").unwrap_or_default()
            ))
            .into_owned(),
            "channel" => format!("#{}", string(o, "channel_id").unwrap_or_default()),
            "broadcast" => String::new(),
            "date" => string(o, "fallback")
                .map(|f| escape(&f))
                .or_else(|| {
                    o.get("timestamp")
                        .and_then(Value::as_f64)
                        .and_then(text::unix_time)
                })
                .unwrap_or_default(),
            "color" => string(o, "value").unwrap_or_default(),
            _ => String::new(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::super::convert;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn blocks_replace_text_and_drop_interactive_elements() {
        let c = convert(&obj(json!({
            "text": "fallback",
            "icon_emoji": ":ghost:",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Deploy *done*"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*v2* is out"},
                 "fields": [{"type": "mrkdwn", "text": "*Env*\nprod"}],
                 "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://x.io"}},
                {"type": "divider"},
                {"type": "actions", "elements": [{"type": "static_select", "placeholder": {"type": "plain_text", "text": "Pick"}}]},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "by ci"}, {"type": "image", "image_url": "https://x.io/a.png", "alt_text": "logo"}]},
                {"type": "image", "image_url": "https://x.io/chart.png", "alt_text": "chart"}
            ]
        })))
        .unwrap();
        assert_eq!(
            c.text,
            "### Deploy \\*done\\*\n\n**v2** is out\n**Env**\nprod\n[Open](https://x.io)\n\n---\n\nby ci · [logo](https://x.io/a.png)\n\n[chart](https://x.io/chart.png)"
        );
        assert_eq!(c.avatar_emoji.as_deref(), Some("👻"));
    }

    #[test]
    fn renders_rich_text() {
        let c = convert(&obj(json!({"blocks": [{"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "Hello ", "style": {"bold": true}},
                {"type": "link", "url": "https://x.io", "text": "site"},
                {"type": "emoji", "name": "wave", "unicode": "1f44b"},
                {"type": "user", "user_id": "U1"}
            ]},
            {"type": "rich_text_list", "style": "ordered", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]}
            ]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "cargo test"}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "wise"}]}
        ]}]})))
        .unwrap();
        assert_eq!(
            c.text,
            "**Hello** [site](https://x.io)👋@\u{2060}U1\n1. one\n2. two\n```\ncargo test\n```\n> wise"
        );
    }
}
