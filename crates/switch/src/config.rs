//! Settings of the embedded switch.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Everything the switch needs to start.
#[derive(Debug, Clone)]
pub struct SwitchConfig {
    /// SIP listen address (UDP and TCP), e.g. `127.0.0.1:5060`.
    pub sip_addr: SocketAddr,
    /// Event Socket listen address, e.g. `127.0.0.1:8021`.
    pub esl_addr: SocketAddr,
    /// Event Socket password (FreeSWITCH's default is `ClueCon`).
    pub esl_password: String,
    /// Address RTP binds to and advertises in SDP.
    pub rtp_ip: IpAddr,
    /// First RTP port (even).
    pub rtp_port_min: u16,
    /// Last RTP port.
    pub rtp_port_max: u16,
    /// Where `record` writes relative paths.
    pub recordings_dir: PathBuf,
    /// Where `playback` finds relative paths.
    pub sounds_dir: PathBuf,
    /// Where fetched http(s) audio and rendered speech are cached.
    pub cache_dir: PathBuf,
    /// Local SIP users for the registrar (name → password).
    pub users: HashMap<String, String>,
    /// Name reported as `FreeSWITCH-Hostname`.
    pub hostname: String,
    /// A PEM file of certificate authorities trusted for calls placed over TLS, besides the
    /// system's bundle (a carrier's private CA).
    pub sip_tls_ca_file: Option<PathBuf>,
}

impl SwitchConfig {
    /// Defaults for a switch on loopback, with its files under `data_dir`.
    pub fn local(data_dir: &std::path::Path) -> Self {
        SwitchConfig {
            sip_addr: SocketAddr::from(([127, 0, 0, 1], 5060)),
            esl_addr: SocketAddr::from(([127, 0, 0, 1], 8021)),
            esl_password: "ClueCon".into(),
            rtp_ip: IpAddr::from([127, 0, 0, 1]),
            rtp_port_min: 16384,
            rtp_port_max: 32768,
            recordings_dir: data_dir.join("recordings"),
            sounds_dir: data_dir.join("sounds"),
            cache_dir: data_dir.join("cache"),
            users: HashMap::new(),
            hostname: "irisx-switch".into(),
            sip_tls_ca_file: None,
        }
    }
}
