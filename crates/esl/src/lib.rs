//! The FreeSWITCH Event Socket (ESL) protocol, shared by the IRISX client side (orchestrator,
//! cdr worker) and server side (the embedded switch).
//!
//! - [`frame`] and [`codec`]: the message shape (header lines, blank line, optional body) and
//!   the incremental, zero-copy `tokio_util` codec that frames a byte stream on either side.
//! - [`message`]: what a client receives, typed by `Content-Type`.
//! - [`event`]: events (plain or JSON) with decoded headers, variables and body.
//! - [`command`]: commands with builders (originate, sendmsg, …) and the server-side parse.
//! - [`reply`]: what a server writes (auth request, replies, api responses, events, notices).
//! - [`client`]: the async client with reconnect, re-subscription and liveness checks.
//! - [`percent`]: the percent-encoding of plain event values.
//!
//! A client, as the orchestrator uses it:
//!
//! ```no_run
//! use esl::{Client, ClientConfig, EventName, Originate};
//!
//! # async fn run() -> Result<(), esl::ClientError> {
//! let client = Client::connect(ClientConfig::new("127.0.0.1:8021", "ClueCon")).await?;
//! client.subscribe(&["CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE"]).await?;
//! let mut events = client.events();
//! let call = Originate::new("sofia/gateway/carrier/+15551234567")
//!     .uuid("0b3c6d2e-7f4a-4b1e-9c8d-2a1b3c4d5e6f")
//!     .var("irisx_tenant_id", "t-1");
//! let job = client.originate(&call).await?; // accepted: +OK Job-UUID
//! let result = job.await?; // the BACKGROUND_JOB body, e.g. "+OK <uuid>"
//! while let Some(Ok(event)) = events.recv().await {
//!     if event.kind() == EventName::ChannelHangupComplete {
//!         let billsec: Option<u64> = event.variable_as("billsec");
//!         # let _ = (billsec, &result);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A server (the embedded switch) frames commands with the same codec and answers with the
//! encoders in [`reply`]:
//!
//! ```
//! use esl::{Command, Event, EventFormat, decode_all, reply};
//!
//! let frames = decode_all(b"bgapi status\nJob-UUID: j-1\n\n").unwrap();
//! let Ok(Command::BgApi(cmd, Some(job))) = Command::parse(&frames[0]) else { panic!() };
//! let accepted = reply::bgapi_accepted(&job); // +OK Job-UUID: j-1
//! let done = reply::event(&reply::background_job(&job, &cmd, "", "UP\n"), EventFormat::Plain);
//! # let _ = (accepted, done, Event::new("HEARTBEAT"));
//! ```

pub mod client;
pub mod codec;
pub mod command;
pub mod event;
pub mod frame;
pub mod message;
pub mod percent;
pub mod reply;

pub use client::{BackgroundJob, Client, ClientConfig, ClientError, EventStream};
pub use codec::{EslCodec, FrameError, MAX_HEADERS, MAX_MESSAGE, decode_all};
pub use command::{Command, Originate, SendMsg, UnknownCommand};
pub use event::{Event, EventError, EventFormat, EventName};
pub use frame::Frame;
pub use message::{Message, Reply};
