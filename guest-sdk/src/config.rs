//! Checking a webhook's plugin configuration when it is set, not at the next delivery:
//! [`ConfigError`] names the key at fault, and [`parse`] derives the check from the plugin's
//! serde type (`register_plugin!(MyPlugin, config = Config)` does it for you).

use std::fmt;

use serde::de::DeserializeOwned;

use crate::Error;

/// Why a configuration is refused: the key at fault, as a path into the configuration
/// (`colour`, `mentions.alice`, `branches[1]`; empty for the configuration as a whole), and
/// the rule it breaks. The host answers the `PATCH` that set it with HTTP 422 naming the field
/// `plugin_config.<path>`.
///
/// ```
/// use wasmhook_sdk::config::ConfigError;
///
/// let error = ConfigError::new("min_level", "must be one of debug, info, warning");
/// assert_eq!(error.path, "min_level");
/// assert_eq!(
///     error.to_string(),
///     "invalid plugin configuration: `min_level`: must be one of debug, info, warning"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key at fault (`colour`, `mentions.alice`, `branches[1]`); empty for the whole.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl ConfigError {
    /// An error about the key at `path` (empty for the configuration as a whole).
    ///
    /// ```
    /// let error = wasmhook_sdk::config::ConfigError::new("mentions.octocat", "is not a username");
    /// assert_eq!(error.message, "is not a username");
    /// ```
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "invalid plugin configuration: {}", self.message)
        } else {
            write!(
                f,
                "invalid plugin configuration: `{}`: {}",
                self.path, self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for Error {
    /// A bad configuration met during a transform: the webhook is misconfigured, an internal
    /// error (the request can be replayed once the configuration is fixed).
    ///
    /// ```
    /// use wasmhook_sdk::{Error, config::ConfigError};
    /// let error: Error = ConfigError::new("colour", "unknown field").into();
    /// assert!(matches!(error, Error::Internal(_)));
    /// ```
    fn from(err: ConfigError) -> Self {
        Error::internal(err.to_string())
    }
}

/// Deserializes a configuration (JSON text) into `T`, or names the key it breaks: an unknown
/// key when `T` has `#[serde(deny_unknown_fields)]`, a value of the wrong type, a missing
/// required key. This is the check `register_plugin!(P, config = T)` exports.
///
/// ```
/// use wasmhook_sdk::config;
///
/// #[derive(serde::Deserialize, Default)]
/// #[serde(default, deny_unknown_fields)]
/// struct Config {
///     branches: Vec<String>,
///     username: Option<String>,
/// }
///
/// assert!(config::parse::<Config>(r#"{"branches":["main"]}"#).is_ok());
/// let error = config::parse::<Config>(r#"{"colour":"red"}"#).err().unwrap();
/// assert_eq!(error.path, "colour");
/// assert!(error.message.starts_with("unknown field `colour`"), "{}", error.message);
/// let error = config::parse::<Config>(r#"{"branches":["main",7]}"#).err().unwrap();
/// assert_eq!(error.path, "branches[1]");
/// ```
///
/// # Errors
///
/// A [`ConfigError`] naming the key and serde's reason.
pub fn parse<T: DeserializeOwned>(config: &str) -> Result<T, ConfigError> {
    let config = if config.trim().is_empty() {
        "{}"
    } else {
        config
    };
    // serde would also read a struct from an array of its fields: a configuration is an object.
    if !config.trim_start().starts_with('{') {
        return Err(ConfigError::new("", "expected a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_str(config);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = without_position(&err.inner().to_string());
        let mut path = match path.as_str() {
            "." | "?" => String::new(),
            _ => path,
        };
        // serde reports a missing key at the object that lacks it: name the key itself.
        if let Some(key) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        }
        ConfigError::new(path, message)
    })
}

/// serde_json's message without its ` at line 1 column 9`: the path says where.
fn without_position(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((text, position))
            if position
                .split_once(" column ")
                .is_some_and(|(l, c)| l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok()) =>
        {
            text.to_owned()
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, serde::Deserialize, Default)]
    #[serde(default, deny_unknown_fields)]
    struct Config {
        secret: Option<String>,
        mentions: BTreeMap<String, String>,
        nested: Nested,
    }

    #[derive(Debug, serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialized")]
    struct Nested {
        depth: u8,
    }

    #[test]
    fn names_the_key_at_fault() {
        let err = parse::<Config>(r#"{"secret":"s","colour":"red"}"#).unwrap_err();
        assert_eq!(err.path, "colour");
        assert_eq!(
            err.message,
            "unknown field `colour`, expected one of `secret`, `mentions`, `nested`"
        );
        let err = parse::<Config>(r#"{"mentions":{"alice":1}}"#).unwrap_err();
        assert_eq!(err.path, "mentions.alice");
        assert!(
            err.message.starts_with("invalid type: integer `1`"),
            "{err}"
        );
        let err = parse::<Config>(r#"{"nested":{"depht":1}}"#).unwrap_err();
        assert_eq!(err.path, "nested.depht");
        let err = parse::<Config>(r#"{"secret":7}"#).unwrap_err();
        assert_eq!(err.path, "secret");
        let err = parse::<Config>(r#"{"nested":{}}"#).unwrap_err();
        assert_eq!(err.path, "nested.depth");
        assert_eq!(err.message, "missing field `depth`");
    }

    #[test]
    fn the_whole_configuration_has_an_empty_path() {
        let err = parse::<Config>("[1]").unwrap_err();
        assert_eq!(err.path, "");
        assert_eq!(err.message, "expected a JSON object");
        assert!(parse::<Config>("").is_ok(), "no configuration is `{{}}`");
        assert!(parse::<Config>("{}").is_ok());
    }

    #[test]
    fn serde_positions_are_left_out() {
        assert_eq!(without_position("oops at line 1 column 9"), "oops");
        assert_eq!(without_position("at line one"), "at line one");
    }
}
