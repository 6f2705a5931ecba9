//! placeholder (temporary, replaced by the CDR writer)
#![allow(missing_docs)]
use irisx_bus::Bus;
use irisx_store::PgPool;
use crate::MediaServer;
pub struct CdrConfig { pub db: PgPool, pub bus: Bus, pub media_servers: Vec<MediaServer> }
impl CdrConfig { pub fn new(db: PgPool, bus: Bus, media_servers: Vec<MediaServer>) -> Self { CdrConfig { db, bus, media_servers } } }
pub async fn run(_c: CdrConfig, shutdown: impl std::future::Future<Output = ()>) -> anyhow::Result<()> { shutdown.await; Ok(()) }
