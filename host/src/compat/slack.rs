//! Slack incoming-webhook payloads: `text` in mrkdwn, legacy `attachments`, and Block Kit
//! `blocks`, converted to our Markdown. Mattermost and Rocket.Chat reuse the pieces.
//!
//! mrkdwn: `*bold*` -> `**bold**`, `_italic_`, `~strike~` -> `~~strike~~`, `<url|label>` and
//! `<url>` -> links, `<!channel>`/`<!here>`/`<!everyone>` dropped, `<@U123>` shown inert,
//! `<#C123|name>` -> `#name`, `:shortcode:` -> emoji, `&amp;`/`&lt;`/`&gt;` decoded.

use serde_json::{Map, Value};
use wasmhook_sdk::markdown;

use super::text::{self, escape};
use super::{Converted, Refusal, join_nonempty, optional_array, optional_string, string};

/// How the text fields of a payload are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Slack's mrkdwn (also Rocket.Chat's message format).
    Mrkdwn,
    /// Markdown with Slack's angle-bracket links and mentions (Mattermost).
    Markdown,
}

/// Converts a Slack incoming-webhook payload. `text`, `attachments` or `blocks` is required;
/// when `blocks` render, `text` is only their notification fallback, as in Slack.
pub fn convert(obj: &Map<String, Value>) -> Result<Converted, Refusal> {
    convert_with(obj, Flavor::Mrkdwn)
}

/// Converts a Slack-shaped payload whose text fields are written in `flavor`.
pub fn convert_with(obj: &Map<String, Value>, flavor: Flavor) -> Result<Converted, Refusal> {
    let text = optional_string(obj, "text")?;
    let attachments = optional_array(obj, "attachments")?;
    let blocks = optional_array(obj, "blocks")?;
    let username = optional_string(obj, "username")?;
    let icon_url = optional_string(obj, "icon_url")?;
    let icon_emoji = optional_string(obj, "icon_emoji")?;
    if text.is_none() && attachments.is_empty() && blocks.is_empty() {
        return Err(Refusal::NoText(
            "text, attachments or blocks is required".into(),
        ));
    }
    let plain = obj.get("mrkdwn") == Some(&Value::Bool(false)) && flavor == Flavor::Mrkdwn;
    let text = text.map(|t| {
        if plain {
            escape(&t)
        } else {
            convert_text(&t, flavor)
        }
    });
    let rendered_blocks = render_blocks(blocks)?;
    let lead = match (text, rendered_blocks.trim().is_empty()) {
        // Mattermost has no blocks: its text always shows.
        (Some(t), _) if flavor == Flavor::Markdown => join_nonempty([t, rendered_blocks], "\n\n"),
        (Some(t), true) => t,
        (_, false) => rendered_blocks,
        (None, true) => String::new(),
    };
    let mut parts = vec![lead];
    for (i, a) in attachments.iter().enumerate() {
        let a = a.as_object().ok_or_else(|| {
            Refusal::InvalidPayload(format!("attachments[{i}] must be an object"))
        })?;
        parts.push(attachment(a, flavor)?);
    }
    Ok(Converted {
        text: join_nonempty(parts, "\n\n"),
        username,
        avatar_url: icon_url,
        avatar_emoji: icon_emoji.and_then(|e| text::emoji(&e)).map(str::to_owned),
    })
}

/// Converts mrkdwn to our Markdown.
pub fn mrkdwn(text: &str) -> String {
    convert_text(text, Flavor::Mrkdwn)
}

/// Converts a text field written in `flavor` to our Markdown.
pub fn convert_text(text: &str, flavor: Flavor) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    convert_into(&chars, flavor, &mut out);
    out
}

fn flush(plain: &mut String, out: &mut String) {
    if !plain.is_empty() {
        out.push_str(&text::shortcodes(plain));
        plain.clear();
    }
}

fn starts_with(chars: &[char], at: usize, pat: &str) -> bool {
    (at..)
        .zip(pat.chars())
        .all(|(i, p)| chars.get(i) == Some(&p))
}

fn find_seq(chars: &[char], from: usize, pat: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| starts_with(chars, i, pat))
}

fn find_on_line(chars: &[char], from: usize, c: char) -> Option<usize> {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|&&x| x != '\n')
        .position(|&x| x == c)
        .map(|p| from + p)
}

/// Plain text (attachment titles, author and field names): shown literally, with emoji.
fn plain(s: &str) -> String {
    escape(&text::shortcodes(&decode_entities(s)))
}

/// Decodes the three entities Slack requires senders to use.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Whether an emphasis marker at `i` can open: not inside a word, followed by text.
fn opens(chars: &[char], i: usize) -> bool {
    let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
    let after = chars.get(i + 1);
    before_ok && after.is_some_and(|c| !c.is_whitespace() && *c != chars[i])
}

/// The matching closing marker on the same line: after text, not inside a word.
fn closing(chars: &[char], i: usize) -> Option<usize> {
    let marker = chars[i];
    let mut j = i + 2;
    while j < chars.len() && chars[j] != '\n' {
        if chars[j] == marker
            && !chars[j - 1].is_whitespace()
            && chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric())
        {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn convert_into(chars: &[char], flavor: Flavor, out: &mut String) {
    let mrkdwn = flavor == Flavor::Mrkdwn;
    let mut plain = String::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c == '`' && mrkdwn {
            if starts_with(chars, i, "```") {
                if let Some(end) = find_seq(chars, i + 3, "```") {
                    flush(&mut plain, out);
                    let inner: String = chars[i + 3..end].iter().collect();
                    let inner = inner.strip_prefix('\n').unwrap_or(&inner);
                    let inner = inner.strip_suffix('\n').unwrap_or(inner);
                    if !out.is_empty() && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&markdown::code_block(&decode_entities(inner), ""));
                    i = end + 3;
                    if i < n && chars[i] != '\n' {
                        out.push('\n');
                    }
                    continue;
                }
            } else if let Some(end) = find_on_line(chars, i + 1, '`')
                && end > i + 1
            {
                flush(&mut plain, out);
                let inner: String = chars[i + 1..end].iter().collect();
                out.push_str(&markdown::code(&decode_entities(&inner)));
                i = end + 1;
                continue;
            }
            plain.push_str("\\`");
            i += 1;
            continue;
        }
        if c == '<' {
            if let Some(end) = find_on_line(chars, i + 1, '>') {
                let inner: String = chars[i + 1..end].iter().collect();
                if let Some(rendered) = angle(&inner, flavor) {
                    flush(&mut plain, out);
                    out.push_str(&rendered);
                    i = end + 1;
                    // A dropped broadcast leaves no double or leading space behind.
                    if rendered.is_empty()
                        && chars.get(i) == Some(&' ')
                        && (out.is_empty() || out.ends_with([' ', '\n']))
                    {
                        i += 1;
                    }
                    continue;
                }
            }
            plain.push_str(if mrkdwn { "\\<" } else { "<" });
            i += 1;
            continue;
        }
        if mrkdwn && c == '&' {
            let entity = [("&amp;", "&"), ("&lt;", "\\<"), ("&gt;", ">")]
                .into_iter()
                .find(|(e, _)| starts_with(chars, i, e));
            if let Some((e, replacement)) = entity {
                plain.push_str(replacement);
                i += e.len();
                continue;
            }
        }
        if mrkdwn
            && matches!(c, '*' | '_' | '~')
            && opens(chars, i)
            && let Some(end) = closing(chars, i)
        {
            flush(&mut plain, out);
            let marker = match c {
                '*' => "**",
                '~' => "~~",
                _ => "_",
            };
            let mut inner = String::new();
            convert_into(&chars[i + 1..end], flavor, &mut inner);
            out.push_str(marker);
            out.push_str(&inner);
            out.push_str(marker);
            i = end + 1;
            continue;
        }
        plain.push(c);
        i += 1;
    }
    flush(&mut plain, out);
}

/// Renders `<...>`: links, mentions, channels, special commands; `None` when it is not one of
/// Slack's forms (the `<` is then literal).
fn angle(inner: &str, flavor: Flavor) -> Option<String> {
    if inner.is_empty() || inner.starts_with(' ') {
        return None;
    }
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(decode_entities(l.trim())).filter(|l| !l.is_empty())),
        None => (inner, None),
    };
    let target = decode_entities(target);
    let first = target.chars().next()?;
    match first {
        '@' => {
            let name = label
                .as_deref()
                .map(|l| l.trim_start_matches('@'))
                .unwrap_or(&target[1..]);
            Some(text::inert(&format!("@{}", escape(name))).into_owned())
        }
        '#' => Some(format!(
            "#{}",
            escape(
                label
                    .as_deref()
                    .map(|l| l.trim_start_matches('#'))
                    .unwrap_or(&target[1..])
            )
        )),
        '!' => {
            let command = &target[1..];
            Some(match command {
                "channel" | "here" | "everyone" | "group" => String::new(),
                c if c.starts_with("subteam^") => {
                    let name = match label.as_deref() {
                        Some(l) => l.trim_start_matches('@'),
                        None => &c["subteam^".len()..],
                    };
                    text::inert(&format!("@{}", escape(name))).into_owned()
                }
                c if c.starts_with("date^") => match label {
                    Some(fallback) => escape(&fallback),
                    None => c
                        .split('^')
                        .nth(1)
                        .and_then(|ts| ts.parse::<f64>().ok())
                        .and_then(text::unix_time)
                        .unwrap_or_default(),
                },
                _ => label.as_deref().map(escape).unwrap_or_default(),
            })
        }
        _ => {
            url::Url::parse(&target).ok()?;
            if target.contains(char::is_whitespace) {
                return None;
            }
            // A link label is formatted text itself (`<url|*bold*>`).
            let label_md = inner
                .split_once('|')
                .map(|(_, raw)| convert_text(raw.trim(), flavor))
                .unwrap_or_default();
            Some(text::markdown_link(&label_md, &target))
        }
    }
}

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
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn converts_mrkdwn_emphasis_links_and_emoji() {
        assert_eq!(
            mrkdwn("*bold* _it_ ~gone~ :rocket: <https://a.io/x?a=1&amp;b=2|the docs>"),
            "**bold** _it_ ~~gone~~ 🚀 [the docs](https://a.io/x?a=1&b=2)"
        );
        assert_eq!(mrkdwn("see <https://a.io>"), "see <https://a.io>");
        assert_eq!(
            mrkdwn("<https://a.io|*Hotel* &amp; spa>"),
            "[**Hotel** & spa](https://a.io)"
        );
        assert_eq!(
            mrkdwn("snake_case_name and 2*3*4"),
            "snake_case_name and 2*3*4"
        );
        assert_eq!(mrkdwn("a &lt;b&gt; &amp; c"), "a \\<b> & c");
        assert_eq!(
            mrkdwn("*bold with _italic_ inside*"),
            "**bold with _italic_ inside**"
        );
    }

    #[test]
    fn drops_broadcasts_and_keeps_foreign_mentions_inert() {
        let out = mrkdwn("<!channel> deploy by <@U024BE7LH> and <@U1|ada> in <#C1|ops>");
        assert_eq!(out, "deploy by @\u{2060}U024BE7LH and @\u{2060}ada in #ops");
        assert!(crate::mentions::parse(&out).is_empty());
        assert_eq!(mrkdwn("<!here> x <!everyone> y"), "x y");
        assert_eq!(mrkdwn("<!date^1700000000^{date}|Nov 14>"), "Nov 14");
    }

    #[test]
    fn code_stays_literal_and_blocks_get_own_lines() {
        assert_eq!(mrkdwn("run `*x* &lt;y&gt;`"), "run `*x* <y>`");
        assert_eq!(
            mrkdwn("log:```a *b*\nc```done"),
            "log:\n```\na *b*\nc\n```\ndone"
        );
    }

    #[test]
    fn literal_angles_and_unsafe_links_are_not_links() {
        assert_eq!(mrkdwn("if a < b > c"), "if a \\< b > c");
        assert_eq!(mrkdwn("<javascript:alert(1)|click>"), "click");
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

    #[test]
    fn requires_something_to_show_and_right_types() {
        assert!(matches!(
            convert(&obj(json!({"username": "x"}))),
            Err(Refusal::NoText(_))
        ));
        assert!(matches!(
            convert(&obj(json!({"text": 5}))),
            Err(Refusal::InvalidPayload(_))
        ));
        assert!(matches!(
            convert(&obj(json!({"attachments": {}}))),
            Err(Refusal::InvalidPayload(_))
        ));
    }
}
