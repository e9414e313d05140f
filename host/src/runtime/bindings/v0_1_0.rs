//! Bindings of the frozen `wasmhook:plugin@0.1.0` world (`wit/v0.1.0/`): components built
//! against it export `transform` only. Its types convert to and from the latest version's,
//! which are the same records and variants.

#[expect(missing_docs, reason = "generated")]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "transformer",
        imports: { default: trappable },
        exports: { default: async },
    });
}

pub use generated::TransformerPre;
use generated::wasmhook::plugin::types;

/// The oldest contract version this host runs.
pub const MIN_VERSION: &str = "0.1.0";

impl From<super::Request> for types::Request {
    fn from(r: super::Request) -> Self {
        types::Request {
            method: r.method,
            path: r.path,
            query: r.query,
            headers: r.headers,
            body: r.body,
            config: r.config,
            webhook_name: r.webhook_name,
        }
    }
}

impl From<types::Message> for super::Message {
    fn from(m: types::Message) -> Self {
        super::Message {
            content: m.content,
            username: m.username,
            avatar_url: m.avatar_url,
        }
    }
}

impl From<types::Outcome> for super::Outcome {
    fn from(o: types::Outcome) -> Self {
        match o {
            types::Outcome::Messages(messages) => {
                super::Outcome::Messages(messages.into_iter().map(Into::into).collect())
            }
            types::Outcome::Skip(reason) => super::Outcome::Skip(reason),
        }
    }
}

impl From<types::PluginError> for super::PluginError {
    fn from(e: types::PluginError) -> Self {
        match e {
            types::PluginError::InvalidPayload(m) => super::PluginError::InvalidPayload(m),
            types::PluginError::Unauthorized(m) => super::PluginError::Unauthorized(m),
            types::PluginError::UnsupportedEvent(m) => super::PluginError::UnsupportedEvent(m),
            types::PluginError::Internal(m) => super::PluginError::Internal(m),
        }
    }
}
