//! What each subcommand does: connect, migrate, serve, and stop cleanly on Ctrl-C / SIGTERM.

use anyhow::Context;
use irisx_api::AppState;

use crate::config::Settings;

/// `irisx migrate`.
pub async fn migrate() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    prepare_database(&settings).await?;
    Ok(())
}

/// `irisx api`.
pub async fn api() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let secret = settings.required_jwt_secret()?;
    let db = irisx_store::connect(&settings.database_url, settings.db_pool_size)
        .await
        .with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {}",
                redact(&settings.database_url)
            )
        })?;
    serve_api(&settings, db, secret).await
}

/// `irisx up`: migrations, the embedded switch, and the API.
pub async fn up() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let secret = settings.jwt_secret_or_stored()?;
    let db = prepare_database(&settings).await?;
    let switch = irisx_switch::Switch::start(settings.switch_config()?).await?;
    tracing::info!(sip = %switch.sip_addr, esl = %switch.esl_addr, "embedded switch running");
    serve_api(&settings, db, secret).await
}

/// `irisx switch`: the embedded switch alone, until Ctrl-C / SIGTERM.
pub async fn switch() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let switch = irisx_switch::Switch::start(settings.switch_config()?).await?;
    tracing::info!(sip = %switch.sip_addr, esl = %switch.esl_addr, "embedded switch running");
    shutdown_signal().await;
    let channels = switch.core.channels().len();
    if channels > 0 {
        tracing::info!(channels, "hanging up live calls");
        irisx_switch::commands::api(&switch.core, "hupall SYSTEM_SHUTDOWN").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Ok(())
}

async fn prepare_database(settings: &Settings) -> anyhow::Result<irisx_store::PgPool> {
    let url = &settings.database_url;
    if irisx_store::create_database_if_missing(url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {}", redact(url)))?
    {
        tracing::info!(database = %redact(url), "created the database");
    }
    let db = irisx_store::connect(url, settings.db_pool_size).await?;
    irisx_store::migrate(&db)
        .await
        .context("migrations failed")?;
    tracing::info!("database schema is up to date");
    Ok(db)
}

async fn serve_api(
    settings: &Settings,
    db: irisx_store::PgPool,
    secret: Vec<u8>,
) -> anyhow::Result<()> {
    let redis_client = redis::Client::open(settings.redis_url.as_str())
        .with_context(|| format!("REDIS_URL {} is invalid", settings.redis_url))?;
    let redis = redis::aio::ConnectionManager::new(redis_client)
        .await
        .with_context(|| format!("cannot connect to Redis at {}", settings.redis_url))?;
    let nats = async_nats::connect(&settings.nats_url)
        .await
        .with_context(|| format!("cannot connect to NATS at {}", settings.nats_url))?;
    let state = AppState::new(settings.api_config(secret)?, db, redis, nats);
    let listener = tokio::net::TcpListener::bind(&settings.http_addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.http_addr))?;
    tracing::info!(addr = %settings.http_addr, "IRISX API listening (docs at /docs)");
    irisx_api::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
