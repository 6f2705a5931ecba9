//! The media servers the workers talk to over the Event Socket: parsing
//! `IRISX_MEDIA_SERVERS` (`host:port:password`, comma-separated) and connecting a client to each.

use std::fmt;

/// One media server's Event Socket.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaServer {
    /// `host:port` of its Event Socket; also the name calls and CDRs record.
    pub addr: String,
    /// Its ESL password.
    pub password: String,
}

impl fmt::Debug for MediaServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// A media server list that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("media server `{0}` is not host:port:password")]
pub struct BadMediaServer(pub String);

impl MediaServer {
    /// Parses `host:port:password[,host:port:password…]` (a password may contain `:`).
    pub fn parse_list(list: &str) -> Result<Vec<MediaServer>, BadMediaServer> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                let mut parts = item.splitn(3, ':');
                let (Some(host), Some(port), Some(password)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(BadMediaServer(item.to_owned()));
                };
                if host.is_empty() || port.parse::<u16>().is_err() || password.is_empty() {
                    return Err(BadMediaServer(item.to_owned()));
                }
                Ok(MediaServer {
                    addr: format!("{host}:{port}"),
                    password: password.to_owned(),
                })
            })
            .collect()
    }

    /// An ESL client configuration for it (reconnects by itself).
    pub fn client_config(&self) -> esl::ClientConfig {
        esl::ClientConfig::new(&self.addr, &self.password)
    }

    /// Connects with `config`, retrying with a growing delay (200 ms to 10 s) until the server
    /// answers. Once connected, the client reconnects by itself.
    pub async fn connect_retrying(&self, config: esl::ClientConfig) -> esl::Client {
        let mut delay = std::time::Duration::from_millis(200);
        loop {
            match esl::Client::connect(config.clone()).await {
                Ok(client) => {
                    tracing::info!(media_server = %self.addr, "connected to media server");
                    return client;
                }
                Err(e) => {
                    tracing::warn!(media_server = %self.addr, error = %e, "media server not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(10));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        let l = MediaServer::parse_list("127.0.0.1:8021:ClueCon, fs2:8021:pa:ss").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].addr, "fs2:8021");
        assert_eq!(l[1].password, "pa:ss");
        assert!(MediaServer::parse_list("fs1:8021").is_err());
        assert!(MediaServer::parse_list("fs1:x:pw").is_err());
        assert!(!format!("{:?}", l[0]).contains("ClueCon"));
    }
}
