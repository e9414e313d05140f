//! The `wasmhook` command line.

use clap::{Parser, Subcommand};

use crate::config::Config;

/// wasmhook: chat webhooks with WebAssembly transformer plugins.
#[derive(Debug, Parser)]
#[command(
    name = "wasmhook",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do (default: serve, with the flags below).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Server flags when no subcommand is given.
    #[command(flatten)]
    pub serve: Config,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once at start; boxing the server's flags buys nothing"
)]
pub enum Command {
    /// Run the server (applies migrations and bootstraps an empty database first).
    Serve(Config),
    /// Tools for plugin authors.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Apply database migrations and exit.
    Migrate {
        /// Database: a SQLite file path, a `sqlite://PATH` URL, or a `postgres://` URL.
        #[arg(
            long,
            env = "WASMHOOK_DATABASE_URL",
            default_value = "./wasmhook-data/wasmhook.db"
        )]
        database: String,
    },
}

/// `wasmhook plugin ...`.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Validate a component as an upload would.
    Check {
        /// The component (.wasm).
        file: std::path::PathBuf,
    },
    /// Run a component on a payload in the server's sandbox; prints outcome, log, time, memory.
    Run(crate::plugin_cli::RunArgs),
    /// Create a plugin project in Rust, Python or JavaScript, with tests and a README.
    ///
    /// The project builds, tests and passes `plugin check` as generated.
    New(crate::scaffold::NewArgs),
}
