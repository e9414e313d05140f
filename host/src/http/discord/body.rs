//! The body of a Discord request as a JSON object, whichever way it was sent: JSON, form
//! fields (`payload_json` or the fields themselves), or `multipart/form-data` (the same, where
//! any file part is refused).

use axum::body::Bytes;
use serde_json::{Map, Value};

use crate::compat::{Refusal, discord};
use crate::http::extract::is_json_content_type;

/// The body as a JSON object, read according to its `Content-Type`.
pub(super) async fn read_object(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Map<String, Value>, Refusal> {
    let essence = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match essence.as_str() {
        "" => discord::parse_object(bytes),
        "multipart/form-data" => {
            read_multipart(content_type.unwrap_or(""), Bytes::copy_from_slice(bytes)).await
        }
        "application/x-www-form-urlencoded" => {
            let fields = url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            form_object(fields)
        }
        _ if is_json_content_type(content_type) => discord::parse_object(bytes),
        other => Err(Refusal::UnsupportedMediaType(format!(
            "Content-Type must be application/json, multipart/form-data or application/x-www-form-urlencoded (got {other})"
        ))),
    }
}

/// Form fields as a payload: `payload_json` holds the JSON; other fields (`content`,
/// `username`, `avatar_url`, ...) are taken as strings, `payload_json` winning.
fn form_object(fields: Vec<(String, String)>) -> Result<Map<String, Value>, Refusal> {
    let mut obj = Map::new();
    let mut payload = None;
    for (name, value) in fields {
        if name == "payload_json" {
            payload = Some(discord::parse_object(value.as_bytes())?);
        } else {
            obj.insert(name, Value::String(value));
        }
    }
    if let Some(payload) = payload {
        obj.extend(payload);
    }
    Ok(obj)
}

async fn read_multipart(content_type: &str, bytes: Bytes) -> Result<Map<String, Value>, Refusal> {
    let bad = |e: multer::Error| Refusal::InvalidPayload(format!("malformed multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() || name.starts_with("file") {
            return Err(discord::attachments(if name.is_empty() {
                "files"
            } else {
                &name
            }));
        }
        let value = field.text().await.map_err(bad)?;
        fields.push((name, value));
    }
    form_object(fields)
}
