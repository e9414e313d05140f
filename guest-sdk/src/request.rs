//! The request a plugin transforms, and a builder to make one in native tests.

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result, form};

/// The HTTP request a third-party service sent to the webhook, as the plugin sees it.
///
/// In a test, make one with [`Request::builder`] or [`Request::from_fixture`].
///
/// ```
/// use wasmhook_sdk::Request;
///
/// let request = Request::builder()
///     .header("X-GitHub-Event", "push")
///     .body(r#"{"ref":"refs/heads/main"}"#)
///     .build();
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.header("x-github-event"), Some("push"));
///
/// #[derive(serde::Deserialize)]
/// struct Push<'a> {
///     #[serde(rename = "ref")]
///     git_ref: &'a str,
/// }
/// let push: Push<'_> = request.json()?;
/// assert_eq!(push.git_ref, "refs/heads/main");
/// # Ok::<(), wasmhook_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    config: String,
    webhook_name: String,
}

impl Request {
    /// A builder for a request: by default a `POST` with no path, query, headers or body,
    /// the configuration `{}` and the webhook name `test`.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder()
    ///     .method("PUT")
    ///     .path("/github")
    ///     .query("verbose=1")
    ///     .header("Content-Type", "application/json")
    ///     .body(b"{}".to_vec())
    ///     .config_json(r#"{"branch":"main"}"#)
    ///     .webhook_name("deploys")
    ///     .build();
    /// assert_eq!(request.path(), "/github");
    /// assert_eq!(request.webhook_name(), "deploys");
    /// ```
    pub fn builder() -> RequestBuilder {
        RequestBuilder::default()
    }

    /// Loads a request from a fixture directory, for tests:
    ///
    /// - the body from the file named `request` with any extension (`request.json`,
    ///   `request.txt`, `request.form`, ...), required;
    /// - headers from `headers.txt`, one `Name: value` per line (blank lines and lines
    ///   starting with `#` are ignored), optional;
    /// - the configuration from `config.json`, optional (`{}` otherwise).
    ///
    /// ```no_run
    /// let request = wasmhook_sdk::Request::from_fixture("tests/fixtures/push")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Any I/O error, and [`std::io::ErrorKind::NotFound`] when there is no `request.*` file.
    pub fn from_fixture(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        let dir = dir.as_ref();
        let mut body_file = None;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_file() && path.file_stem().is_some_and(|stem| stem == "request") {
                body_file = Some(path);
                break;
            }
        }
        let Some(body_file) = body_file else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no request.* file in {}", dir.display()),
            ));
        };
        let mut builder = Self::builder().body(std::fs::read(body_file)?);
        match std::fs::read_to_string(dir.join("headers.txt")) {
            Ok(text) => builder = builder.headers_text(&text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        match std::fs::read_to_string(dir.join("config.json")) {
            Ok(text) => builder = builder.config_json(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        Ok(builder.build())
    }

    /// The HTTP method, upper-case (`POST` in practice).
    ///
    /// ```
    /// assert_eq!(wasmhook_sdk::Request::builder().build().method(), "POST");
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// What follows the token in the URL, with its leading slash (`/github` for
    /// `/api/webhooks/execute/{token}/github`); empty when nothing follows.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().path("/github").build();
    /// assert_eq!(request.path(), "/github");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string without the `?`; empty when there is none.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().query("a=1&b=2").build();
    /// assert_eq!(request.query(), "a=1&b=2");
    /// ```
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The decoded value of the first query parameter called `name`.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().query("channel=ops%20team").build();
    /// assert_eq!(request.query_param("channel")?.as_deref(), Some("ops team"));
    /// assert_eq!(request.query_param("missing")?, None);
    /// # Ok::<(), wasmhook_sdk::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPayload`] when the decoded text is not UTF-8.
    pub fn query_param(&self, name: &str) -> Result<Option<Cow<'_, str>>> {
        form::find(self.query.as_bytes(), name)
    }

    /// The first value of the header `name`, compared case-insensitively.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().header("X-GitHub-Event", "push").build();
    /// assert_eq!(request.header("x-github-event"), Some("push"));
    /// assert_eq!(request.header("X-GITHUB-EVENT"), Some("push"));
    /// assert_eq!(request.header("x-missing"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).next()
    }

    /// Every value of the header `name` (compared case-insensitively), in the order received.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder()
    ///     .header("X-Tag", "a")
    ///     .header("X-Tag", "b")
    ///     .build();
    /// assert_eq!(request.header_values("x-tag").collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn header_values<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// All headers in the order received, as `(name, value)` with lower-case names.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().header("Accept", "*/*").build();
    /// assert_eq!(request.headers(), [("accept".to_string(), "*/*".to_string())]);
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The media type of the `Content-Type` header, lower-cased, without parameters.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder()
    ///     .header("Content-Type", "Application/JSON; charset=utf-8")
    ///     .build();
    /// assert_eq!(request.content_type().as_deref(), Some("application/json"));
    /// ```
    pub fn content_type(&self) -> Option<Cow<'_, str>> {
        let value = self.header("content-type")?;
        let media_type = value.split(';').next().unwrap_or_default().trim();
        Some(if media_type.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(media_type.to_ascii_lowercase())
        } else {
            Cow::Borrowed(media_type)
        })
    }

    /// The raw request body, exactly as received.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().body(vec![1, 2, 3]).build();
    /// assert_eq!(request.body(), [1, 2, 3]);
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as UTF-8 text.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().body("héllo").build();
    /// assert_eq!(request.text()?, "héllo");
    /// # Ok::<(), wasmhook_sdk::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPayload`] when the body is not UTF-8.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body)
            .map_err(|err| Error::invalid_payload(format!("body is not UTF-8: {err}")))
    }

    /// Deserializes the JSON body into `T`.
    ///
    /// `T` may borrow from the body, which saves an allocation per field; owned types and
    /// [`json::Value`](crate::json::Value) work too. A `&'a str` field fails on a JSON string
    /// with escapes (`\n`, `\"`, `\u00e9`): use `#[serde(borrow)] Cow<'a, str>` for free text
    /// such as commit messages, which borrows when it can and allocates when it must.
    ///
    /// ```
    /// use wasmhook_sdk::{Request, json};
    ///
    /// let request = Request::builder().body(r#"{"text":"hi","n":2}"#).build();
    ///
    /// let value: json::Value = request.json()?;
    /// assert_eq!(value["n"], 2);
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Body<'a> {
    ///     text: &'a str,
    /// }
    /// let body: Body<'_> = request.json()?;
    /// assert_eq!(body.text, "hi");
    /// # Ok::<(), wasmhook_sdk::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPayload`] naming the problem (syntax, or a missing or mistyped field).
    pub fn json<'a, T: Deserialize<'a>>(&'a self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|err| Error::invalid_payload(format!("invalid JSON body: {err}")))
    }

    /// The value of the form field `name` of an `application/x-www-form-urlencoded` body,
    /// decoded. GitHub, for one, can send its JSON as `payload=<urlencoded JSON>`.
    ///
    /// Borrows from the body when the value needs no decoding.
    ///
    /// ```
    /// use wasmhook_sdk::{Request, json};
    ///
    /// let request = Request::builder()
    ///     .header("content-type", "application/x-www-form-urlencoded")
    ///     .body("payload=%7B%22zen%22%3A%22Keep+it+simple.%22%7D")
    ///     .build();
    /// let payload = request.form_field("payload")?.expect("field is present");
    /// let value: json::Value = json::from_str(&payload)?;
    /// assert_eq!(value["zen"], "Keep it simple.");
    /// # Ok::<(), wasmhook_sdk::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPayload`] when the body or the decoded value is not UTF-8.
    pub fn form_field(&self, name: &str) -> Result<Option<Cow<'_, str>>> {
        form::find(&self.body, name)
    }

    /// Deserializes the webhook's plugin configuration into `T`.
    ///
    /// A webhook without configuration has `{}`, so a `T` with `#[serde(default)]` always
    /// works.
    ///
    /// ```
    /// #[derive(serde::Deserialize, Default)]
    /// #[serde(default)]
    /// struct Config {
    ///     branches: Vec<String>,
    ///     verbose: bool,
    /// }
    ///
    /// let request = wasmhook_sdk::Request::builder().build();
    /// let config: Config = request.config()?;
    /// assert!(!config.verbose);
    ///
    /// let request = wasmhook_sdk::Request::builder().config_json(r#"{"verbose":true}"#).build();
    /// assert!(request.config::<Config>()?.verbose);
    /// # Ok::<(), wasmhook_sdk::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the configuration does not fit `T`: the webhook is
    /// misconfigured, and the request can be replayed once its configuration is fixed.
    pub fn config<'a, T: Deserialize<'a>>(&'a self) -> Result<T> {
        serde_json::from_str(self.config_json())
            .map_err(|err| Error::internal(format!("invalid plugin configuration: {err}")))
    }

    /// The webhook's plugin configuration as JSON text (`{}` when none was set).
    ///
    /// ```
    /// assert_eq!(wasmhook_sdk::Request::builder().build().config_json(), "{}");
    /// ```
    pub fn config_json(&self) -> &str {
        if self.config.trim().is_empty() {
            "{}"
        } else {
            &self.config
        }
    }

    /// The name of the webhook the request was sent to.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().webhook_name("alerts").build();
    /// assert_eq!(request.webhook_name(), "alerts");
    /// ```
    pub fn webhook_name(&self) -> &str {
        &self.webhook_name
    }

    /// Takes the body out of the request, without copying it.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().body("abc").build();
    /// assert_eq!(request.into_body(), b"abc");
    /// ```
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    pub(crate) fn from_wit(request: crate::bindings::wasmhook::plugin::types::Request) -> Self {
        Self {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            config: request.config,
            webhook_name: request.webhook_name,
        }
    }
}

/// Builds a [`Request`] for tests. Made by [`Request::builder`].
///
/// Header names are lower-cased, as the host does.
///
/// ```
/// use wasmhook_sdk::Request;
///
/// let request = Request::builder()
///     .header("X-GitHub-Event", "push")
///     .json(&wasmhook_sdk::json::json!({"ref": "refs/heads/main"}))
///     .config(&wasmhook_sdk::json::json!({"branches": ["main"]}))
///     .build();
/// assert_eq!(request.header("content-type"), Some("application/json"));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder {
    request: Request,
}

impl Default for RequestBuilder {
    fn default() -> Self {
        Self {
            request: Request {
                method: "POST".to_owned(),
                path: String::new(),
                query: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
                config: "{}".to_owned(),
                webhook_name: "test".to_owned(),
            },
        }
    }
}

impl RequestBuilder {
    /// Sets the HTTP method (upper-cased).
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().method("put").build();
    /// assert_eq!(request.method(), "PUT");
    /// ```
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.request.method = method.into().to_ascii_uppercase();
        self
    }

    /// Sets the path suffix after the token, such as `/github`.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().path("/x").build();
    /// assert_eq!(request.path(), "/x");
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.request.path = path.into();
        self
    }

    /// Sets the raw query string, without the `?`.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().query("a=1").build();
    /// assert_eq!(request.query(), "a=1");
    /// ```
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.request.query = query.into();
        self
    }

    /// Appends a header; the name is lower-cased.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().header("X-Event", "push").build();
    /// assert_eq!(request.headers()[0].0, "x-event");
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut name = name.into();
        name.make_ascii_lowercase();
        self.request.headers.push((name, value.into()));
        self
    }

    /// Appends headers written as `Name: value` lines, as in a fixture's `headers.txt`.
    /// Blank lines and lines starting with `#` are ignored, as are lines without a colon.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder()
    ///     .headers_text("X-GitHub-Event: push\n# comment\nContent-Type: application/json\n")
    ///     .build();
    /// assert_eq!(request.header("x-github-event"), Some("push"));
    /// assert_eq!(request.headers().len(), 2);
    /// ```
    pub fn headers_text(mut self, text: &str) -> Self {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                self = self.header(name.trim(), value.trim());
            }
        }
        self
    }

    /// Sets the raw body.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().body("text").build();
    /// assert_eq!(request.body(), b"text");
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.request.body = body.into();
        self
    }

    /// Sets the body to `value` serialized as JSON, and the `content-type` header to
    /// `application/json` unless one was set.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().json(&[1, 2]).build();
    /// assert_eq!(request.body(), b"[1,2]");
    /// ```
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized (a map with non-string keys, for example).
    pub fn json(mut self, value: &impl Serialize) -> Self {
        self.request.body = serde_json::to_vec(value).expect("request body serializes to JSON");
        if self
            .request
            .headers
            .iter()
            .all(|(name, _)| name != "content-type")
        {
            self = self.header("content-type", "application/json");
        }
        self
    }

    /// Sets the webhook's plugin configuration as JSON text.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().config_json(r#"{"a":1}"#).build();
    /// assert_eq!(request.config_json(), r#"{"a":1}"#);
    /// ```
    pub fn config_json(mut self, config: impl Into<String>) -> Self {
        self.request.config = config.into();
        self
    }

    /// Sets the webhook's plugin configuration to `value` serialized as JSON.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder()
    ///     .config(&wasmhook_sdk::json::json!({"fail": true}))
    ///     .build();
    /// assert_eq!(request.config_json(), r#"{"fail":true}"#);
    /// ```
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized.
    pub fn config(mut self, value: &impl Serialize) -> Self {
        self.request.config =
            serde_json::to_string(value).expect("plugin configuration serializes to JSON");
        self
    }

    /// Sets the webhook name.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().webhook_name("ci").build();
    /// assert_eq!(request.webhook_name(), "ci");
    /// ```
    pub fn webhook_name(mut self, name: impl Into<String>) -> Self {
        self.request.webhook_name = name.into();
        self
    }

    /// Finishes the request.
    ///
    /// ```
    /// let request = wasmhook_sdk::Request::builder().build();
    /// assert!(request.body().is_empty());
    /// ```
    pub fn build(self) -> Request {
        self.request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_is_case_insensitive_and_returns_the_first_value() {
        let request = Request::builder()
            .header("X-Event", "one")
            .header("x-event", "two")
            .build();
        assert_eq!(request.header("X-EVENT"), Some("one"));
        assert_eq!(request.header_values("x-event").count(), 2);
    }

    #[test]
    fn text_rejects_invalid_utf8_as_invalid_payload() {
        let request = Request::builder().body(vec![b'a', 0xff]).build();
        let err = request.text().unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)), "{err:?}");
    }

    #[test]
    fn json_errors_name_the_problem() {
        let request = Request::builder().body("{}").build();
        #[derive(Debug, Deserialize)]
        #[expect(dead_code, reason = "only the error matters")]
        struct Body {
            repository: String,
        }
        let err = request.json::<Body>().unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)));
        assert!(
            err.message().contains("missing field `repository`"),
            "{err}"
        );
    }

    #[test]
    fn json_can_borrow_from_the_body() {
        #[derive(Deserialize)]
        struct Body<'a> {
            plain: &'a str,
            #[serde(borrow)]
            plain_cow: Cow<'a, str>,
            #[serde(borrow)]
            escaped: Cow<'a, str>,
        }
        let request = Request::builder()
            .body(r#"{"plain":"a","plain_cow":"b","escaped":"c\nd"}"#)
            .build();
        let body: Body<'_> = request.json().unwrap();
        assert_eq!(body.plain, "a");
        assert!(matches!(body.plain_cow, Cow::Borrowed("b")));
        assert_eq!(body.escaped, "c\nd");
    }

    #[test]
    fn empty_config_deserializes_as_an_empty_object() {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Config {
            name: Option<String>,
        }
        let request = Request::builder().config_json("").build();
        assert_eq!(request.config::<Config>().unwrap().name, None);
        let request = Request::builder().config_json("  ").build();
        assert_eq!(request.config_json(), "{}");
    }

    #[test]
    fn bad_config_is_an_internal_error() {
        let request = Request::builder().config_json("[1]").build();
        let err = request
            .config::<std::collections::HashMap<String, u8>>()
            .unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
    }

    #[test]
    fn loads_a_fixture_directory() {
        let dir = std::env::temp_dir().join(format!("wasmhook-sdk-fixture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("request.json"), r#"{"a":1}"#).unwrap();
        std::fs::write(dir.join("headers.txt"), "X-GitHub-Event: push\n\n").unwrap();
        std::fs::write(dir.join("config.json"), r#"{"k":"v"}"#).unwrap();
        let request = Request::from_fixture(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(request.body(), br#"{"a":1}"#);
        assert_eq!(request.header("x-github-event"), Some("push"));
        assert_eq!(request.config_json(), r#"{"k":"v"}"#);
    }

    #[test]
    fn missing_fixture_body_is_not_found() {
        let dir = std::env::temp_dir().join(format!("wasmhook-sdk-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = Request::from_fixture(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
