//! `transfer <destination> [dialplan] [context]`: without a dialplan of its own, the switch
//! hands the call back to its controller: the destination number changes, queued
//! applications are dropped, and the channel parks again (CHANNEL_PARK with the new
//! `Caller-Destination-Number`).

use super::AppResult;
use crate::channel::handle::{ChannelCmd, ChannelHandle};

/// Re-routes the call to `destination`.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let Some(dest) = arg.split_whitespace().next() else {
        return Err("usage: transfer <destination>".into());
    };
    let _ = ch.cmd.send(ChannelCmd::FlushQueue);
    {
        let mut d = ch.data.write();
        d.caller.destination_number = dest.to_owned();
        d.vars
            .insert("transfer_destination".into(), dest.to_owned());
    }
    ch.emit(
        "CHANNEL_TRANSFER",
        &[("Transfer-Destination", dest.to_owned())],
    );
    super::park::run(ch).await
}
