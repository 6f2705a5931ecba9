//! Media: RTP sessions, SDP offer/answer, G.711, RFC 4733 DTMF, audio sources (files, tones,
//! silence, fetched URLs) and the recorder. Nothing here knows about SIP or the Event Socket.

pub mod audio;
pub mod dtmf;
pub mod engine;
pub mod g711;
pub mod http_cache;
pub mod ports;
pub mod recorder;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod source;
pub mod stats;
pub mod tone;
