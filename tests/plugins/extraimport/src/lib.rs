//! Test plugin: exports the `transformer` world correctly but also imports
//! `test:extra/kv@0.1.0`, which the host does not provide, so it cannot be linked.
//!
//! `transform` really calls the import: an unused import would be dropped from the component.

#[expect(unsafe_code, reason = "wit-bindgen's generated ABI glue and export")]
#[expect(
    clippy::too_many_arguments,
    reason = "generated ABI glue passes the flattened request as arguments"
)]
mod component {
    //! Bindings for `wit/world.wit` (which includes the frozen `wit/v0.1.0/`) and the export
    //! of [`ExtraImport`].

    wit_bindgen::generate!({
        path: ["../../../wit/v0.1.0", "wit"],
        world: "test:extra/extra@0.1.0",
        generate_all,
    });

    use test::extra::kv;
    // The world `use`s these types, so the bindings already have them at this level.
    use wasmhook::plugin::types::Message;

    /// Reads a key from the store the host does not have.
    pub struct ExtraImport;

    impl Guest for ExtraImport {
        fn transform(request: Request) -> Result<Outcome, PluginError> {
            let greeting = kv::get(&request.webhook_name).unwrap_or_else(|| "hello".to_owned());
            Ok(Outcome::Messages(vec![Message {
                content: greeting,
                username: None,
                avatar_url: None,
            }]))
        }
    }

    export!(ExtraImport);
}

pub use component::ExtraImport;
