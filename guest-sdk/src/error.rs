//! The error a transform returns: one case per WIT `plugin-error` case.

use std::fmt;

/// `Result<T, wasmhook_sdk::Error>`: what [`Plugin::transform`](crate::Plugin::transform)
/// and the SDK helpers return.
///
/// ```
/// use wasmhook_sdk::{Error, Result};
///
/// fn parse_count(text: &str) -> Result<u32> {
///     text.parse().map_err(|_| Error::invalid_payload(format!("not a number: {text:?}")))
/// }
/// assert!(parse_count("x").is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a transform failed. The host maps each case to an HTTP status for the sender.
///
/// `?` converts JSON and UTF-8 errors into [`Error::InvalidPayload`].
///
/// ```
/// use wasmhook_sdk::Error;
///
/// let err = Error::unauthorized("bad signature");
/// assert_eq!(err.to_string(), "unauthorized: bad signature");
/// assert_eq!(err.message(), "bad signature");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The body is not what the plugin expects (HTTP 422).
    InvalidPayload(String),
    /// The request failed authentication, for example a bad signature (HTTP 401).
    Unauthorized(String),
    /// A well-formed event the plugin does not handle (HTTP 200, status "ignored").
    UnsupportedEvent(String),
    /// The plugin failed for another reason (HTTP 500); the request is kept as a failed
    /// delivery that can be replayed, for example after fixing the webhook's configuration.
    Internal(String),
}

impl Error {
    /// The body is not what the plugin expects (HTTP 422).
    ///
    /// ```
    /// let err = wasmhook_sdk::Error::invalid_payload("missing field `repository`");
    /// assert!(matches!(err, wasmhook_sdk::Error::InvalidPayload(_)));
    /// ```
    pub fn invalid_payload(message: impl Into<String>) -> Self {
        Self::InvalidPayload(message.into())
    }

    /// The request failed authentication (HTTP 401).
    ///
    /// ```
    /// let err = wasmhook_sdk::Error::unauthorized("signature mismatch");
    /// assert!(matches!(err, wasmhook_sdk::Error::Unauthorized(_)));
    /// ```
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(message.into())
    }

    /// A well-formed event the plugin does not handle (HTTP 200, reported as ignored).
    ///
    /// ```
    /// let err = wasmhook_sdk::Error::unsupported_event("event \"fork\"");
    /// assert!(matches!(err, wasmhook_sdk::Error::UnsupportedEvent(_)));
    /// ```
    pub fn unsupported_event(message: impl Into<String>) -> Self {
        Self::UnsupportedEvent(message.into())
    }

    /// Any other failure (HTTP 500; the delivery can be replayed).
    ///
    /// ```
    /// let err = wasmhook_sdk::Error::internal("configuration has no `channel`");
    /// assert!(matches!(err, wasmhook_sdk::Error::Internal(_)));
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// The human-readable message, without the kind.
    ///
    /// ```
    /// assert_eq!(wasmhook_sdk::Error::internal("boom").message(), "boom");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidPayload(m)
            | Self::Unauthorized(m)
            | Self::UnsupportedEvent(m)
            | Self::Internal(m) => m,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::InvalidPayload(_) => "invalid payload",
            Self::Unauthorized(_) => "unauthorized",
            Self::UnsupportedEvent(_) => "unsupported event",
            Self::Internal(_) => "internal error",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    /// A JSON error while reading the request is the sender's fault: an invalid payload.
    fn from(err: serde_json::Error) -> Self {
        Self::InvalidPayload(format!("invalid JSON: {err}"))
    }
}

impl From<std::str::Utf8Error> for Error {
    fn from(err: std::str::Utf8Error) -> Self {
        Self::InvalidPayload(format!("invalid UTF-8: {err}"))
    }
}

impl From<std::string::FromUtf8Error> for Error {
    fn from(err: std::string::FromUtf8Error) -> Self {
        Self::InvalidPayload(format!("invalid UTF-8: {}", err.utf8_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_turns_json_errors_into_invalid_payload() {
        fn parse() -> Result<serde_json::Value> {
            Ok(serde_json::from_str("{nope")?)
        }
        let err = parse().unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)), "{err:?}");
        assert!(err.message().starts_with("invalid JSON: "), "{err}");
    }

    #[test]
    fn question_mark_turns_utf8_errors_into_invalid_payload() {
        fn parse(bytes: Vec<u8>) -> Result<String> {
            std::str::from_utf8(&bytes)?;
            Ok(String::from_utf8(bytes)?)
        }
        let err = parse(vec![0xff]).unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)));
        assert!(err.message().contains("UTF-8"));
    }

    #[test]
    fn display_names_the_kind() {
        assert_eq!(
            Error::unsupported_event("event \"fork\"").to_string(),
            "unsupported event: event \"fork\""
        );
        assert_eq!(Error::internal("x").to_string(), "internal error: x");
    }
}
