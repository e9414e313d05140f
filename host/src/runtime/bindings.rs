//! Host bindings of the `wasmhook:plugin@0.1.0` world (the only `bindgen!` in the host).

#[expect(missing_docs, reason = "generated")]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "transformer",
        imports: { default: trappable },
        exports: { default: async },
    });
}

pub use generated::wasmhook::plugin::log::{Host as LogHost, Level};
pub use generated::wasmhook::plugin::types::{
    Host as TypesHost, Message, Outcome, PluginError, Request,
};
pub use generated::{Transformer, TransformerPre};

/// Adds the `wasmhook:plugin` imports (logging) to a linker.
pub fn add_to_linker<T: LogHost + TypesHost + Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    Transformer::add_to_linker::<T, wasmtime::component::HasSelf<T>>(linker, |state| state)
}

/// The WIT package and version this host implements.
pub const WORLD: &str = "wasmhook:plugin/transformer@0.1.0";
