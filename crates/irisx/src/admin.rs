//! `irisx admin`: what an operator does from the command line, against the database directly
//! (no API token needed): make a user platform administrator (or stop it being one), and set a
//! tenant's call limits.

use anyhow::{Context, bail};
use clap::Subcommand;
use uuid::Uuid;

use crate::config::Settings;

/// Operator commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make the user with this email a platform administrator.
    Grant {
        /// The user's email.
        email: String,
    },
    /// Stop the user with this email being a platform administrator.
    Revoke {
        /// The user's email.
        email: String,
    },
    /// Set a tenant's call limits (omit one to go back to the platform default).
    Limits {
        /// The tenant's id.
        tenant: Uuid,
        /// Most live calls.
        #[arg(long)]
        max_calls: Option<u32>,
        /// Most new calls per second.
        #[arg(long)]
        cps: Option<u32>,
    },
}

/// Runs an admin command.
pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let db = irisx_store::connect(&settings.database_url, 2)
        .await
        .context("cannot connect to PostgreSQL")?;
    irisx_store::migrate(&db)
        .await
        .context("migrations failed")?;
    match command {
        AdminCommand::Grant { email } => set_admin(&db, &email, true).await,
        AdminCommand::Revoke { email } => set_admin(&db, &email, false).await,
        AdminCommand::Limits {
            tenant,
            max_calls,
            cps,
        } => {
            let limits = irisx_store::prices::CallLimits {
                max_concurrent_calls: max_calls.map(|v| v.clamp(1, i32::MAX as u32) as i32),
                calls_per_second: cps.map(|v| v.clamp(1, i32::MAX as u32) as i32),
            };
            if !irisx_store::prices::set_limits(&db, tenant, limits).await? {
                bail!("no tenant {tenant}");
            }
            println!(
                "tenant {tenant}: max calls {max_calls:?}, calls per second {cps:?} (None = platform default)"
            );
            Ok(())
        }
    }
}

async fn set_admin(db: &irisx_store::PgPool, email: &str, on: bool) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    if !irisx_store::users::set_platform_admin(db, &email, on).await? {
        bail!("no user with email {email}");
    }
    println!(
        "{email} is {} a platform administrator",
        if on { "now" } else { "no longer" }
    );
    Ok(())
}
