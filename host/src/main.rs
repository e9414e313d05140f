//! The `wasmhook` binary: parses the command line, sets up logging, and calls the library.

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use wasmhook::Config;
use wasmhook::cli::{Cli, Command, PluginCommand};
use wasmhook::store::{self, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WASMHOOK_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        None => run_server(cli.serve).await,
        Some(Command::Serve(cfg)) => run_server(cfg).await,
        Some(Command::Plugin(PluginCommand::Check { file })) => {
            wasmhook::plugin_cli::check(&cli.serve, &file)
        }
        Some(Command::Plugin(PluginCommand::New(args))) => wasmhook::scaffold::run(&args),
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
