//! Checking that uploaded bytes are a component this host can run: a WebAssembly component
//! (not a core module) exporting the `transformer` world of a version the host runs (0.1.0 or
//! the latest) and importing only what we provide.

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::bindings::{PluginPre, WORLD, v0_1_0};
use super::host_api::HostState;
use super::{RuntimeError, capability};

/// Compiles `bytes` and checks them against the world.
pub fn component(
    engine: &Engine,
    linker: &Linker<HostState>,
    bytes: &[u8],
) -> Result<Component, RuntimeError> {
    let reject = |m: String| Err(RuntimeError::Rejected(m));
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return reject("the body is not a WebAssembly binary (it lacks the \\0asm header)".into());
    }
    match bytes[4..8] {
        [0x0d, 0x00, 0x01, 0x00] => {}
        [0x01, 0x00, 0x00, 0x00] => {
            return reject(format!(
                "this is a core WebAssembly module, not a component; build the plugin for the wasm32-wasip2 \
                 target (or wrap it with `wasm-tools component new`) so that it exports {WORLD}"
            ));
        }
        _ => return reject("unsupported WebAssembly binary version".into()),
    }
    let component = Component::new(engine, bytes)
        .map_err(|e| RuntimeError::Rejected(format!("invalid component: {e:#}")))?;
    let ty = component.component_type();
    for (name, _) in ty.imports(engine) {
        // The host never provides outgoing HTTP (sockets and files are linked, and denied at run
        // time): say so in plain words rather than in the linker's.
        if name.starts_with("wasi:http/") {
            return reject(capability::refused_import(name).unwrap_or_default());
        }
        if !(name.starts_with("wasi:") || name.starts_with("wasmhook:plugin/")) {
            return reject(format!(
                "unsupported import `{name}`: plugins may import only WASI 0.2 interfaces and wasmhook:plugin/log"
            ));
        }
    }
    if !ty.exports(engine).any(|(name, _)| name == "transform") {
        return reject(format!(
            "missing export `transform`: the component does not export the {WORLD} world"
        ));
    }
    let pre = linker.instantiate_pre(&component).map_err(|e| {
        let linker_text = format!("{e:#}");
        // The import the linker names, in plain words when it is a known capability.
        let plain = ty
            .imports(engine)
            .find(|(name, _)| linker_text.contains(name) && capability::missing(name).is_some())
            .and_then(|(name, _)| capability::refused_import(name));
        RuntimeError::Rejected(
            plain.unwrap_or_else(|| format!("unsupported import: {linker_text}")),
        )
    })?;
    PluginPre::new(pre).map_err(|e| {
        RuntimeError::Rejected(format!(
            "the exports do not match {WORLD} (or its version {}; unsupported version?): {e:#}",
            v0_1_0::MIN_VERSION
        ))
    })?;
    Ok(component)
}
