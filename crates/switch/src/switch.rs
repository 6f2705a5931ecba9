//! Starting a switch: SIP, media, the core, the ESL server and the heartbeat.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::SwitchConfig;
use crate::core::Core;
use crate::media::engine::MediaEngine;
use crate::sip::stack::SipStack;

/// A running switch.
pub struct Switch {
    /// The core (channels, events).
    pub core: Arc<Core>,
    /// Where SIP listens.
    pub sip_addr: SocketAddr,
    /// Where the Event Socket listens.
    pub esl_addr: SocketAddr,
}

impl Switch {
    /// Starts everything; ports 0 in the config pick free ports (see the returned addresses).
    pub async fn start(mut config: SwitchConfig) -> anyhow::Result<Switch> {
        for dir in [
            &config.recordings_dir,
            &config.sounds_dir,
            &config.cache_dir,
        ] {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        let tls_trust = crate::sip::tls_trust::trusted_pem(config.sip_tls_ca_file.as_deref())?;
        let (sip, sip_events) = SipStack::start(
            config.sip_addr,
            &format!("IRISX switch {}", env!("CARGO_PKG_VERSION")),
            tls_trust,
        )
        .await?;
        config.sip_addr = sip.local_addr;
        let esl = tokio::net::TcpListener::bind(config.esl_addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for ESL on {}: {e}", config.esl_addr))?;
        let esl_addr = esl.local_addr()?;
        config.esl_addr = esl_addr;
        let media = MediaEngine::new(
            config.rtp_ip,
            config.rtp_port_min,
            config.rtp_port_max,
            &config.sounds_dir,
            &config.cache_dir,
        );
        let core = Core::new(config, sip.clone(), media);
        tokio::spawn(core.clone().run_sip(sip_events));
        tokio::spawn(crate::esl_server::run(core.clone(), esl));
        tokio::spawn(heartbeat(core.clone()));
        tracing::info!(sip = %sip.local_addr, esl = %esl_addr, "switch started");
        Ok(Switch {
            core,
            sip_addr: sip.local_addr,
            esl_addr,
        })
    }
}

/// HEARTBEAT every 20 s, as FreeSWITCH sends it.
async fn heartbeat(core: Arc<Core>) {
    let mut tick = tokio::time::interval(Duration::from_secs(20));
    tick.tick().await;
    loop {
        tick.tick().await;
        let s = core.stats();
        let mut e = core.source.event("HEARTBEAT");
        e.headers.extend([
            ("Event-Info".to_owned(), "System Ready".to_owned()),
            (
                "Up-Time".to_owned(),
                format!(
                    "0 years, 0 days, {} hours, {} minutes, {} seconds",
                    s.uptime_secs / 3600,
                    (s.uptime_secs / 60) % 60,
                    s.uptime_secs % 60
                ),
            ),
            ("Uptime-msec".to_owned(), (s.uptime_secs * 1000).to_string()),
            ("Session-Count".to_owned(), s.active.to_string()),
            ("Max-Sessions".to_owned(), "10000".to_owned()),
            ("Session-Since-Startup".to_owned(), s.total.to_string()),
            ("Session-Peak-Max".to_owned(), s.peak.to_string()),
        ]);
        core.emit(e);
    }
}
