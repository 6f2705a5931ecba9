//! `irisx`: one binary for the whole platform.
//!
//! `irisx up` runs everything in one process against local PostgreSQL, NATS and Redis;
//! `irisx api` and `irisx migrate` run the parts separately.

mod config;
mod run;

use clap::{Parser, Subcommand};

/// IRISX — voice, messaging and webhooks for developers.
#[derive(Debug, Parser)]
#[command(name = "irisx", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database if needed, migrate, and run the whole platform in one process.
    Up,
    /// Serve the REST API (expects a migrated database and IRISX_JWT_SECRET).
    Api,
    /// Run the embedded switch: SIP/RTP media server with an Event Socket (FreeSWITCH-compatible).
    Switch,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    config::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Up => run::up().await,
            Command::Api => run::api().await,
            Command::Switch => run::switch().await,
            Command::Migrate => run::migrate().await,
        }
    })
}
