//! One RTP session: a task that owns the UDP socket, sends a frame every 20 ms (playback,
//! bridged audio, or silence), receives and decodes what the peer sends (DTMF, recording,
//! bridging), and latches onto the peer's real source address (symmetric RTP).
//!
//! Pacing uses `tokio::time::interval` with `MissedTickBehavior::Burst`: if the task is late
//! it catches up, so the packet count and RTP timestamps always match wall-clock time
//! (lateness is measured and reported as send jitter).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::audio::FRAME;
use super::dtmf::{self, Digit};
use super::g711::Law;
use super::ports::RtpSocket;
use super::recorder::{RecordOutcome, Recorder, StopReason};
use super::rtp;
use super::sdp::Direction;
use super::source::Source;
use super::stats::MediaStats;

/// A 20 ms frame of 8 kHz samples.
pub type Frame = [i16; FRAME];

/// How a playback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayEnd {
    /// The source ran out.
    Finished,
    /// Stopped early (break, hangup, another playback).
    Stopped,
}

/// Where and how to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteParams {
    /// The peer's address from SDP (`None` while unknown or on hold with c=0.0.0.0).
    pub addr: Option<SocketAddr>,
    /// Codec.
    pub law: Law,
    /// Its payload type.
    pub payload_type: u8,
    /// telephone-event payload type.
    pub telephone_event: Option<u8>,
    /// Our direction (what we may do: `SendRecv`, `RecvOnly` when the peer holds us, …).
    pub direction: Direction,
}

/// Something the session reports to its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// A DTMF digit ended.
    Dtmf(Digit),
}

/// Commands to a session.
pub enum SessionCmd {
    /// Set or change the peer.
    Remote(RemoteParams),
    /// Play a source, replacing any playback; `done` hears how it ended.
    Play {
        /// The audio.
        source: Source,
        /// Cancels the playback.
        stop: CancellationToken,
        /// Told when it ends.
        done: oneshot::Sender<PlayEnd>,
    },
    /// Record inbound audio until a limit, `stop`, or the end of the session.
    Record {
        /// The open file.
        recorder: Box<Recorder>,
        /// Cancels the recording.
        stop: CancellationToken,
        /// Told when it ends.
        done: oneshot::Sender<RecordOutcome>,
    },
    /// Send a DTMF digit (RFC 4733).
    Dtmf {
        /// The digit.
        digit: char,
        /// How long, in ms.
        duration_ms: u32,
        /// Told when the last packet left (`false`: the peer takes no RFC 4733 events).
        done: oneshot::Sender<bool>,
    },
    /// Send decoded inbound audio to another session (bridging), or stop doing so.
    BridgeOut(Option<mpsc::Sender<Frame>>),
}

/// The handle a channel keeps.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    /// Command queue.
    pub cmd: mpsc::UnboundedSender<SessionCmd>,
    /// Frames to send out while bridged (fed by the other leg).
    pub bridge_in: mpsc::Sender<Frame>,
    /// Our RTP address.
    pub local: SocketAddr,
    /// Stopping this ends the session task.
    pub close: CancellationToken,
}

struct Playing {
    source: Source,
    stop: CancellationToken,
    done: oneshot::Sender<PlayEnd>,
}

struct Recording {
    recorder: Box<Recorder>,
    stop: CancellationToken,
    done: oneshot::Sender<RecordOutcome>,
}

/// Starts a session on `socket`; returns its handle and the stream of events.
pub fn start(
    socket: RtpSocket,
    stats: Arc<MediaStats>,
) -> (SessionHandle, mpsc::UnboundedReceiver<MediaEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (bridge_tx, bridge_rx) = mpsc::channel(8);
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let close = CancellationToken::new();
    let handle = SessionHandle {
        cmd: cmd_tx,
        bridge_in: bridge_tx,
        local: socket.local,
        close: close.clone(),
    };
    tokio::spawn(run(socket, cmd_rx, bridge_rx, event_tx, close, stats));
    (handle, event_rx)
}

async fn run(
    socket: RtpSocket,
    mut cmds: mpsc::UnboundedReceiver<SessionCmd>,
    mut bridge_in: mpsc::Receiver<Frame>,
    events: mpsc::UnboundedSender<MediaEvent>,
    close: CancellationToken,
    stats: Arc<MediaStats>,
) {
    stats.sessions.fetch_add(1, Ordering::Relaxed);
    let mut s = State {
        remote: None,
        latched: None,
        ssrc: rand::random(),
        seq: rand::random(),
        ts: rand::random(),
        playing: None,
        recordings: Vec::new(),
        dtmf_out: Vec::new(),
        dtmf_packets: Vec::new(),
        dtmf_sent: 0,
        dtmf_ts: 0,
        dtmf_rx: dtmf::Receiver::default(),
        bridge_out: None,
        out: Vec::with_capacity(12 + FRAME),
        payload: Vec::with_capacity(FRAME),
        decoded: Vec::with_capacity(FRAME),
    };
    let mut interval = tokio::time::interval(Duration::from_millis(20));
    interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut next_due = Instant::now();
    let mut buf = vec![0u8; 2048];
    loop {
        tokio::select! {
            _ = close.cancelled() => break,
            tick = interval.tick() => {
                let late = Instant::now().saturating_duration_since(tick.max(next_due));
                stats.record_send_lateness(late);
                next_due = tick + Duration::from_millis(20);
                s.send_tick(&socket, &mut bridge_in, &stats).await;
            }
            r = socket.socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = r {
                    s.on_datagram(&buf[..n], from, &events, &stats);
                }
            }
            cmd = cmds.recv() => match cmd {
                Some(c) => s.on_cmd(c),
                None => break,
            }
        }
    }
    if let Some(p) = s.playing.take() {
        let _ = p.done.send(PlayEnd::Stopped);
    }
    for r in s.recordings.drain(..) {
        let _ = r.done.send(r.recorder.finish(StopReason::Hangup));
    }
    stats.sessions.fetch_sub(1, Ordering::Relaxed);
}

struct State {
    remote: Option<RemoteParams>,
    latched: Option<SocketAddr>,
    ssrc: u32,
    seq: u16,
    ts: u32,
    playing: Option<Playing>,
    recordings: Vec<Recording>,
    dtmf_out: Vec<(char, u32, oneshot::Sender<bool>)>,
    dtmf_packets: Vec<dtmf::EventPacket>,
    dtmf_sent: usize,
    dtmf_ts: u32,
    dtmf_rx: dtmf::Receiver,
    bridge_out: Option<mpsc::Sender<Frame>>,
    out: Vec<u8>,
    payload: Vec<u8>,
    decoded: Vec<i16>,
}

impl State {
    fn on_cmd(&mut self, cmd: SessionCmd) {
        match cmd {
            SessionCmd::Remote(r) => {
                if self.remote.map(|o| o.addr) != Some(r.addr) {
                    self.latched = None;
                }
                self.remote = Some(r);
            }
            SessionCmd::Play { source, stop, done } => {
                if let Some(old) = self.playing.replace(Playing { source, stop, done }) {
                    let _ = old.done.send(PlayEnd::Stopped);
                }
            }
            SessionCmd::Record {
                recorder,
                stop,
                done,
            } => {
                // Several recordings may run at once (`record` and `uuid_record`).
                self.recordings.push(Recording {
                    recorder,
                    stop,
                    done,
                });
            }
            SessionCmd::Dtmf {
                digit,
                duration_ms,
                done,
            } => self.dtmf_out.push((digit, duration_ms, done)),
            SessionCmd::BridgeOut(tx) => self.bridge_out = tx,
        }
    }

    fn target(&self) -> Option<SocketAddr> {
        let r = self.remote?;
        if matches!(r.direction, Direction::RecvOnly | Direction::Inactive) {
            return None;
        }
        self.latched.or(r.addr)
    }

    async fn send_tick(
        &mut self,
        socket: &RtpSocket,
        bridge_in: &mut mpsc::Receiver<Frame>,
        stats: &MediaStats,
    ) {
        self.ts = self.ts.wrapping_add(FRAME as u32);
        // Recordings stopped by their owner (a digit, uuid_break, `uuid_record … stop`).
        let mut i = 0;
        while i < self.recordings.len() {
            if self.recordings[i].stop.is_cancelled() {
                let r = self.recordings.swap_remove(i);
                let _ = r.done.send(r.recorder.finish(StopReason::Break));
            } else {
                i += 1;
            }
        }
        // A digit being sent replaces audio.
        if let Some(packet) = self.next_dtmf_packet() {
            let (marker, payload, te) = packet;
            if let Some(to) = self.target() {
                rtp::write(
                    &mut self.out,
                    marker,
                    te,
                    self.seq,
                    self.dtmf_ts,
                    self.ssrc,
                    &payload,
                );
                self.seq = self.seq.wrapping_add(1);
                if socket.socket.send_to(&self.out, to).await.is_ok() {
                    stats.packets_sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            return;
        }
        let mut frame: Frame = [0; FRAME];
        let mut have = false;
        if let Some(p) = self.playing.as_mut() {
            if p.stop.is_cancelled() {
                if let Some(p) = self.playing.take() {
                    let _ = p.done.send(PlayEnd::Stopped);
                }
            } else if p.source.next_frame(&mut frame) {
                have = true;
            } else if let Some(p) = self.playing.take() {
                let _ = p.done.send(PlayEnd::Finished);
            }
        }
        // Bridged audio: take it even while playing, so it never piles up.
        let bridged = bridge_in.try_recv().ok();
        if !have && let Some(f) = bridged {
            frame = f;
        }
        let (Some(to), Some(r)) = (self.target(), self.remote) else {
            return;
        };
        self.payload.clear();
        r.law.encode(&frame, &mut self.payload);
        rtp::write(
            &mut self.out,
            false,
            r.payload_type,
            self.seq,
            self.ts,
            self.ssrc,
            &self.payload,
        );
        self.seq = self.seq.wrapping_add(1);
        if socket.socket.send_to(&self.out, to).await.is_ok() {
            stats.packets_sent.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The next telephone-event packet to send, if a digit is being sent. A digit the peer
    /// cannot receive (no telephone-event negotiated) is reported as not sent.
    fn next_dtmf_packet(&mut self) -> Option<(bool, [u8; 4], u8)> {
        let te = self.remote.and_then(|r| r.telephone_event);
        loop {
            if self.dtmf_packets.is_empty() {
                let (digit, duration, _) = self.dtmf_out.first()?;
                self.dtmf_packets = dtmf::packets(*digit, *duration);
                self.dtmf_sent = 0;
                self.dtmf_ts = self.ts;
                if te.is_none() || self.dtmf_packets.is_empty() {
                    self.dtmf_packets.clear();
                    let (_, _, done) = self.dtmf_out.remove(0);
                    let _ = done.send(false);
                    continue;
                }
            }
            let (marker, payload) = self.dtmf_packets[self.dtmf_sent];
            self.dtmf_sent += 1;
            if self.dtmf_sent == self.dtmf_packets.len() {
                self.dtmf_packets.clear();
                let (_, _, done) = self.dtmf_out.remove(0);
                let _ = done.send(true);
            }
            return te.map(|te| (marker, payload, te));
        }
    }

    fn on_datagram(
        &mut self,
        buf: &[u8],
        from: SocketAddr,
        events: &mpsc::UnboundedSender<MediaEvent>,
        stats: &MediaStats,
    ) {
        let Ok(packet) = rtp::parse(buf) else {
            stats.packets_invalid.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Some(r) = self.remote else { return };
        stats.packets_received.fetch_add(1, Ordering::Relaxed);
        if self.latched != Some(from)
            && (packet.payload_type == r.payload_type
                || Some(packet.payload_type) == r.telephone_event)
        {
            self.latched = Some(from);
        }
        if Some(packet.payload_type) == r.telephone_event {
            if let Some(d) = self.dtmf_rx.on_packet(packet.timestamp, packet.payload) {
                let _ = events.send(MediaEvent::Dtmf(d));
            }
            return;
        }
        if packet.payload_type != r.payload_type || packet.payload.is_empty() {
            return;
        }
        self.decoded.clear();
        r.law.decode(packet.payload, &mut self.decoded);
        for chunk in self.decoded.chunks(FRAME) {
            let mut frame: Frame = [0; FRAME];
            frame[..chunk.len()].copy_from_slice(chunk);
            let mut i = 0;
            while i < self.recordings.len() {
                match self.recordings[i].recorder.push(&frame) {
                    Some(reason) => {
                        let r = self.recordings.swap_remove(i);
                        let _ = r.done.send(r.recorder.finish(reason));
                    }
                    None => i += 1,
                }
            }
            if let Some(tx) = &self.bridge_out {
                let _ = tx.try_send(frame);
            }
        }
    }
}
