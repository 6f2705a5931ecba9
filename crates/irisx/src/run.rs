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

/// `irisx up`: migrations, the embedded switch, the orchestrator, cdr and webhook workers, and
/// the API.
pub async fn up() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let secret = settings.jwt_secret_or_stored()?;
    let db = prepare_database(&settings).await?;
    let switch = irisx_switch::Switch::start(settings.switch_config()?).await?;
    tracing::info!(sip = %switch.sip_addr, esl = %switch.esl_addr, "embedded switch running");
    let bus = connect_bus(&settings).await?;
    let key = settings.encryption_key(&secret)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let orchestrator = tokio::spawn(irisx_workers::orchestrator::run(
        orchestrator_config(&settings, db.clone(), bus.clone(), key)?,
        wait(stopped.clone()),
    ));
    let cdr = tokio::spawn(irisx_workers::cdr::run(
        cdr_config(&settings, db.clone(), bus.clone())?,
        wait(stopped.clone()),
    ));
    let webhooks = tokio::spawn(irisx_workers::webhooks::run(
        webhook_config(&settings, db.clone(), bus, key)?,
        wait(stopped),
    ));
    let served = serve_api(&settings, db, secret).await;
    let _ = stop.send(true);
    for (name, worker) in [
        ("orchestrator", orchestrator),
        ("cdr", cdr),
        ("webhooks", webhooks),
    ] {
        match worker.await {
            Ok(Err(e)) => tracing::error!(worker = name, error = %e, "worker failed"),
            Err(e) => tracing::error!(worker = name, error = %e, "worker panicked"),
            Ok(Ok(())) => {}
        }
    }
    served
}

/// `irisx worker orchestrator`.
pub async fn orchestrator() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let db = connect_db(&settings).await?;
    let bus = connect_bus(&settings).await?;
    let key = worker_key(&settings)?;
    irisx_workers::orchestrator::run(
        orchestrator_config(&settings, db, bus, key)?,
        shutdown_signal(),
    )
    .await
}

fn cdr_config(
    settings: &Settings,
    db: irisx_store::PgPool,
    bus: irisx_bus::Bus,
) -> anyhow::Result<irisx_workers::cdr::CdrConfig> {
    let mut c = irisx_workers::cdr::CdrConfig::new(db, bus, settings.media_servers()?);
    c.ack_wait = std::time::Duration::from_secs(settings.cdr_ack_wait_secs.max(1));
    Ok(c)
}

/// `irisx worker cdr`.
pub async fn cdr() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let db = connect_db(&settings).await?;
    let bus = connect_bus(&settings).await?;
    irisx_workers::cdr::run(cdr_config(&settings, db, bus)?, shutdown_signal()).await
}

fn webhook_config(
    settings: &Settings,
    db: irisx_store::PgPool,
    bus: irisx_bus::Bus,
    key: [u8; 32],
) -> anyhow::Result<irisx_workers::webhooks::WebhookConfig> {
    let mut c = irisx_workers::webhooks::WebhookConfig::new(db, bus, key);
    c.public_only = settings.outbound_http_public_only;
    if let Some(schedule) = settings.webhook_schedule()? {
        c.schedule = schedule;
    }
    Ok(c)
}

/// `irisx worker webhooks`.
pub async fn webhooks() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let db = connect_db(&settings).await?;
    let bus = connect_bus(&settings).await?;
    let key = worker_key(&settings)?;
    irisx_workers::webhooks::run(webhook_config(&settings, db, bus, key)?, shutdown_signal()).await
}

fn orchestrator_config(
    settings: &Settings,
    db: irisx_store::PgPool,
    bus: irisx_bus::Bus,
    key: [u8; 32],
) -> anyhow::Result<irisx_workers::orchestrator::OrchestratorConfig> {
    let mut c = irisx_workers::orchestrator::OrchestratorConfig::new(
        db,
        bus,
        settings.media_servers()?,
        key,
    );
    c.lease = std::time::Duration::from_secs(settings.orchestrator_lease_secs.max(1));
    c.public_only = settings.outbound_http_public_only;
    Ok(c)
}

/// Workers decrypt carrier passwords with the same key as the API.
fn worker_key(settings: &Settings) -> anyhow::Result<[u8; 32]> {
    match (&settings.encryption_key, &settings.jwt_secret) {
        (None, None) => anyhow::bail!(
            "set IRISX_ENCRYPTION_KEY (or IRISX_JWT_SECRET, from which the API derives it) so the \
             workers can open carrier passwords and webhook secrets"
        ),
        (_, secret) => settings.encryption_key(secret.as_deref().unwrap_or_default().as_bytes()),
    }
}

async fn connect_db(settings: &Settings) -> anyhow::Result<irisx_store::PgPool> {
    irisx_store::connect(&settings.database_url, settings.db_pool_size)
        .await
        .with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {}",
                redact(&settings.database_url)
            )
        })
}

async fn connect_bus(settings: &Settings) -> anyhow::Result<irisx_bus::Bus> {
    let nats = async_nats::connect(&settings.nats_url)
        .await
        .with_context(|| format!("cannot connect to NATS at {}", settings.nats_url))?;
    let bus = irisx_bus::Bus::new(nats, &settings.bus_namespace);
    bus.ensure_streams()
        .await
        .context("cannot set up the JetStream streams (is JetStream enabled?)")?;
    Ok(bus)
}

async fn wait(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
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
