//! Test plugin: returns a message with empty content, which fails the host's validation.

use wasmhook_sdk::{Message, Outcome, Plugin, Request, Result};

/// Returns an invalid message.
pub struct BadOutput;

impl Plugin for BadOutput {
    fn transform(_request: Request) -> Result<Outcome> {
        Ok(Outcome::message(Message::new("")))
    }
}

wasmhook_sdk::register_plugin!(BadOutput);
