//! Hostile test plugin: prints 100,000 lines to stdout (the host must bound what it keeps),
//! then returns the message "spam done".

use wasmhook_sdk::{Outcome, Plugin, Request, Result};

/// How many lines it prints.
pub const LINES: usize = 100_000;

/// Spams stdout, then posts "spam done".
pub struct StdoutSpam;

impl Plugin for StdoutSpam {
    fn transform(_request: Request) -> Result<Outcome> {
        for n in 0..LINES {
            println!("spam line {n}");
        }
        Ok(Outcome::message("spam done"))
    }
}

wasmhook_sdk::register_plugin!(StdoutSpam);
