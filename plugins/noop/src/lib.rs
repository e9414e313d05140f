//! A plugin that posts nothing and does no work: it measures the runtime's fixed
//! per-request cost (instantiation, argument passing, the call itself).

use wasmhook_sdk::{Outcome, Plugin, Request, Result};

/// Skips every request with the reason `noop`.
pub struct Noop;

impl Plugin for Noop {
    fn transform(_request: Request) -> Result<Outcome> {
        Ok(Outcome::skip("noop"))
    }
}

wasmhook_sdk::register_plugin!(Noop);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_every_request() {
        let outcome = Noop::transform(Request::builder().body("{}").build()).unwrap();
        assert_eq!(outcome.skip_reason(), Some("noop"));
    }
}
