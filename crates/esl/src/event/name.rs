//! The event names the platform reacts to, as a closed enum, so callers match on
//! `EventName::ChannelAnswer` instead of comparing strings.

/// A FreeSWITCH event name. Names this crate does not list are [`EventName::Other`]; the
/// exact string stays available from [`crate::Event::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventName {
    /// `CHANNEL_CREATE`: a channel exists (inbound call arriving or originate starting).
    ChannelCreate,
    /// `CHANNEL_PROGRESS`: the far end is ringing (180).
    ChannelProgress,
    /// `CHANNEL_PROGRESS_MEDIA`: early media (183).
    ChannelProgressMedia,
    /// `CHANNEL_ANSWER`: the call is answered.
    ChannelAnswer,
    /// `CHANNEL_BRIDGE`: two legs are bridged.
    ChannelBridge,
    /// `CHANNEL_UNBRIDGE`: a bridge ended.
    ChannelUnbridge,
    /// `CHANNEL_PARK`: the channel is parked, waiting for commands.
    ChannelPark,
    /// `CHANNEL_EXECUTE`: an application started.
    ChannelExecute,
    /// `CHANNEL_EXECUTE_COMPLETE`: an application finished (`Application-Response`).
    ChannelExecuteComplete,
    /// `CHANNEL_HANGUP`: the call is hanging up (`Hangup-Cause`).
    ChannelHangup,
    /// `CHANNEL_HANGUP_COMPLETE`: the full call record, every `variable_*`.
    ChannelHangupComplete,
    /// `CHANNEL_DESTROY`: the channel is gone.
    ChannelDestroy,
    /// `CHANNEL_STATE`: a state machine transition.
    ChannelState,
    /// `CHANNEL_CALLSTATE`: a call state change.
    ChannelCallstate,
    /// `CHANNEL_ORIGINATE`: an originate produced this channel.
    ChannelOriginate,
    /// `CHANNEL_HOLD`.
    ChannelHold,
    /// `CHANNEL_UNHOLD`.
    ChannelUnhold,
    /// `DTMF`: a digit (`DTMF-Digit`, `DTMF-Duration`).
    Dtmf,
    /// `RECORD_START`.
    RecordStart,
    /// `RECORD_STOP`.
    RecordStop,
    /// `PLAYBACK_START`.
    PlaybackStart,
    /// `PLAYBACK_STOP`.
    PlaybackStop,
    /// `DETECTED_SPEECH`: a speech recognition result.
    DetectedSpeech,
    /// `BACKGROUND_JOB`: the result of a `bgapi` command (body), matched by `Job-UUID`.
    BackgroundJob,
    /// `HEARTBEAT`: the switch is alive (every 20 s by default).
    Heartbeat,
    /// `CUSTOM`: see `Event-Subclass`.
    Custom,
    /// `API`: an api command ran.
    Api,
    /// `SHUTDOWN`: the switch is stopping.
    Shutdown,
    /// Any other name.
    Other,
}

const NAMES: &[(EventName, &str)] = &[
    (EventName::ChannelCreate, "CHANNEL_CREATE"),
    (EventName::ChannelProgress, "CHANNEL_PROGRESS"),
    (EventName::ChannelProgressMedia, "CHANNEL_PROGRESS_MEDIA"),
    (EventName::ChannelAnswer, "CHANNEL_ANSWER"),
    (EventName::ChannelBridge, "CHANNEL_BRIDGE"),
    (EventName::ChannelUnbridge, "CHANNEL_UNBRIDGE"),
    (EventName::ChannelPark, "CHANNEL_PARK"),
    (EventName::ChannelExecute, "CHANNEL_EXECUTE"),
    (
        EventName::ChannelExecuteComplete,
        "CHANNEL_EXECUTE_COMPLETE",
    ),
    (EventName::ChannelHangup, "CHANNEL_HANGUP"),
    (EventName::ChannelHangupComplete, "CHANNEL_HANGUP_COMPLETE"),
    (EventName::ChannelDestroy, "CHANNEL_DESTROY"),
    (EventName::ChannelState, "CHANNEL_STATE"),
    (EventName::ChannelCallstate, "CHANNEL_CALLSTATE"),
    (EventName::ChannelOriginate, "CHANNEL_ORIGINATE"),
    (EventName::ChannelHold, "CHANNEL_HOLD"),
    (EventName::ChannelUnhold, "CHANNEL_UNHOLD"),
    (EventName::Dtmf, "DTMF"),
    (EventName::RecordStart, "RECORD_START"),
    (EventName::RecordStop, "RECORD_STOP"),
    (EventName::PlaybackStart, "PLAYBACK_START"),
    (EventName::PlaybackStop, "PLAYBACK_STOP"),
    (EventName::DetectedSpeech, "DETECTED_SPEECH"),
    (EventName::BackgroundJob, "BACKGROUND_JOB"),
    (EventName::Heartbeat, "HEARTBEAT"),
    (EventName::Custom, "CUSTOM"),
    (EventName::Api, "API"),
    (EventName::Shutdown, "SHUTDOWN"),
];

impl EventName {
    /// The wire name (`CHANNEL_ANSWER`); `""` for [`EventName::Other`].
    pub fn as_str(self) -> &'static str {
        NAMES
            .iter()
            .find(|(n, _)| *n == self)
            .map_or("", |(_, s)| s)
    }

    /// Maps a wire name (case-insensitive) to its variant, [`EventName::Other`] if unknown.
    pub fn parse(name: &str) -> EventName {
        NAMES
            .iter()
            .find(|(_, s)| s.eq_ignore_ascii_case(name))
            .map_or(EventName::Other, |(n, _)| *n)
    }
}

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (n, s) in NAMES {
            assert_eq!(EventName::parse(s), *n);
            assert_eq!(n.as_str(), *s);
        }
        assert_eq!(EventName::parse("channel_answer"), EventName::ChannelAnswer);
        assert_eq!(EventName::parse("MESSAGE_WAITING"), EventName::Other);
        assert_eq!(EventName::Other.as_str(), "");
    }
}
