//! `irisx`: one binary for the whole platform.
//!
//! `irisx up` runs everything in one process against local PostgreSQL, NATS and Redis;
//! `irisx api`, `irisx switch`, `irisx worker <name>` and `irisx migrate` run the parts
//! separately; `irisx admin` does an operator's chores.

mod admin;
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
    /// Run one background worker.
    Worker {
        /// Which worker.
        #[arg(value_enum)]
        name: WorkerName,
    },
    /// Operator chores: platform administrators, tenant call limits.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

/// The background workers.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum WorkerName {
    /// Takes call requests from JetStream, dials them through the media servers, follows them.
    Orchestrator,
    /// Writes one CDR per call leg from the media servers' hangups.
    Cdr,
    /// Delivers status callbacks (signed webhooks, with retries).
    Webhooks,
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
            Command::Worker {
                name: WorkerName::Orchestrator,
            } => run::orchestrator().await,
            Command::Worker {
                name: WorkerName::Cdr,
            } => run::cdr().await,
            Command::Worker {
                name: WorkerName::Webhooks,
            } => run::webhooks().await,
            Command::Admin { command } => admin::run(command).await,
        }
    })
}
