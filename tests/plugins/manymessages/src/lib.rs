//! Hostile test plugin: returns 11 messages, one more than the host accepts.

use wasmhook_sdk::{Message, Outcome, Plugin, Request, Result};

/// How many messages it returns.
pub const COUNT: usize = 11;

/// Returns `message 1` to `message 11`.
pub struct ManyMessages;

impl Plugin for ManyMessages {
    fn transform(_request: Request) -> Result<Outcome> {
        Ok(Outcome::messages(
            (1..=COUNT).map(|n| Message::new(format!("message {n}"))),
        ))
    }
}

wasmhook_sdk::register_plugin!(ManyMessages);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_eleven_messages() {
        let outcome = ManyMessages::transform(Request::builder().build()).unwrap();
        assert_eq!(outcome.as_messages().len(), COUNT);
        assert_eq!(outcome.as_messages()[10].content, "message 11");
    }
}
