//! The states a channel goes through, named as FreeSWITCH names them in events.

/// FreeSWITCH's channel state machine (`Channel-State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// Just created.
    New,
    /// Initialised.
    Init,
    /// Looking for what to run.
    Routing,
    /// Running applications.
    Execute,
    /// Media flows between two bridged legs.
    ExchangeMedia,
    /// Parked: waiting for a controller.
    Park,
    /// Hanging up.
    Hangup,
    /// Writing its final report.
    Reporting,
    /// Gone.
    Destroy,
}

impl ChannelState {
    /// `CS_…` name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelState::New => "CS_NEW",
            ChannelState::Init => "CS_INIT",
            ChannelState::Routing => "CS_ROUTING",
            ChannelState::Execute => "CS_EXECUTE",
            ChannelState::ExchangeMedia => "CS_EXCHANGE_MEDIA",
            ChannelState::Park => "CS_PARK",
            ChannelState::Hangup => "CS_HANGUP",
            ChannelState::Reporting => "CS_REPORTING",
            ChannelState::Destroy => "CS_DESTROY",
        }
    }

    /// `Channel-State-Number`.
    pub fn number(self) -> u8 {
        match self {
            ChannelState::New => 0,
            ChannelState::Init => 1,
            ChannelState::Routing => 2,
            ChannelState::Execute => 4,
            ChannelState::ExchangeMedia => 5,
            ChannelState::Park => 6,
            ChannelState::Hangup => 10,
            ChannelState::Reporting => 11,
            ChannelState::Destroy => 12,
        }
    }
}

/// What the call looks like from outside (`Channel-Call-State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Nothing yet.
    Down,
    /// Outbound INVITE sent.
    Dialing,
    /// Ringing (180).
    Ringing,
    /// Early media (183).
    Early,
    /// Answered.
    Active,
    /// On hold.
    Held,
    /// Ended.
    Hangup,
}

impl CallState {
    /// Name used in events.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Down => "DOWN",
            CallState::Dialing => "DIALING",
            CallState::Ringing => "RINGING",
            CallState::Early => "EARLY",
            CallState::Active => "ACTIVE",
            CallState::Held => "HELD",
            CallState::Hangup => "HANGUP",
        }
    }

    /// `Answer-State` as FreeSWITCH reports it.
    pub fn answer_state(self) -> &'static str {
        match self {
            CallState::Down | CallState::Dialing | CallState::Ringing => "ringing",
            CallState::Early => "early",
            CallState::Active | CallState::Held => "answered",
            CallState::Hangup => "hangup",
        }
    }
}

/// Which way the call goes, seen from the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A call that arrived.
    Inbound,
    /// A call the switch placed.
    Outbound,
}

impl Direction {
    /// `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}
