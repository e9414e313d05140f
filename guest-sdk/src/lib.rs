//! The guest SDK for [wasmhook](https://github.com/wasmhook/wasmhook) transformer plugins.
//!
//! A transformer plugin is a WebAssembly component that turns one raw third-party webhook
//! request (GitHub, Jenkins, Alertmanager, anything) into chat messages. This crate hides the
//! component-model plumbing: implement [`Plugin`], call [`register_plugin!`], and build with
//! `cargo build --release --target wasm32-wasip2`.
//!
//! # A complete plugin
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "my-plugin"
//! version = "0.1.0"
//! edition = "2024"
//!
//! [lib]
//! crate-type = ["cdylib", "rlib"] # cdylib for the component, rlib for native tests
//!
//! [dependencies]
//! wasmhook-sdk = "0.1"
//! serde = { version = "1", features = ["derive"] }
//! ```
//!
//! `src/lib.rs`:
//!
//! ```
//! use std::borrow::Cow;
//!
//! use serde::Deserialize;
//! use wasmhook_sdk::{Error, Message, Outcome, Plugin, Request, Result, limits, markdown, signature};
//!
//! /// The webhook's configuration; `{}` when none was set, so every field has a default.
//! #[derive(Deserialize, Default)]
//! #[serde(default)]
//! struct Config {
//!     secret: Option<String>,
//!     username: Option<String>,
//! }
//!
//! /// The part of the payload we read. `&str` fields borrow from the body: no copies.
//! /// Use `&str` only for values that never hold JSON escapes, such as refs, URLs and logins.
//! #[derive(Deserialize)]
//! struct Push<'a> {
//!     #[serde(rename = "ref")]
//!     git_ref: &'a str,
//!     #[serde(borrow)]
//!     repository: Repository<'a>,
//!     commits: Vec<Commit<'a>>,
//! }
//!
//! #[derive(Deserialize)]
//! struct Repository<'a> {
//!     full_name: &'a str,
//!     html_url: &'a str,
//! }
//!
//! #[derive(Deserialize)]
//! struct Commit<'a> {
//!     // Text with JSON escapes (`\n`, `\"`) cannot be borrowed as `&str`; `Cow` borrows
//!     // when it can and allocates only when it must.
//!     #[serde(borrow)]
//!     message: Cow<'a, str>,
//! }
//!
//! struct Github;
//!
//! impl Plugin for Github {
//!     fn transform(request: Request) -> Result<Outcome> {
//!         let config: Config = request.config()?;
//!         if let Some(secret) = &config.secret {
//!             let sig = request.header("x-hub-signature-256").unwrap_or_default();
//!             if !signature::verify_hmac_sha256(secret.as_bytes(), request.body(), sig) {
//!                 return Err(Error::unauthorized("bad X-Hub-Signature-256"));
//!             }
//!         }
//!         match request.header("x-github-event") {
//!             Some("ping") => Ok(Outcome::skip("ping")),
//!             Some("push") => {
//!                 let push: Push<'_> = request.json()?;
//!                 wasmhook_sdk::info!("push to {} with {} commits", push.git_ref, push.commits.len());
//!                 let branch = push.git_ref.trim_start_matches("refs/heads/");
//!                 let mut content = format!(
//!                     "{} new commit(s) on {} in {}",
//!                     push.commits.len(),
//!                     markdown::code(branch),
//!                     markdown::link(push.repository.full_name, push.repository.html_url),
//!                 );
//!                 for commit in &push.commits {
//!                     let title = commit.message.lines().next().unwrap_or_default();
//!                     content.push_str(&format!("\n- {}", markdown::escape(title)));
//!                 }
//!                 let content = markdown::truncate(&content, limits::MAX_CONTENT_CHARS).into_owned();
//!                 let mut message = Message::new(content);
//!                 if let Some(name) = config.username {
//!                     message = message.username(name);
//!                 }
//!                 Ok(Outcome::message(message))
//!             }
//!             other => Err(Error::unsupported_event(format!("event {other:?}"))),
//!         }
//!     }
//! }
//!
//! wasmhook_sdk::register_plugin!(Github);
//!
//! // Plugins are plain Rust: test them natively with `cargo test`.
//! let request = Request::builder()
//!     .header("X-GitHub-Event", "push")
//!     .body(r#"{"ref":"refs/heads/main","commits":[{"message":"Fix *it*\n\nlong text"}],
//!              "repository":{"full_name":"o/r","html_url":"https://github.com/o/r"}}"#)
//!     .build();
//! let outcome = Github::transform(request)?;
//! assert_eq!(
//!     outcome.as_messages()[0].content,
//!     "1 new commit(s) on `main` in [o/r](https://github.com/o/r)\n- Fix \\*it\\*"
//! );
//! # Ok::<(), wasmhook_sdk::Error>(())
//! ```
//!
//! # What is where
//!
//! - [`Request`]: the incoming request (headers, body, JSON, form fields, configuration);
//!   [`Request::builder`] and [`Request::from_fixture`] make one in tests.
//! - [`Outcome`] and [`Message`]: what to post; [`Error`]: why not (each case maps to an HTTP
//!   status the sender sees).
//! - [`markdown`], [`mention`]: building message content from untrusted text; [`inert`]:
//!   both at once (Markdown escaped and `@` defused in one call), for text from the payload.
//! - [`limits`]: the host's limits on every message (4000 characters of content, ...).
//! - [`signature`]: HMAC-SHA256 verification in constant time.
//! - [`config`]: checking a configuration when it is set; `register_plugin!(P, config = C)`
//!   derives the check from the plugin's serde type `C`, so `PATCH plugin_config` with an
//!   unknown key answers 422 naming it instead of failing the next delivery.
//! - [`info!`] and friends ([`log`]): the webhook's plugin log; stderr natively.
//! - [`json`] is `serde_json`. For `#[derive(Deserialize)]`, depend on `serde` with its `derive`
//!   feature (recommended), or use the re-exported derive with
//!   `#[derive(wasmhook_sdk::Deserialize)] #[serde(crate = "wasmhook_sdk::serde")]`.
//!
//! # Rules of the sandbox
//!
//! Each request runs on a fresh instance, with no filesystem, network, environment or clock
//! beyond what the WIT world imports, under a deadline, a memory cap and an output cap.
//! Do not panic: a panic aborts the instance and the delivery fails (it can be replayed).
//! Return an [`Error`] instead.

#![deny(missing_docs)]

#[doc(hidden)]
#[expect(
    clippy::too_many_arguments,
    reason = "generated ABI glue passes the flattened request as arguments"
)]
pub mod bindings {
    //! Bindings generated from `wit/` (world `transformer`); plugins never use them directly.
    wit_bindgen::generate!({
        path: "wit",
        world: "transformer",
        pub_export_macro: true,
        default_bindings_module: "wasmhook_sdk::bindings",
    });
}

pub mod config;
mod error;
mod form;
pub mod inert;
pub mod limits;
pub mod log;
pub mod markdown;
pub mod mention;
mod message;
mod request;
pub mod signature;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::ConfigError;
pub use error::{Error, Result};
pub use message::{Message, Outcome, check_sender_overrides};
pub use request::{Request, RequestBuilder};
/// `serde`, for `#[serde(crate = "wasmhook_sdk::serde")]` when deriving through this crate.
///
/// ```
/// #[derive(wasmhook_sdk::Deserialize)]
/// #[serde(crate = "wasmhook_sdk::serde")]
/// struct Config {
///     channel: String,
/// }
/// let config: Config = wasmhook_sdk::json::from_str(r#"{"channel":"ops"}"#)?;
/// assert_eq!(config.channel, "ops");
/// # Ok::<(), wasmhook_sdk::json::Error>(())
/// ```
pub use serde;
/// Serde's `Deserialize` trait and derive macro (see [`serde`] for deriving through this crate).
///
/// ```
/// fn parse<'a, T: wasmhook_sdk::Deserialize<'a>>(text: &'a str) -> wasmhook_sdk::Result<T> {
///     Ok(wasmhook_sdk::json::from_str(text)?)
/// }
/// assert_eq!(parse::<u8>("7")?, 7);
/// # Ok::<(), wasmhook_sdk::Error>(())
/// ```
pub use serde::Deserialize;
/// `serde_json`: [`json::Value`], [`json::from_str`], [`json::json!`], ...
///
/// ```
/// let value: wasmhook_sdk::json::Value = wasmhook_sdk::json::json!({"a": [1, 2]});
/// assert_eq!(value["a"][1], 2);
/// ```
pub use serde_json as json;

/// A transformer plugin: turns one webhook request into chat messages.
///
/// The host calls [`Plugin::transform`] once per request on a fresh instance, so there is no
/// state to keep and no `self`. Optional capabilities added to the WIT world later come as
/// methods with default implementations, so existing plugins keep compiling.
///
/// ```
/// use wasmhook_sdk::{Outcome, Plugin, Request, Result};
///
/// struct Shout;
///
/// impl Plugin for Shout {
///     fn transform(request: Request) -> Result<Outcome> {
///         Ok(Outcome::message(request.text()?.to_uppercase()))
///     }
/// }
///
/// wasmhook_sdk::register_plugin!(Shout);
///
/// let outcome = Shout::transform(Request::builder().body("hi").build())?;
/// assert_eq!(outcome.as_messages()[0].content, "HI");
/// # Ok::<(), wasmhook_sdk::Error>(())
/// ```
pub trait Plugin {
    /// Transforms one request into messages, a skip, or an error.
    ///
    /// ```
    /// use wasmhook_sdk::{Error, Outcome, Plugin, Request, Result};
    ///
    /// struct OnlyPost;
    ///
    /// impl Plugin for OnlyPost {
    ///     fn transform(request: Request) -> Result<Outcome> {
    ///         if request.method() != "POST" {
    ///             return Err(Error::unsupported_event(format!("method {}", request.method())));
    ///         }
    ///         Ok(Outcome::skip("nothing to say"))
    ///     }
    /// }
    ///
    /// let request = Request::builder().method("PUT").build();
    /// assert!(OnlyPost::transform(request).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever the plugin decides; each [`Error`] case maps to an HTTP status for the sender.
    fn transform(request: Request) -> Result<Outcome>;

    /// Checks a webhook's configuration (JSON text) when it is set, beyond its type: values,
    /// combinations. The host calls it (through the component's `validate-config` export) on
    /// `PATCH plugin_config` and refuses the configuration with HTTP 422 naming
    /// `plugin_config.<path>`. With `register_plugin!(P, config = C)`, the configuration has
    /// already been deserialized into `C` when this runs. By default it accepts everything.
    ///
    /// ```
    /// use wasmhook_sdk::{ConfigError, Outcome, Plugin, Request, Result, config};
    ///
    /// #[derive(serde::Deserialize, Default)]
    /// #[serde(default, deny_unknown_fields)]
    /// struct Config {
    ///     min_level: Option<String>,
    /// }
    ///
    /// struct Alerts;
    ///
    /// impl Plugin for Alerts {
    ///     fn transform(_: Request) -> Result<Outcome> {
    ///         Ok(Outcome::skip("nothing"))
    ///     }
    ///
    ///     fn validate_config(text: &str) -> std::result::Result<(), ConfigError> {
    ///         let config: Config = config::parse(text)?;
    ///         match config.min_level.as_deref() {
    ///             None | Some("info" | "error") => Ok(()),
    ///             Some(_) => Err(ConfigError::new("min_level", "must be info or error")),
    ///         }
    ///     }
    /// }
    ///
    /// wasmhook_sdk::register_plugin!(Alerts, config = Config);
    ///
    /// assert!(Alerts::validate_config(r#"{"min_level":"info"}"#).is_ok());
    /// assert_eq!(Alerts::validate_config(r#"{"min_level":"x"}"#).unwrap_err().path, "min_level");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the key at fault.
    fn validate_config(config: &str) -> std::result::Result<(), ConfigError> {
        let _ = config;
        Ok(())
    }
}

/// Exports a [`Plugin`] implementation as the component's `transformer` world.
///
/// Call it once per plugin crate, at module level. It expands to an adapter between the
/// SDK's types and the generated bindings, plus the bindings' `export!`; on native targets the
/// result is never called, so `cargo test` works as for any crate.
///
/// `register_plugin!(P, config = C)` also derives the configuration check the host runs when a
/// configuration is set (the `validate-config` export): it must deserialize into `C` (so an
/// unknown key is refused when `C` has `#[serde(deny_unknown_fields)]`), then pass
/// [`Plugin::validate_config`]. Without `config = C`, only [`Plugin::validate_config`] runs.
///
/// ```
/// struct Noop;
///
/// impl wasmhook_sdk::Plugin for Noop {
///     fn transform(_: wasmhook_sdk::Request) -> wasmhook_sdk::Result<wasmhook_sdk::Outcome> {
///         Ok(wasmhook_sdk::Outcome::skip("noop"))
///     }
/// }
///
/// wasmhook_sdk::register_plugin!(Noop);
/// ```
///
/// With a configuration type:
///
/// ```
/// #[derive(serde::Deserialize, Default)]
/// #[serde(default, deny_unknown_fields)]
/// struct Config {
///     branches: Vec<String>,
/// }
///
/// struct Filtered;
///
/// impl wasmhook_sdk::Plugin for Filtered {
///     fn transform(request: wasmhook_sdk::Request) -> wasmhook_sdk::Result<wasmhook_sdk::Outcome> {
///         let config: Config = request.config()?;
///         Ok(wasmhook_sdk::Outcome::skip(format!("{} branches", config.branches.len())))
///     }
/// }
///
/// wasmhook_sdk::register_plugin!(Filtered, config = Config);
/// ```
#[macro_export]
macro_rules! register_plugin {
    (@export $plugin:ty, $config:ty) => {
        const _: () = {
            struct WasmhookTransformerExport;

            impl $crate::bindings::Guest for WasmhookTransformerExport {
                fn transform(
                    request: $crate::__private::WitRequest,
                ) -> ::core::result::Result<
                    $crate::__private::WitOutcome,
                    $crate::__private::WitPluginError,
                > {
                    $crate::__private::transform::<$plugin>(request)
                }

                fn validate_config(
                    config: ::std::string::String,
                ) -> ::core::result::Result<(), $crate::__private::WitConfigError> {
                    $crate::__private::validate_config::<$plugin, $config>(&config)
                }
            }

            $crate::bindings::export!(WasmhookTransformerExport with_types_in $crate::bindings);
        };
    };
    ($plugin:ty, config = $config:ty $(,)?) => {
        $crate::register_plugin!(@export $plugin, $config);
    };
    ($plugin:ty $(,)?) => {
        $crate::register_plugin!(@export $plugin, $crate::__private::AnyConfig);
    };
}

#[doc(hidden)]
pub mod __private {
    //! Used by [`register_plugin!`](crate::register_plugin)'s expansion; not a public API.

    use crate::bindings::wasmhook::plugin::types as wit;
    pub use serde::de::IgnoredAny as AnyConfig;
    pub use wit::{
        ConfigError as WitConfigError, Outcome as WitOutcome, PluginError as WitPluginError,
        Request as WitRequest,
    };

    use crate::{ConfigError, Error, Message, Outcome, Plugin, Request, config};

    /// Checks a configuration against `C` (see [`config::parse`]), then `P`'s own rules.
    pub fn validate_config<P: Plugin, C: serde::de::DeserializeOwned>(
        text: &str,
    ) -> Result<(), WitConfigError> {
        config::parse::<C>(text)
            .map(drop)
            .and_then(|()| P::validate_config(text))
            .map_err(|ConfigError { path, message }| WitConfigError { path, message })
    }

    /// Runs `P` on a request from the host and converts the result for the host.
    pub fn transform<P: Plugin>(request: WitRequest) -> Result<WitOutcome, WitPluginError> {
        match P::transform(Request::from_wit(request)) {
            Ok(outcome) => Ok(outcome_to_wit(outcome)),
            Err(error) => Err(error_to_wit(error)),
        }
    }

    fn outcome_to_wit(outcome: Outcome) -> WitOutcome {
        match outcome {
            Outcome::Messages(messages) => {
                WitOutcome::Messages(messages.into_iter().map(message_to_wit).collect())
            }
            Outcome::Skip(reason) => WitOutcome::Skip(reason),
        }
    }

    fn message_to_wit(message: Message) -> wit::Message {
        wit::Message {
            content: message.content,
            username: message.username,
            avatar_url: message.avatar_url,
        }
    }

    fn error_to_wit(error: Error) -> WitPluginError {
        match error {
            Error::InvalidPayload(m) => WitPluginError::InvalidPayload(m),
            Error::Unauthorized(m) => WitPluginError::Unauthorized(m),
            Error::UnsupportedEvent(m) => WitPluginError::UnsupportedEvent(m),
            Error::Internal(m) => WitPluginError::Internal(m),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        struct Upper;

        impl Plugin for Upper {
            fn transform(request: Request) -> crate::Result<Outcome> {
                match request.text()? {
                    "" => Err(Error::unauthorized("empty")),
                    "skip" => Ok(Outcome::skip("asked to")),
                    text => Ok(Outcome::message(
                        Message::new(text.to_uppercase()).username("u"),
                    )),
                }
            }
        }

        fn wit_request(body: &str) -> WitRequest {
            WitRequest {
                method: "POST".into(),
                path: String::new(),
                query: String::new(),
                headers: vec![("x-a".into(), "1".into())],
                body: body.as_bytes().to_vec(),
                config: "{}".into(),
                webhook_name: "w".into(),
            }
        }

        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only deserialized")]
        struct Config {
            level: u8,
        }

        struct Checked;

        impl Plugin for Checked {
            fn transform(_: Request) -> crate::Result<Outcome> {
                Ok(Outcome::skip("checked"))
            }

            fn validate_config(text: &str) -> Result<(), ConfigError> {
                if text.contains("13") {
                    return Err(ConfigError::new("level", "must not be 13"));
                }
                Ok(())
            }
        }

        #[test]
        fn validates_configurations_by_type_then_by_the_plugins_rules() {
            assert!(validate_config::<Checked, Config>(r#"{"level":3}"#).is_ok());
            let err = validate_config::<Checked, Config>(r#"{"level":3,"colour":1}"#).unwrap_err();
            assert_eq!(err.path, "colour");
            assert!(
                err.message.starts_with("unknown field `colour`"),
                "{}",
                err.message
            );
            let err = validate_config::<Checked, Config>(r#"{}"#).unwrap_err();
            assert_eq!(
                (err.path.as_str(), err.message.as_str()),
                ("level", "missing field `level`")
            );
            let err = validate_config::<Checked, Config>(r#"{"level":13}"#).unwrap_err();
            assert_eq!(
                (err.path.as_str(), err.message.as_str()),
                ("level", "must not be 13")
            );
            // Without a configuration type, anything that is JSON passes to the plugin's rules.
            assert!(validate_config::<Upper, AnyConfig>(r#"{"anything":[1]}"#).is_ok());
        }

        #[test]
        fn converts_messages_skips_and_errors() {
            match transform::<Upper>(wit_request("hi")) {
                Ok(WitOutcome::Messages(messages)) => {
                    assert_eq!(messages.len(), 1);
                    assert_eq!(messages[0].content, "HI");
                    assert_eq!(messages[0].username.as_deref(), Some("u"));
                }
                other => panic!("unexpected {other:?}"),
            }
            assert!(matches!(
                transform::<Upper>(wit_request("skip")),
                Ok(WitOutcome::Skip(reason)) if reason == "asked to"
            ));
            assert!(matches!(
                transform::<Upper>(wit_request("")),
                Err(WitPluginError::Unauthorized(m)) if m == "empty"
            ));
        }
    }
}
