//! The `wasmhook` binary: parses the command line, sets up logging, and calls the library.

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;
use wasmhook::Config;
use wasmhook::cli::{Cli, Command, PluginCommand};
use wasmhook::store::{self, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    wasmhook::heap::configure();
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Some(Command::Serve(cfg)) => cfg.log_format,
        _ => cli.serve.log_format,
    };
    wasmhook::telemetry::init_logging(log_format);
    match cli.command {
        None => run_server(cli.serve).await,
        Some(Command::Serve(cfg)) => run_server(cfg).await,
        Some(Command::Plugin(PluginCommand::Check(args))) => {
            wasmhook::plugin_cli::check(&cli.serve, &args).await
        }
        Some(Command::Plugin(PluginCommand::New(args))) => wasmhook::scaffold::run(&args),
        Some(Command::Plugin(PluginCommand::Deploy(args))) => {
            wasmhook::deploy::deploy(&cli.serve, args).await
        }
        Some(Command::Plugin(PluginCommand::Rollback(args))) => {
            wasmhook::deploy::rollback(args).await
        }
        Some(Command::Plugin(PluginCommand::Compile(args))) => {
            std::process::exit(wasmhook::runtime::compiler::child_main(&args))
        }
        Some(Command::Plugin(PluginCommand::Run(args))) => {
            if wasmhook::plugin_cli::run(&cli.serve, args).await? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        Some(Command::Migrate(db)) => {
            let shown = store::redacted_url(&db.url);
            Store::open(&db)
                .await
                .with_context(|| format!("migrating {shown}"))?;
            eprintln!("wasmhook: {shown} is up to date");
            Ok(())
        }
    }
}

async fn run_server(cfg: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(cfg.bind)
        .await
        .with_context(|| format!("binding {}", cfg.bind))?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    wasmhook::serve_until(cfg, listener, shutdown).await
}
