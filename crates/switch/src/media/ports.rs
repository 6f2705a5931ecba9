//! RTP port allocation over a configured range: even ports for RTP (the odd neighbour is
//! RTCP's), bound on the media address, handed back when the session ends.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::net::UdpSocket;

/// Hands out even ports in `[min, max]`.
#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    min: u16,
    max: u16,
    state: Mutex<(u16, HashSet<u16>)>,
}

/// A bound RTP socket whose port returns to the pool on drop.
#[derive(Debug)]
pub struct RtpSocket {
    /// The socket.
    pub socket: UdpSocket,
    /// Its local address.
    pub local: SocketAddr,
    pool: Arc<PortPool>,
}

impl Drop for RtpSocket {
    fn drop(&mut self) {
        self.pool.state.lock().1.remove(&self.local.port());
    }
}

impl PortPool {
    /// A pool on `ip` over `[min, max]`.
    pub fn new(ip: IpAddr, min: u16, max: u16) -> Arc<Self> {
        let min = min + (min % 2);
        Arc::new(PortPool {
            ip,
            min,
            max: max.max(min),
            state: Mutex::new((min, HashSet::new())),
        })
    }

    /// The address RTP is bound to and advertised on.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// Binds the next free even port.
    pub async fn bind(self: &Arc<Self>) -> std::io::Result<RtpSocket> {
        let span = usize::from((self.max - self.min) / 2 + 1);
        for _ in 0..span {
            let port = {
                let mut st = self.state.lock();
                let mut p = st.0;
                let mut tries = 0;
                while st.1.contains(&p) && tries < span {
                    p = if p + 2 > self.max { self.min } else { p + 2 };
                    tries += 1;
                }
                if st.1.contains(&p) {
                    return Err(std::io::Error::other(
                        "no free RTP port in the configured range",
                    ));
                }
                st.1.insert(p);
                st.0 = if p + 2 > self.max { self.min } else { p + 2 };
                p
            };
            match UdpSocket::bind(SocketAddr::new(self.ip, port)).await {
                Ok(socket) => {
                    let local = socket.local_addr()?;
                    return Ok(RtpSocket {
                        socket,
                        local,
                        pool: self.clone(),
                    });
                }
                Err(_) => {
                    // Taken by someone else: leave it marked for this round and try the next.
                    self.state.lock().1.remove(&port);
                }
            }
        }
        Err(std::io::Error::other(
            "no free RTP port in the configured range",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn even_ports_are_reused_after_drop() {
        let pool = PortPool::new("127.0.0.1".parse().unwrap(), 41001, 41006);
        let a = pool.bind().await.unwrap();
        let b = pool.bind().await.unwrap();
        assert_eq!(a.local.port() % 2, 0);
        assert_ne!(a.local.port(), b.local.port());
        let c = pool.bind().await.unwrap();
        assert!(
            pool.bind().await.is_err(),
            "three even ports in 41002..41006"
        );
        let freed = c.local.port();
        drop(c);
        assert_eq!(pool.bind().await.unwrap().local.port(), freed);
        drop((a, b));
    }
}
