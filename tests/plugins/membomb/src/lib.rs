//! Hostile test plugin: allocates and touches 1 MiB blocks until allocation fails (which
//! aborts the instance), to test the host's memory cap.

use wasmhook_sdk::{Outcome, Plugin, Request, Result};

const BLOCK: usize = 1 << 20;
const PAGE: usize = 64 << 10;

/// Eats memory forever.
pub struct Membomb;

impl Plugin for Membomb {
    fn transform(_request: Request) -> Result<Outcome> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut block = vec![0u8; BLOCK];
            // Write to every Wasm page so the memory is really committed.
            for offset in (0..BLOCK).step_by(PAGE) {
                block[offset] = 1;
            }
            hoard.push(std::hint::black_box(block));
            std::hint::black_box(&hoard);
        }
    }
}

wasmhook_sdk::register_plugin!(Membomb);
