//! Discord's execute-webhook format: the body Discord's webhooks accept (`content`,
//! `username`, `avatar_url`, `embeds`, `allowed_mentions`) turned into one of our messages.
//! Pure, no I/O: the routes are in `http::discord`.
//!
//! Content is Discord Markdown, which is close to ours; Discord-only syntax is converted:
//! `:shortcode:` emoji to Unicode, `<:name:id>` custom emoji to `:name:`, `<t:unix:style>`
//! timestamps to a UTC date, and `<@id>` user mentions left inert (the ids are Discord's, not
//! ours). Each embed becomes a block below the content: a colour square, the author, the title
//! (linked to its `url`), the description, the fields (inline ones side by side), image,
//! thumbnail and video as links, and the footer with the timestamp.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Refusal, text as helpers};
use crate::ingest::validate::{self, FieldError, MAX_CONTENT_CHARS, MAX_USERNAME_CHARS};
use crate::mentions::MentionFilter;

/// Most embeds Discord accepts in one message.
pub const MAX_EMBEDS: usize = 10;

/// Discord's JSON error code for a refusal: `50006` nothing to show, `50109` not JSON,
/// `50035` a field at fault ("Invalid Form Body"), `0` otherwise.
pub fn code(refusal: &Refusal) -> u32 {
    match refusal {
        Refusal::NoText(_) => 50006,
        Refusal::InvalidPayload(_) => 50109,
        Refusal::Invalid(_) => 50035,
        Refusal::UnsupportedMediaType(_) => 0,
    }
}

/// The refusal of a body that carries files or attachments.
pub fn attachments(field: &str) -> Refusal {
    invalid(
        field,
        "webhook messages carry no attachments or files; send the text and links only",
    )
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(FieldError::new(field, message))
}

/// An execute-webhook body. Unknown fields (`tts`, `flags`, `components`, `thread_name`, the
/// `id` and `wait` some clients echo) are ignored; `null` counts as absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payload {
    /// Message text (Discord Markdown); may be empty when embeds are present.
    #[serde(default)]
    pub content: Option<String>,
    /// Display-name override.
    #[serde(default)]
    pub username: Option<String>,
    /// Avatar override.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Rich embeds, at most [`MAX_EMBEDS`].
    #[serde(default, deserialize_with = "null_as_default")]
    pub embeds: Vec<Embed>,
    /// Which mentions may notify.
    #[serde(default)]
    pub allowed_mentions: Option<AllowedMentions>,
    /// Attachment descriptors: only an empty list is accepted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attachments: Vec<Value>,
}

/// Discord's `allowed_mentions`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllowedMentions {
    /// Mention kinds parsed from the text: `users`, `roles`, `everyone`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub parse: Vec<String>,
    /// Users who may be notified even when `parse` lacks `users` (our user ids).
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<String>,
}

/// One embed. Every part is optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Embed {
    /// Title, linked to `url` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Always `rich` for webhooks.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Body text (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link of the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// ISO 8601 time shown in the footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Colour of the side bar, `0xRRGGBB` as an integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<i64>,
    /// Footer text and icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
    /// Large image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Media>,
    /// Small image beside the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Media>,
    /// Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Media>,
    /// Site the embed comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Named>,
    /// Author line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Named>,
    /// Name/value fields.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<Field>,
}

/// An embed footer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Footer {
    /// Footer text.
    #[serde(default)]
    pub text: Option<String>,
    /// Footer icon (not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An image, thumbnail or video.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Media {
    /// Where it is.
    #[serde(default)]
    pub url: Option<String>,
}

/// An author or provider.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Named {
    /// Name shown.
    #[serde(default)]
    pub name: Option<String>,
    /// Link of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Icon (not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An embed field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Field {
    /// Field name.
    #[serde(default)]
    pub name: Option<String>,
    /// Field value (Markdown).
    #[serde(default)]
    pub value: Option<String>,
    /// Whether it may sit beside its neighbours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<bool>,
}

/// A Discord body turned into our message.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Our Markdown: the content, then one block per embed.
    pub content: String,
    /// Display-name override (cut to our limit).
    pub username: Option<String>,
    /// Avatar override.
    pub avatar_url: Option<String>,
    /// Which resolved mentions may notify.
    pub mentions: MentionFilter,
    /// `{"content", "embeds"}` as sent, so the Discord API can answer with them and an edit
    /// can change one and keep the other.
    pub source: Value,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses a JSON body into a JSON object.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Refusal::InvalidPayload("the body is not valid UTF-8".into()))?;
    match serde_json::from_str(text) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(invalid("body", "the request body must be a JSON object")),
        Err(e) => Err(Refusal::InvalidPayload(format!(
            "The request body contains invalid JSON: {e}"
        ))),
    }
}

/// Reads a payload out of a JSON object, naming the field of a type error.
pub fn payload(obj: Map<String, Value>) -> Result<Payload, Refusal> {
    serde_path_to_error::deserialize(Value::Object(obj)).map_err(|e| {
        // `embeds[0].color` is `embeds.0.color` in Discord's error paths.
        let field = e.path().to_string().replace('[', ".").replace(']', "");
        invalid(
            if field == "." { "body".into() } else { field },
            e.into_inner().to_string(),
        )
    })
}

/// Applies an edit (`PATCH .../messages/{id}`) to the stored source: `content` and `embeds`
/// that the edit names replace the stored ones (`null` clears), the others stay.
pub fn merge_edit(source: &Value, edit: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = source.as_object().cloned().unwrap_or_default();
    for key in ["content", "embeds", "allowed_mentions", "attachments"] {
        match edit.get(key) {
            Some(Value::Null) => {
                merged.remove(key);
            }
            Some(v) => {
                merged.insert(key.to_owned(), v.clone());
            }
            None => {}
        }
    }
    merged
}

/// Turns a payload into our message, or says why it is refused.
pub fn render(payload: &Payload) -> Result<Rendered, Refusal> {
    if !payload.attachments.is_empty() {
        return Err(attachments("attachments"));
    }
    let content = payload.content.as_deref().unwrap_or_default();
    let len = content.chars().count();
    if len > MAX_CONTENT_CHARS {
        return Err(invalid(
            "content",
            format!("content must be at most {MAX_CONTENT_CHARS} characters long (got {len})"),
        ));
    }
    if payload.embeds.len() > MAX_EMBEDS {
        return Err(invalid(
            "embeds",
            format!(
                "at most {MAX_EMBEDS} embeds are allowed (got {})",
                payload.embeds.len()
            ),
        ));
    }
    let mut blocks = Vec::new();
    if !is_blank(content) {
        blocks.push(text(content));
    }
    for (i, embed) in payload.embeds.iter().enumerate() {
        let block = render_embed(embed)
            .map_err(|(field, message)| invalid(format!("embeds.{i}.{field}"), message))?;
        if !block.is_empty() {
            blocks.push(block);
        }
    }
    if blocks.is_empty() {
        return Err(Refusal::NoText("Cannot send an empty message".into()));
    }
    let username = match payload.username.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => {
            // Discord allows 80 characters; keep the name readable rather than refuse it.
            let name: String = name.chars().take(MAX_USERNAME_CHARS).collect();
            validate::display_name("username", &name).map_err(Refusal::Invalid)?;
            Some(name)
        }
    };
    let avatar_url = match payload.avatar_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => {
            validate::http_url("avatar_url", url).map_err(Refusal::Invalid)?;
            Some(url.to_owned())
        }
    };
    let mut source = Map::new();
    source.insert("content".into(), content.into());
    source.insert(
        "embeds".into(),
        serde_json::to_value(&payload.embeds).unwrap_or_else(|_| Value::Array(Vec::new())),
    );
    Ok(Rendered {
        content: fit(blocks.join("\n\n")),
        username,
        avatar_url,
        mentions: mention_filter(payload.allowed_mentions.as_ref()),
        source: Value::Object(source),
    })
}

/// Discord's rule: without `allowed_mentions` every mention counts; with it, user mentions
/// count when `parse` has `users`, otherwise only the listed users (our user ids) are notified.
fn mention_filter(allowed: Option<&AllowedMentions>) -> MentionFilter {
    match allowed {
        None => MentionFilter::All,
        Some(a) if a.parse.iter().any(|p| p == "users") => MentionFilter::All,
        Some(a) => MentionFilter::Only(
            a.users
                .iter()
                .filter_map(|u| Uuid::parse_str(u).ok())
                .collect(),
        ),
    }
}

/// Cuts a rendering that is over our limit, saying so at the end.
fn fit(content: String) -> String {
    if content.chars().count() <= MAX_CONTENT_CHARS {
        return content;
    }
    const MARK: &str = "\n… (cut: longer than a message can be)";
    let keep = MAX_CONTENT_CHARS - MARK.chars().count();
    let mut cut: String = content.chars().take(keep).collect();
    if let Some(nl) = cut.rfind('\n')
        && cut[..nl].chars().count() > keep / 2
    {
        cut.truncate(nl);
    }
    cut.push_str(MARK);
    cut
}

/// Blank for Discord: empty, whitespace or the zero-width spaces senders use as spacers.
fn is_blank(s: &str) -> bool {
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
fn render_embed(embed: &Embed) -> Result<String, (&'static str, String)> {
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

/// Discord Markdown to ours: emoji shortcodes, custom emoji, timestamps and mentions.
/// Trailing line breaks go (they would only widen the gaps between parts).
pub fn text(s: &str) -> String {
    let s = s.trim_end_matches(['\n', '\r']);
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(['<', ':']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if let Some((converted, used)) = angle(rest).or_else(|| shortcode(rest)) {
            out.push_str(&converted);
            rest = &rest[used..];
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

/// `:name:` to its Unicode emoji, when the name is one.
fn shortcode(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix(':')?;
    let end = inner.find(':')?;
    let name = &inner[..end];
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    {
        return None;
    }
    let emoji = helpers::emoji(name)?;
    Some((emoji.to_owned(), end + 2))
}

/// `<...>` constructs: `<@id>`/`<@!id>` (inert), `<:name:id>`/`<a:name:id>`, `<t:unix:style>`.
fn angle(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix('<')?;
    let end = inner.find('>')?;
    let body = &inner[..end];
    let used = end + 2;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(id) = body.strip_prefix("@!").or_else(|| body.strip_prefix('@'))
        && digits(id)
    {
        return Some((helpers::inert(&format!("@{id}")).into_owned(), used));
    }
    if let Some(custom) = body.strip_prefix("a:").or_else(|| body.strip_prefix(':'))
        && let Some((name, id)) = custom.split_once(':')
        && !name.is_empty()
        && digits(id)
    {
        return Some((format!(":{name}:"), used));
    }
    if let Some(t) = body.strip_prefix("t:") {
        let unix = t.split(':').next().unwrap_or_default();
        if let Some(time) = unix
            .parse::<i64>()
            .ok()
            .and_then(|u| DateTime::<Utc>::from_timestamp(u, 0))
        {
            return Some((time.format("%Y-%m-%d %H:%M UTC").to_string(), used));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render_json(v: Value) -> Result<Rendered, Refusal> {
        let Value::Object(obj) = v else { panic!() };
        render(&payload(obj)?)
    }

    #[test]
    fn content_alone_is_kept_with_emoji_converted() {
        let r =
            render_json(json!({"content": "Deploy **done** :rocket:", "username": "CI"})).unwrap();
        assert_eq!(r.content, "Deploy **done** 🚀");
        assert_eq!(r.username.as_deref(), Some("CI"));
        assert_eq!(r.mentions, MentionFilter::All);
    }

    #[test]
    fn empty_content_is_fine_with_an_embed_and_refused_without() {
        let r = render_json(json!({"content": "", "embeds": [{"title": "T", "description": "D"}]}))
            .unwrap();
        assert_eq!(r.content, "**T**\nD");
        for empty in [
            json!({"content": ""}),
            json!({"content": "\u{200B}", "embeds": [{}]}),
            json!({}),
        ] {
            let err = render_json(empty).unwrap_err();
            assert!(matches!(err, Refusal::NoText(_)), "{err:?}");
            assert_eq!(code(&err), 50006);
        }
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

    #[test]
    fn discord_syntax_is_converted_and_user_ids_stay_inert() {
        let out = text("<@123> <@!45> <@&9> <:party:77> <t:1700000000:R> :x: :nope:");
        assert!(!out.contains("<@123>") && out.contains("123"), "{out}");
        assert!(crate::mentions::parse(&out).is_empty(), "{out}");
        assert!(
            out.contains("<@&9> :party: 2023-11-14 22:13 UTC ❌ :nope:"),
            "{out}"
        );
    }

    #[test]
    fn allowed_mentions_follow_discord_rules() {
        let id = Uuid::now_v7();
        let r = render_json(json!({"content": "@a", "allowed_mentions": {"parse": []}})).unwrap();
        assert_eq!(r.mentions, MentionFilter::Only(vec![]));
        let r = render_json(json!({"content": "@a", "allowed_mentions": {"parse": ["users"]}}))
            .unwrap();
        assert_eq!(r.mentions, MentionFilter::All);
        let r = render_json(
            json!({"content": "@a", "allowed_mentions": {"users": [id.to_string(), "123"]}}),
        )
        .unwrap();
        assert_eq!(r.mentions, MentionFilter::Only(vec![id]));
    }

    #[test]
    fn refusals_name_the_field_and_discord_code() {
        let err = render_json(json!({"content": "x", "embeds": [{"color": -1}]})).unwrap_err();
        assert_eq!((err.field(), code(&err)), (Some("embeds.0.color"), 50035));
        let err = render_json(json!({"content": 5})).unwrap_err();
        assert_eq!(err.field(), Some("content"));
        let err = render_json(json!({"content": "x", "avatar_url": "ftp://x"})).unwrap_err();
        assert_eq!(err.field(), Some("avatar_url"));
        let err = render_json(json!({"content": "x", "attachments": [{"id": 0}]})).unwrap_err();
        assert_eq!(err.field(), Some("attachments"));
        let err = render_json(json!({"content": "x".repeat(4001)})).unwrap_err();
        assert_eq!(err.field(), Some("content"));
        assert_eq!(code(&parse_object(b"{").unwrap_err()), 50109);
    }

    #[test]
    fn long_usernames_are_cut_and_long_renderings_fit() {
        let r = render_json(json!({"content": "x", "username": "n".repeat(80)})).unwrap();
        assert_eq!(r.username.unwrap().chars().count(), MAX_USERNAME_CHARS);
        let embeds: Vec<Value> = (0..10)
            .map(|_| json!({"description": "d".repeat(1000)}))
            .collect();
        let r = render_json(json!({"content": "c", "embeds": embeds})).unwrap();
        assert!(r.content.chars().count() <= MAX_CONTENT_CHARS);
        assert!(r.content.ends_with("longer than a message can be)"));
    }

    #[test]
    fn an_edit_replaces_what_it_names_and_keeps_the_rest() {
        let source = json!({"content": "old", "embeds": [{"title": "t"}]});
        let edit = json!({"content": "new"});
        let merged = merge_edit(&source, edit.as_object().unwrap());
        assert_eq!(
            Value::Object(merged),
            json!({"content": "new", "embeds": [{"title": "t"}]})
        );
        let edit = json!({"embeds": null});
        let merged = merge_edit(&source, edit.as_object().unwrap());
        assert_eq!(Value::Object(merged), json!({"content": "old"}));
    }

    /// The visible texts of a payload: each must survive rendering.
    fn visible(payload: &Payload) -> Vec<String> {
        let mut texts = vec![payload.content.clone()];
        for e in &payload.embeds {
            texts.extend([e.title.clone(), e.description.clone()]);
            texts.push(e.author.as_ref().and_then(|a| a.name.clone()));
            texts.push(e.provider.as_ref().and_then(|p| p.name.clone()));
            texts.push(e.footer.as_ref().and_then(|f| f.text.clone()));
            for f in &e.fields {
                texts.extend([f.name.clone(), f.value.clone()]);
            }
        }
        texts
            .into_iter()
            .flatten()
            .flat_map(|t| text(&t).lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|l| !is_blank(l))
            .collect()
    }

    /// Every case of `tests/fixtures/compat/discord/` renders as its reviewed `expected.json`
    /// (`UPDATE_GOLDEN=1` rewrites them) and shows every visible text of its payload.
    #[test]
    fn fixtures_match_their_golden_files_and_lose_no_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/compat/discord");
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("request.json").is_file())
            .collect();
        cases.sort();
        assert!(cases.len() >= 5, "{} cases", cases.len());
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            assert!(case.join("source.txt").is_file(), "{name}: source.txt");
            let body = std::fs::read(case.join("request.json")).unwrap();
            let parsed = payload(parse_object(&body).unwrap()).unwrap();
            let rendered = render(&parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
            let got = json!({
                "content": rendered.content,
                "username": rendered.username,
                "avatar_url": rendered.avatar_url,
            });
            let expected_file = case.join("expected.json");
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
                std::fs::write(&expected_file, text).unwrap();
            }
            let expected: Value = serde_json::from_str(
                &std::fs::read_to_string(&expected_file)
                    .unwrap_or_else(|_| panic!("{name}: no expected.json (UPDATE_GOLDEN=1)")),
            )
            .unwrap();
            assert_eq!(got, expected, "{name}");
            let shown = rendered.content.replace('\\', "");
            for line in visible(&parsed) {
                assert!(
                    shown.contains(line.replace('\\', "").trim()),
                    "{name}: {line:?} is not shown in {shown:?}"
                );
            }
            assert!(!rendered.content.contains("]()"), "{name}: an empty link");
        }
    }
}
