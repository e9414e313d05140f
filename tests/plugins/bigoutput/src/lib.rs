//! Hostile test plugin: returns one message of 100 KiB, over the host's 64 KiB output cap.

use wasmhook_sdk::{Message, Outcome, Plugin, Request, Result};

/// Content size: 100 KiB.
pub const CONTENT_BYTES: usize = 100 * 1024;

/// Returns one huge message.
pub struct BigOutput;

impl Plugin for BigOutput {
    fn transform(_request: Request) -> Result<Outcome> {
        Ok(Outcome::message(Message::new("x".repeat(CONTENT_BYTES))))
    }
}

wasmhook_sdk::register_plugin!(BigOutput);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_100_kib_of_content() {
        let outcome = BigOutput::transform(Request::builder().build()).unwrap();
        assert_eq!(outcome.as_messages()[0].content.len(), CONTENT_BYTES);
    }
}
