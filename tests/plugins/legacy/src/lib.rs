//! Test plugin: a component built against the frozen contract 0.1.0 (`wit/v0.1.0/`) with raw
//! wit-bindgen, as plugins built before 0.1.1 are: it exports `transform` only, no
//! `validate-config`. It posts `<greeting>: <body>` (greeting from its configuration, default
//! `legacy`) and, like the built-ins of 0.1.0, refuses an unknown configuration key only when a
//! request comes (an internal error naming it).

#[expect(unsafe_code, reason = "wit-bindgen's generated ABI glue and export")]
#[expect(
    clippy::too_many_arguments,
    reason = "generated ABI glue passes the flattened request as arguments"
)]
mod component {
    //! Bindings for `wit/v0.1.0/` and the export of [`Legacy`].

    wit_bindgen::generate!({
        path: "../../../wit/v0.1.0",
        world: "transformer",
    });

    use wasmhook::plugin::log::{Level, log};
    use wasmhook::plugin::types::Message;

    /// The configuration: every key optional, unknown keys refused.
    #[derive(serde::Deserialize, Default)]
    #[serde(default, deny_unknown_fields)]
    struct Config {
        greeting: Option<String>,
    }

    /// Posts the body behind a greeting.
    pub struct Legacy;

    impl Guest for Legacy {
        fn transform(request: Request) -> Result<Outcome, PluginError> {
            let config: Config = serde_json::from_str(&request.config)
                .map_err(|e| PluginError::Internal(format!("invalid plugin configuration: {e}")))?;
            let body = String::from_utf8_lossy(&request.body);
            log(Level::Info, "legacy: transforming");
            Ok(Outcome::Messages(vec![Message {
                content: format!("{}: {body}", config.greeting.as_deref().unwrap_or("legacy")),
                username: None,
                avatar_url: None,
            }]))
        }
    }

    export!(Legacy);
}

pub use component::Legacy;
