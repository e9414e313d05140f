//! One embed as Markdown: colour square, author and provider, linked title, description,
//! fields (inline ones side by side), media links, footer and timestamp.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::payload::{Embed, Field};
use super::syntax::text;
use crate::compat::text as helpers;

/// Blank for Discord: empty, whitespace or the zero-width spaces senders use as spacers.
pub(super) fn is_blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    })
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !is_blank(s))
}

/// One embed as lines of Markdown; an error names the part and the rule.
pub(super) fn render_embed(embed: &Embed) -> Result<String, (&'static str, String)> {
    let mut lines: Vec<String> = Vec::new();
    if let Some(author) = &embed.author
        && let Some(name) = non_blank(&author.name)
    {
        let url = author.url.as_deref().unwrap_or_default();
        lines.push(helpers::markdown_link(&text(name), url));
    }
    if let Some(provider) = &embed.provider
        && let Some(name) = non_blank(&provider.name)
    {
        let url = provider.url.as_deref().unwrap_or_default();
        lines.push(helpers::markdown_link(&text(name), url));
    }
    let url = embed.url.as_deref().unwrap_or_default();
    match non_blank(&embed.title) {
        Some(title) => lines.push(format!("**{}**", helpers::markdown_link(&text(title), url))),
        None if helpers::is_linkable(url) => lines.push(helpers::autolink(url)),
        None => {}
    }
    if let Some(description) = non_blank(&embed.description) {
        lines.push(text(description));
    }
    lines.extend(render_fields(&embed.fields));
    let media: Vec<String> = [
        ("Image", &embed.image),
        ("Thumbnail", &embed.thumbnail),
        ("Video", &embed.video),
    ]
    .into_iter()
    .filter_map(|(label, m)| {
        m.as_ref()
            .and_then(|m| m.url.as_deref())
            .filter(|url| helpers::is_linkable(url))
            .map(|url| helpers::link(label, url))
    })
    .collect();
    if !media.is_empty() {
        lines.push(media.join(" · "));
    }
    let footer = embed
        .footer
        .as_ref()
        .and_then(|f| non_blank(&f.text))
        .map(text);
    let time = embed.timestamp.as_deref().map(timestamp);
    match (footer, time) {
        (Some(f), Some(t)) => lines.push(format!("{f} · {t}")),
        (Some(f), None) => lines.push(f),
        (None, Some(t)) => lines.push(t),
        (None, None) => {}
    }
    if let Some(color) = embed.color {
        if !(0..=0xFF_FFFF).contains(&color) {
            return Err(("color", "color must be between 0 and 16777215".into()));
        }
        if let Some(first) = lines.first_mut()
            && let Some(marker) = helpers::color_marker(&format!("#{color:06x}"))
        {
            *first = format!("{marker} {first}");
        }
    }
    Ok(lines.join("\n"))
}

/// Fields: consecutive inline fields with one-line values share a line; the others get the
/// name in bold above the value.
fn render_fields(fields: &[Field]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut row: Vec<String> = Vec::new();
    for field in fields {
        let name = non_blank(&field.name).map(text);
        let value = non_blank(&field.value).map(text);
        if name.is_none() && value.is_none() {
            continue;
        }
        let one_line = value.as_deref().is_none_or(|v| !v.contains('\n'));
        if field.inline == Some(true) && one_line {
            row.push(match (&name, &value) {
                (Some(n), Some(v)) => format!("**{n}**: {v}"),
                (Some(n), None) => format!("**{n}**"),
                (None, v) => v.clone().unwrap_or_default(),
            });
            continue;
        }
        if !row.is_empty() {
            lines.push(std::mem::take(&mut row).join(" · "));
        }
        match (name, value) {
            (Some(n), Some(v)) if one_line => lines.push(format!("**{n}**: {v}")),
            (Some(n), Some(v)) => lines.push(format!("**{n}**\n{v}")),
            (Some(n), None) => lines.push(format!("**{n}**")),
            (None, Some(v)) => lines.push(v),
            (None, None) => {}
        }
    }
    if !row.is_empty() {
        lines.push(row.join(" · "));
    }
    lines
}

/// An embed timestamp as a UTC date, or as sent when it cannot be read.
fn timestamp(raw: &str) -> String {
    let parsed = DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        });
    match parsed {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{Refusal, Rendered, payload, render};

    fn render_json(v: Value) -> Result<Rendered, Refusal> {
        let Value::Object(obj) = v else { panic!() };
        render(&payload(obj)?)
    }

    #[test]
    fn embeds_render_every_visible_part() {
        let r = render_json(json!({"embeds": [{
            "author": {"name": "Ann", "url": "https://a.io/ann"},
            "title": "Build [42]", "url": "https://ci.io/42", "description": "All good",
            "color": 0x2ecc71,
            "fields": [
                {"name": "Repo", "value": "o/r", "inline": true},
                {"name": "Ref", "value": "main", "inline": true},
                {"name": "Log", "value": "line 1\nline 2"}
            ],
            "image": {"url": "https://ci.io/i.png"},
            "thumbnail": {"url": "https://ci.io/t.png"},
            "footer": {"text": "CI"}, "timestamp": "2023-11-14T22:13:20.000Z"
        }]}))
        .unwrap();
        assert_eq!(
            r.content,
            "🟢 [Ann](https://a.io/ann)\n**[Build [42]](https://ci.io/42)**\nAll good\n\
             **Repo**: o/r · **Ref**: main\n**Log**\nline 1\nline 2\n\
             [Image](https://ci.io/i.png) · [Thumbnail](https://ci.io/t.png)\n\
             CI · 2023-11-14 22:13 UTC"
        );
    }

    #[test]
    fn unsafe_urls_never_become_links_and_no_link_is_empty() {
        let r = render_json(json!({"embeds": [{
            "title": "x", "url": "javascript:alert(1)",
            "author": {"name": "", "url": "https://a.io"},
            "image": {"url": "data:text/html,<script>"}
        }]}))
        .unwrap();
        assert_eq!(r.content, "**x**");
        let r = render_json(json!({"embeds": [{"url": "https://a.io/x_(y)"}]})).unwrap();
        assert_eq!(r.content, "<https://a.io/x_(y)>");
        let r = render_json(json!({"content": "<script>alert(1)</script>"})).unwrap();
        assert_eq!(
            r.content, "<script>alert(1)</script>",
            "kept as text; the renderer escapes it"
        );
    }
}
