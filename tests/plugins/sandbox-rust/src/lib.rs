//! Test plugin: reads `settings.toml` with `std::fs`, as a plugin author might. Plugins have no
//! filesystem, so the read fails; with the body `unwrap` the plugin unwraps the error (a
//! panic), otherwise it returns it as its internal error.

use wasmhook_sdk::{Error, Outcome, Plugin, Request, Result};

/// Reads a file it cannot have.
pub struct SandboxRust;

impl Plugin for SandboxRust {
    fn transform(request: Request) -> Result<Outcome> {
        if request.body() == b"unwrap" {
            let settings = std::fs::read_to_string("settings.toml").unwrap();
            return Ok(Outcome::message(settings));
        }
        let settings = std::fs::read_to_string("settings.toml")
            .map_err(|e| Error::internal(format!("reading settings.toml: {e}")))?;
        Ok(Outcome::message(settings))
    }
}

wasmhook_sdk::register_plugin!(SandboxRust);
