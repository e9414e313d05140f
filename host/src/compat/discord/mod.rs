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

mod embed;
mod payload;
mod syntax;

use serde_json::{Map, Value};
use uuid::Uuid;

pub use payload::{AllowedMentions, Embed, Field, Footer, Media, Named, Payload};
pub use syntax::text;

use super::Refusal;
use crate::ingest::validate::{self, FieldError, MAX_CONTENT_CHARS, MAX_USERNAME_CHARS};
use crate::mentions::MentionFilter;
use embed::{is_blank, render_embed};

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
