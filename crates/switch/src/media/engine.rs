//! The media engine the channels use: it opens RTP legs from an SDP offer or for an offer of
//! our own, resolves what `playback` is given (files, URLs, tones, silence) into sources,
//! and hands out small handles to play, record, send DTMF and bridge.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::g711::Law;
use super::http_cache::HttpCache;
use super::ports::PortPool;
use super::recorder::Recorder;
pub use super::recorder::{RecordLimits, RecordOutcome, StopReason};
use super::sdp::{self, Direction, Negotiated};
pub use super::session::PlayEnd;
use super::session::{self, MediaEvent, RemoteParams, SessionCmd, SessionHandle};
use super::source::Source;
use super::stats::MediaStats;
use super::{audio, tone};

/// Decoded files kept in memory (most IVR prompts are played again and again).
const PCM_CACHE_ENTRIES: usize = 256;

/// Decoded files by path, with the modification time they were decoded at.
type PcmCache = HashMap<PathBuf, (Option<SystemTime>, Arc<Vec<i16>>)>;

/// Opens media legs and resolves audio.
pub struct MediaEngine {
    pool: Arc<PortPool>,
    /// Counters of all sessions.
    pub stats: Arc<MediaStats>,
    sounds_dir: PathBuf,
    http: HttpCache,
    pcm: Mutex<PcmCache>,
}

impl MediaEngine {
    /// An engine binding RTP on `ip` within `[min, max]`.
    pub fn new(
        ip: std::net::IpAddr,
        min: u16,
        max: u16,
        sounds_dir: &Path,
        cache_dir: &Path,
    ) -> Self {
        MediaEngine {
            pool: PortPool::new(ip, min, max),
            stats: Arc::new(MediaStats::default()),
            sounds_dir: sounds_dir.to_owned(),
            http: HttpCache::new(&cache_dir.join("http")),
            pcm: Mutex::new(HashMap::new()),
        }
    }

    /// Opens a leg that answers `offer`.
    pub async fn answer(&self, offer: &str) -> Result<MediaLeg, String> {
        let remote = sdp::parse(offer).map_err(|e| e.to_string())?;
        let neg = sdp::negotiate(&remote).map_err(|e| e.to_string())?;
        let mut leg = self.open().await?;
        leg.apply(&remote, neg);
        leg.local_sdp = leg.describe(
            &[(neg.payload_type, neg.law)],
            neg.telephone_event,
            remote.direction.answer(),
        );
        Ok(leg)
    }

    /// Opens a leg for an outgoing offer (PCMU, PCMA, telephone-event 101).
    pub async fn offer(&self) -> Result<MediaLeg, String> {
        let mut leg = self.open().await?;
        leg.local_sdp = leg.describe(
            &[(0, Law::Ulaw), (8, Law::Alaw)],
            Some(101),
            Direction::SendRecv,
        );
        Ok(leg)
    }

    async fn open(&self) -> Result<MediaLeg, String> {
        let socket = self.pool.bind().await.map_err(|e| e.to_string())?;
        let port = socket.local.port();
        let (session, events) = session::start(socket, self.stats.clone());
        Ok(MediaLeg {
            session,
            events: Some(events),
            ip: self.pool.ip(),
            port,
            session_id: rand::random::<u32>().into(),
            version: 1,
            negotiated: None,
            local_sdp: String::new(),
        })
    }

    /// Resolves a playback argument into a source: `silence_stream://ms`, `tone_stream://…`,
    /// an http(s) URL (cached), or a WAV path (relative to the sounds dir).
    pub async fn source(&self, spec: &str) -> Result<Source, String> {
        let spec = spec.trim();
        if let Some(ms) = spec.strip_prefix("silence_stream://") {
            let ms: i64 = ms
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .map_err(|_| format!("bad silence length `{ms}`"))?;
            return Ok(Source::silence_ms(ms));
        }
        if let Some(t) = spec.strip_prefix("tone_stream://") {
            return Ok(Source::Tone(tone::ToneGenerator::new(tone::parse(t)?)));
        }
        let path = if spec.starts_with("http://") || spec.starts_with("https://") {
            self.http.fetch(spec).await?
        } else {
            let p = PathBuf::from(spec.strip_prefix("file://").unwrap_or(spec));
            if p.is_absolute() {
                p
            } else {
                self.sounds_dir.join(p)
            }
        };
        Ok(Source::pcm(self.decode(&path).await?))
    }

    async fn decode(&self, path: &Path) -> Result<Arc<Vec<i16>>, String> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Some((m, pcm)) = self.pcm.lock().get(path)
            && *m == modified
        {
            return Ok(pcm.clone());
        }
        let owned = path.to_owned();
        let pcm = Arc::new(
            tokio::task::spawn_blocking(move || audio::load_wav(&owned))
                .await
                .map_err(|e| e.to_string())??,
        );
        let mut cache = self.pcm.lock();
        if cache.len() >= PCM_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(path.to_owned(), (modified, pcm.clone()));
        Ok(pcm)
    }
}

/// One open media leg.
pub struct MediaLeg {
    session: SessionHandle,
    events: Option<mpsc::UnboundedReceiver<MediaEvent>>,
    ip: std::net::IpAddr,
    port: u16,
    session_id: u64,
    version: u64,
    negotiated: Option<Negotiated>,
    local_sdp: String,
}

impl MediaLeg {
    fn describe(&self, codecs: &[(u8, Law)], te: Option<u8>, direction: Direction) -> String {
        sdp::write(
            self.ip,
            self.port,
            self.session_id,
            self.version,
            codecs,
            te,
            direction,
        )
    }

    fn apply(&mut self, remote: &sdp::RemoteMedia, neg: Negotiated) {
        self.negotiated = Some(neg);
        let _ = self.session.cmd.send(SessionCmd::Remote(RemoteParams {
            addr: remote.addr,
            law: neg.law,
            payload_type: neg.payload_type,
            telephone_event: neg.telephone_event,
            direction: remote.direction.answer(),
        }));
    }

    /// Our current SDP.
    pub fn local_sdp(&self) -> String {
        self.local_sdp.clone()
    }

    /// Our RTP address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.session.local
    }

    /// The codec in use, once negotiated.
    pub fn codec(&self) -> Option<&'static str> {
        self.negotiated.map(|n| n.law.name())
    }

    /// Applies the answer to our offer.
    pub fn apply_answer(&mut self, answer: &str) -> Result<(), String> {
        let remote = sdp::parse(answer).map_err(|e| e.to_string())?;
        let neg = sdp::negotiate(&remote).map_err(|e| e.to_string())?;
        self.apply(&remote, neg);
        Ok(())
    }

    /// Answers a new offer in the same session (re-INVITE): returns our SDP and whether the
    /// peer put the call on hold.
    pub fn reoffer(&mut self, offer: &str) -> Result<(String, bool), String> {
        let remote = sdp::parse(offer).map_err(|e| e.to_string())?;
        let neg = sdp::negotiate(&remote).map_err(|e| e.to_string())?;
        self.apply(&remote, neg);
        self.version += 1;
        let direction = remote.direction.answer();
        self.local_sdp = self.describe(
            &[(neg.payload_type, neg.law)],
            neg.telephone_event,
            direction,
        );
        Ok((
            self.local_sdp.clone(),
            matches!(remote.direction, Direction::SendOnly | Direction::Inactive),
        ))
    }

    /// The stream of media events (DTMF); can be taken once.
    pub fn take_events(&mut self) -> Option<mpsc::UnboundedReceiver<MediaEvent>> {
        self.events.take()
    }

    /// A handle to play audio.
    pub fn player(&self) -> Player {
        Player {
            cmd: self.session.cmd.clone(),
        }
    }

    /// A handle to record audio.
    pub fn recorder(&self) -> RecorderHandle {
        RecorderHandle {
            cmd: self.session.cmd.clone(),
        }
    }

    /// A handle to send DTMF.
    pub fn dtmf_sender(&self) -> DtmfSender {
        DtmfSender {
            cmd: self.session.cmd.clone(),
        }
    }

    /// Relays audio between this leg and `other` until the guard is dropped.
    pub fn bridge(&self, other: &MediaLeg) -> BridgeGuard {
        let _ = self
            .session
            .cmd
            .send(SessionCmd::BridgeOut(Some(other.session.bridge_in.clone())));
        let _ = other
            .session
            .cmd
            .send(SessionCmd::BridgeOut(Some(self.session.bridge_in.clone())));
        BridgeGuard {
            a: self.session.cmd.clone(),
            b: other.session.cmd.clone(),
        }
    }

    /// Ends the session (the port is released when the task finishes).
    pub async fn close(self) {
        self.session.close.cancel();
    }
}

/// Plays sources on a leg.
#[derive(Clone)]
pub struct Player {
    cmd: mpsc::UnboundedSender<SessionCmd>,
}

impl Player {
    /// Plays `source` until it ends or `stop` is cancelled. Dropping the future stops it too.
    pub async fn play(&self, source: Source, stop: CancellationToken) -> Result<PlayEnd, String> {
        let child = stop.child_token();
        let _guard = child.clone().drop_guard();
        let (done, rx) = oneshot::channel();
        self.cmd
            .send(SessionCmd::Play {
                source,
                stop: child,
                done,
            })
            .map_err(|_| "the media session has ended".to_owned())?;
        Ok(rx.await.unwrap_or(PlayEnd::Stopped))
    }
}

/// Records from a leg.
#[derive(Clone)]
pub struct RecorderHandle {
    cmd: mpsc::UnboundedSender<SessionCmd>,
}

impl RecorderHandle {
    /// Records to `path` until a limit, `stop`, or hangup.
    pub async fn record(
        &self,
        path: PathBuf,
        limits: RecordLimits,
        stop: CancellationToken,
    ) -> Result<RecordOutcome, String> {
        let recorder = tokio::task::spawn_blocking(move || Recorder::create(&path, limits))
            .await
            .map_err(|e| e.to_string())??;
        let child = stop.child_token();
        let _guard = child.clone().drop_guard();
        let (done, rx) = oneshot::channel();
        self.cmd
            .send(SessionCmd::Record {
                recorder: Box::new(recorder),
                stop: child,
                done,
            })
            .map_err(|_| "the media session has ended".to_owned())?;
        rx.await.map_err(|_| "the recording was lost".to_owned())
    }
}

/// Sends DTMF on a leg.
#[derive(Clone)]
pub struct DtmfSender {
    cmd: mpsc::UnboundedSender<SessionCmd>,
}

impl DtmfSender {
    /// Sends one digit as RFC 4733 events.
    pub async fn send(&self, digit: char, duration_ms: u32) -> Result<(), String> {
        let (done, rx) = oneshot::channel();
        self.cmd
            .send(SessionCmd::Dtmf {
                digit,
                duration_ms,
                done,
            })
            .map_err(|_| "the media session has ended".to_owned())?;
        match rx.await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the peer did not negotiate telephone-event (RFC 4733)".into()),
            Err(_) => Err("the media session has ended".into()),
        }
    }
}

/// Keeps two legs bridged; dropping it stops the relay.
pub struct BridgeGuard {
    a: mpsc::UnboundedSender<SessionCmd>,
    b: mpsc::UnboundedSender<SessionCmd>,
}

impl Drop for BridgeGuard {
    fn drop(&mut self) {
        let _ = self.a.send(SessionCmd::BridgeOut(None));
        let _ = self.b.send(SessionCmd::BridgeOut(None));
    }
}
