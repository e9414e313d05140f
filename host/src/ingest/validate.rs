//! Validation rules shared by every message source (native dialects, plugins, the test button)
//! and by the webhook settings that feed message defaults.

use crate::store::NewMessage;

/// Longest message content, in Unicode scalar values.
pub const MAX_CONTENT_CHARS: usize = 4000;
/// Longest display-name override, in Unicode scalar values.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Longest avatar URL.
pub const MAX_URL_LEN: usize = 2048;

/// A field that broke a rule: the field as the caller named it, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The request field, in the caller's dialect (`content`, `text`, `icon_url`, ...).
    pub field: String,
    /// The rule it broke, as a sentence fragment naming the field.
    pub message: String,
}

impl FieldError {
    /// Creates a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Names the fields of one message in the caller's dialect, so errors name what was sent.
#[derive(Debug, Clone, Copy)]
pub struct FieldNames {
    /// Name of the content field.
    pub content: &'static str,
    /// Name of the display-name override field.
    pub username: &'static str,
    /// Name of the avatar override field.
    pub avatar_url: &'static str,
}

/// Validates one message and returns it ready to store, unchanged.
pub fn message(
    names: FieldNames,
    content: String,
    username: Option<String>,
    avatar_url: Option<String>,
) -> Result<NewMessage, FieldError> {
    let len = content.chars().count();
    if len == 0 || len > MAX_CONTENT_CHARS {
        return Err(FieldError::new(
            names.content,
            format!(
                "{} must be 1-{MAX_CONTENT_CHARS} characters long (got {len})",
                names.content
            ),
        ));
    }
    if content.trim().is_empty() {
        return Err(FieldError::new(
            names.content,
            format!("{} must not be only whitespace", names.content),
        ));
    }
    if let Some(name) = &username {
        display_name(names.username, name)?;
    }
    if let Some(url) = &avatar_url {
        http_url(names.avatar_url, url)?;
    }
    Ok(NewMessage {
        content,
        username,
        avatar_url,
        mentions: Default::default(),
        format_source: None,
    })
}

/// A display name: 1-64 characters, not only whitespace.
pub fn display_name(field: &str, value: &str) -> Result<(), FieldError> {
    let len = value.chars().count();
    if len == 0 || len > MAX_USERNAME_CHARS || value.trim().is_empty() {
        return Err(FieldError::new(
            field,
            format!("{field} must be 1-{MAX_USERNAME_CHARS} characters long, not blank"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// An absolute http(s) URL with a host.
pub fn http_url(field: &str, value: &str) -> Result<(), FieldError> {
    if value.len() > MAX_URL_LEN {
        return Err(FieldError::new(
            field,
            format!("{field} must be at most {MAX_URL_LEN} bytes"),
        ));
    }
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(FieldError::new(
            field,
            format!("{field} must be an absolute http or https URL"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: FieldNames = FieldNames {
        content: "text",
        username: "username",
        avatar_url: "icon_url",
    };

    #[test]
    fn counts_characters_not_bytes() {
        let emoji = "🚀".repeat(MAX_CONTENT_CHARS);
        assert!(message(NAMES, emoji, None, None).is_ok());
        let err = message(NAMES, "é".repeat(MAX_CONTENT_CHARS + 1), None, None).unwrap_err();
        assert_eq!(err.field, "text");
        assert!(err.message.contains("1-4000"), "{}", err.message);
    }

    #[test]
    fn rejects_empty_and_blank_content() {
        assert_eq!(
            message(NAMES, String::new(), None, None).unwrap_err().field,
            "text"
        );
        assert_eq!(
            message(NAMES, " \n\t".into(), None, None)
                .unwrap_err()
                .field,
            "text"
        );
    }

    #[test]
    fn keeps_content_exactly() {
        let text = "Build Completed!\n\n**Project**: `MyApp` ✅\n";
        assert_eq!(
            message(NAMES, text.into(), None, None).unwrap().content,
            text
        );
    }

    #[test]
    fn checks_username_length_and_avatar_scheme() {
        assert_eq!(
            message(NAMES, "x".into(), Some("a".repeat(65)), None)
                .unwrap_err()
                .field,
            "username"
        );
        assert!(message(NAMES, "x".into(), Some("a".repeat(64)), None).is_ok());
        assert_eq!(
            message(NAMES, "x".into(), None, Some("ftp://x.io/a.png".into()))
                .unwrap_err()
                .field,
            "icon_url"
        );
        assert_eq!(
            message(NAMES, "x".into(), None, Some("javascript:alert(1)".into()))
                .unwrap_err()
                .field,
            "icon_url"
        );
        assert!(message(NAMES, "x".into(), None, Some("https://x.io/a.png".into())).is_ok());
    }
}
