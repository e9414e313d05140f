//! Test plugin: exports the `transformer` world correctly but also imports
//! `wasi:http/outgoing-handler@0.3.0-draft` (outgoing HTTP), which plugins do not get: an upload is
//! refused with "plugins have no network access".
//!
//! `transform` really calls the import: an unused import would be dropped from the component.

#[expect(unsafe_code, reason = "wit-bindgen's generated ABI glue and export")]
#[expect(
    clippy::too_many_arguments,
    reason = "generated ABI glue passes the flattened request as arguments"
)]
mod component {
    //! Bindings for `wit/world.wit` (which includes the frozen `wit/v0.1.0/`) and the export
    //! of [`HttpImport`].

    wit_bindgen::generate!({
        path: ["../../../wit/v0.1.0", "wit"],
        world: "test:http/http@0.1.0",
        generate_all,
    });

    use wasi::http::outgoing_handler;
    // The world `use`s these types, so the bindings already have them at this level.
    use wasmhook::plugin::types::Message;

    /// Fetches a page and posts it.
    pub struct HttpImport;

    impl Guest for HttpImport {
        fn transform(request: Request) -> Result<Outcome, PluginError> {
            let page =
                outgoing_handler::handle(&request.webhook_name).map_err(PluginError::Internal)?;
            Ok(Outcome::Messages(vec![Message {
                content: page,
                username: None,
                avatar_url: None,
            }]))
        }
    }

    export!(HttpImport);
}

pub use component::HttpImport;
