//! Hostile test plugin: panics, which traps the instance.

use wasmhook_sdk::{Outcome, Plugin, Request, Result};

/// Panics with "boom: plugin panicked on purpose".
pub struct Panic;

impl Plugin for Panic {
    fn transform(_request: Request) -> Result<Outcome> {
        panic!("boom: plugin panicked on purpose")
    }
}

wasmhook_sdk::register_plugin!(Panic);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "boom: plugin panicked on purpose")]
    fn panics() {
        let _ = Panic::transform(Request::builder().build());
    }
}
