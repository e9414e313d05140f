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
    Migrate(crate::store::StoreOptions),
}

/// `wasmhook plugin ...`.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Validate a component as an upload would.
    ///
    /// The compiled component is cached (`--cache-dir`), so checking or running the same bytes
    /// again takes milliseconds.
    Check(crate::plugin_cli::CheckArgs),
    /// Run a component on a payload in the server's sandbox; prints outcome, log, time, memory.
    Run(crate::plugin_cli::RunArgs),
    /// Create a plugin project in Rust, Python or JavaScript, with tests and a README.
    ///
    /// The project builds, tests and passes `plugin check` as generated.
    New(crate::scaffold::NewArgs),
    /// Build, check, upload and attach a plugin project to webhooks, in one command.
    ///
    /// Each build is uploaded as `VERSION+HASH` (from `wasmhook.json` and the component's
    /// SHA-256), so every deploy is its own immutable version and live at once.
    Deploy(crate::deploy::DeployArgs),
    /// Attach to webhooks the plugin version uploaded before the current one (or `--to`).
    Rollback(crate::deploy::RollbackArgs),
    /// The server's compiler child (reads the cache key and the component from stdin).
    #[command(hide = true)]
    Compile(crate::runtime::compiler::CompileArgs),
}

/// The main of a binary that only compiles plugins (`plugin compile`): for embedders whose own
/// binary is not `wasmhook` (the integration tests' server passes it as `--plugin-compiler`).
pub fn compiler_main() -> i32 {
    match Cli::try_parse() {
        Ok(Cli {
            command: Some(Command::Plugin(PluginCommand::Compile(args))),
            ..
        }) => crate::runtime::compiler::child_main(&args),
        Ok(_) => {
            eprintln!("this binary only runs `plugin compile`");
            2
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        // Catches, among others, two flattened settings that define the same flag.
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_and_variables_keep_their_names() {
        let cli = Cli::try_parse_from([
            "wasmhook",
            "--database",
            "a.db",
            "--outgoing-allow-loopback",
            "--outgoing-max-attempts",
            "2",
            "--push-allow-http",
            "--plugin-timeout-ms",
            "7",
            "--plugin-breaker-failures",
            "1",
            "--db-acquire-timeout-ms",
            "250",
        ])
        .unwrap();
        let cfg = cli.serve;
        assert_eq!(cfg.db.url, "a.db");
        assert_eq!(
            cfg.db.acquire_timeout,
            std::time::Duration::from_millis(250)
        );
        assert!(cfg.network.allow_loopback);
        assert!(cfg.push.allow_http);
        assert_eq!(cfg.outgoing.max_attempts, 2);
        assert_eq!(cfg.sandbox.timeout_ms, 7);
        assert_eq!(cfg.fair_share.breaker_failures, 1);
        let Some(Command::Migrate(db)) =
            Cli::try_parse_from(["wasmhook", "migrate", "--database", "b.db"])
                .unwrap()
                .command
        else {
            panic!("not migrate");
        };
        assert_eq!(db.url, "b.db");
    }
}
