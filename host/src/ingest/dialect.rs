//! The three native webhook dialects: their paths' field names and response shapes.

use serde_json::{Map, Value};

use super::validate::{self, FieldError, FieldNames};
use crate::store::NewMessage;

/// A native message format, each served on its own path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `POST /api/webhooks/execute/{token}`: `content`, `username`, `avatar_url`.
    Chatalot,
    /// `POST /api/v1/hooks/{token}`: `text`, `username`, `icon_url`.
    BitoLink,
    /// `POST /webhooks/{webhook_id}/{token}`: `content`, `name`, `avatarUrl`.
    Chattr,
}

/// Why a native body was rejected.
#[derive(Debug, thiserror::Error)]
pub enum DialectError {
    /// The body is not UTF-8.
    #[error("request body is not valid UTF-8")]
    InvalidUtf8,
    /// The body is not JSON.
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A field broke a rule.
    #[error(transparent)]
    Invalid(#[from] FieldError),
}

impl Dialect {
    /// Field names of this dialect.
    pub fn fields(self) -> FieldNames {
        match self {
            Dialect::Chatalot => FieldNames {
                content: "content",
                username: "username",
                avatar_url: "avatar_url",
            },
            Dialect::BitoLink => FieldNames {
                content: "text",
                username: "username",
                avatar_url: "icon_url",
            },
            Dialect::Chattr => FieldNames {
                content: "content",
                username: "name",
                avatar_url: "avatarUrl",
            },
        }
    }

    /// Parses and validates a body of this dialect. Unknown fields are ignored, as Slack and
    /// Discord do; `null` counts as absent for optional fields.
    pub fn parse(self, body: &[u8]) -> Result<NewMessage, DialectError> {
        let text = std::str::from_utf8(body).map_err(|_| DialectError::InvalidUtf8)?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| DialectError::MalformedJson(e.to_string()))?;
        let Value::Object(mut obj) = value else {
            return Err(FieldError::new("body", "the request body must be a JSON object").into());
        };
        let names = self.fields();
        let content = take_string(&mut obj, names.content)?.ok_or_else(|| {
            FieldError::new(names.content, format!("{} is required", names.content))
        })?;
        let username = take_string(&mut obj, names.username)?;
        let avatar_url = take_string(&mut obj, names.avatar_url)?;
        Ok(validate::message(names, content, username, avatar_url)?)
    }
}

fn take_string(obj: &mut Map<String, Value>, field: &str) -> Result<Option<String>, FieldError> {
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FieldError::new(field, format!("{field} must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_reads_its_own_fields() {
        let m = Dialect::BitoLink
            .parse(br#"{"text":"hi","username":"Bot","icon_url":"https://a.io/i.png"}"#)
            .unwrap();
        assert_eq!(
            (m.content.as_str(), m.username.as_deref()),
            ("hi", Some("Bot"))
        );
        let m = Dialect::Chattr
            .parse(br#"{"content":"hi","name":"CI Bot","avatarUrl":null}"#)
            .unwrap();
        assert_eq!(
            (m.username.as_deref(), m.avatar_url),
            (Some("CI Bot"), None)
        );
        let err = Dialect::BitoLink.parse(br#"{"content":"hi"}"#).unwrap_err();
        assert!(
            matches!(err, DialectError::Invalid(f) if f.field == "text" && f.message == "text is required")
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = Dialect::Chatalot.parse(br#"{"content":42}"#).unwrap_err();
        assert!(matches!(err, DialectError::Invalid(f) if f.field == "content"));
        let err = Dialect::Chatalot.parse(br#"["content"]"#).unwrap_err();
        assert!(matches!(err, DialectError::Invalid(f) if f.field == "body"));
    }

    #[test]
    fn tells_utf8_from_json_errors() {
        assert!(matches!(
            Dialect::Chatalot.parse(b"{\"content\":\"\xff\"}"),
            Err(DialectError::InvalidUtf8)
        ));
        assert!(matches!(
            Dialect::Chatalot.parse(b"{\"content\":"),
            Err(DialectError::MalformedJson(_))
        ));
    }
}
