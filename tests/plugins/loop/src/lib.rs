//! Hostile test plugin: never returns from `transform`, to test the host's deadline.

use wasmhook_sdk::{Outcome, Plugin, Request, Result};

/// Spins forever.
pub struct Loop;

impl Plugin for Loop {
    fn transform(_request: Request) -> Result<Outcome> {
        let mut spins: u64 = 0;
        loop {
            // `black_box` keeps the optimiser from proving anything about the loop.
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
    }
}

wasmhook_sdk::register_plugin!(Loop);
