//! Audio fetched over http(s), cached on disk the way FreeSWITCH's mod_http_cache does: one
//! file per URL (named by its SHA-256), reused while fresh (`Cache-Control: max-age`,
//! default one day), revalidated with `ETag` / `Last-Modified` when stale, and served stale
//! if the origin is unreachable. Concurrent requests for one URL share one download.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest file we download.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Freshness when the origin says nothing.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Default, Serialize, Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    fresh_until: u64,
}

/// The cache.
pub struct HttpCache {
    dir: PathBuf,
    client: reqwest::Client,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl HttpCache {
    /// A cache in `dir`.
    pub fn new(dir: &Path) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("irisx-switch/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        HttpCache {
            dir: dir.to_owned(),
            client,
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// The local copy of `url`, downloading or revalidating it if needed.
    pub async fn fetch(&self, url: &str) -> Result<PathBuf, String> {
        let key = hex::encode(Sha256::digest(url.as_bytes()));
        let lock = self.locks.lock().entry(key.clone()).or_default().clone();
        let _guard = lock.lock().await;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let body = self.dir.join(format!("{key}.audio"));
        let meta_path = self.dir.join(format!("{key}.json"));
        let meta: Option<Meta> = std::fs::read(&meta_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let have = body.exists() && meta.is_some();
        if let Some(m) = meta.as_ref().filter(|m| have && m.fresh_until > now_secs()) {
            let _ = m;
            return Ok(body);
        }
        let mut req = self.client.get(url);
        if have && let Some(m) = &meta {
            if let Some(e) = &m.etag {
                req = req.header("If-None-Match", e);
            }
            if let Some(l) = &m.last_modified {
                req = req.header("If-Modified-Since", l);
            }
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if have => {
                tracing::warn!(%url, error = %e, "origin unreachable; playing the stale copy");
                return Ok(body);
            }
            Err(e) => return Err(format!("cannot fetch {url}: {e}")),
        };
        let fresh_until = now_secs() + max_age(resp.headers()).as_secs();
        if resp.status() == reqwest::StatusCode::NOT_MODIFIED && have {
            let mut m = meta.unwrap_or_default();
            m.fresh_until = fresh_until;
            let _ = std::fs::write(&meta_path, serde_json::to_vec(&m).unwrap_or_default());
            return Ok(body);
        }
        if !resp.status().is_success() {
            if have {
                return Ok(body);
            }
            return Err(format!("fetching {url} answered {}", resp.status()));
        }
        if resp.content_length().is_some_and(|n| n > MAX_BYTES) {
            return Err(format!("{url} is larger than {MAX_BYTES} bytes"));
        }
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let meta = Meta {
            url: url.to_owned(),
            etag: header("etag"),
            last_modified: header("last-modified"),
            fresh_until,
        };
        let tmp = self
            .dir
            .join(format!("{key}.{}.part", rand::random::<u32>()));
        let mut file = tokio::fs::File::create(&tmp)
            .await
            .map_err(|e| e.to_string())?;
        let mut stream = resp.bytes_stream();
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| format!("download of {url} failed: {e}"))?;
            total += chunk.len() as u64;
            if total > MAX_BYTES {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(format!("{url} is larger than {MAX_BYTES} bytes"));
            }
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(|e| e.to_string())?;
        }
        // tokio's File finishes writes in the background: flush before the rename, or a
        // reader may find the file short (seen as an empty download in a test run).
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(|e| e.to_string())?;
        drop(file);
        std::fs::rename(&tmp, &body).map_err(|e| e.to_string())?;
        std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap_or_default())
            .map_err(|e| e.to_string())?;
        Ok(body)
    }
}

fn max_age(headers: &reqwest::header::HeaderMap) -> Duration {
    let cc = headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for part in cc.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("no-cache") || part.eq_ignore_ascii_case("no-store") {
            return Duration::ZERO;
        }
        if let Some(v) = part.strip_prefix("max-age=")
            && let Ok(s) = v.parse()
        {
            return Duration::from_secs(s);
        }
    }
    DEFAULT_MAX_AGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A tiny origin: counts requests, answers 304 to If-None-Match "v1".
    async fn origin(max_age: u32) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    break;
                };
                let h = h.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                    h.fetch_add(1, Ordering::SeqCst);
                    let resp = if req.contains("if-none-match: \"v1\"") {
                        format!(
                            "HTTP/1.1 304 Not Modified\r\ncache-control: max-age={max_age}\r\ncontent-length: 0\r\n\r\n"
                        )
                    } else if req.starts_with("get /missing") {
                        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned()
                    } else {
                        format!(
                            "HTTP/1.1 200 OK\r\netag: \"v1\"\r\ncache-control: max-age={max_age}\r\ncontent-length: 5\r\n\r\nhello"
                        )
                    };
                    let _ = s.write_all(resp.as_bytes()).await;
                });
            }
        });
        (format!("http://{addr}"), hits)
    }

    #[tokio::test]
    async fn fresh_copies_are_reused_and_stale_ones_revalidated() {
        let dir = std::env::temp_dir().join(format!("irisx-http-cache-{}", rand::random::<u32>()));
        let (base, hits) = origin(3600).await;
        let cache = HttpCache::new(&dir);
        let a = cache.fetch(&format!("{base}/a.wav")).await.unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"hello");
        let again = cache.fetch(&format!("{base}/a.wav")).await.unwrap();
        assert_eq!(a, again);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "a fresh copy needs no request"
        );
        assert!(cache.fetch(&format!("{base}/missing.wav")).await.is_err());

        let (base2, hits2) = origin(0).await;
        let b = cache.fetch(&format!("{base2}/b.wav")).await.unwrap();
        let b2 = cache.fetch(&format!("{base2}/b.wav")).await.unwrap();
        assert_eq!(b, b2);
        assert_eq!(
            hits2.load(Ordering::SeqCst),
            2,
            "a stale copy is revalidated (304)"
        );
        assert_eq!(std::fs::read(&b2).unwrap(), b"hello");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
