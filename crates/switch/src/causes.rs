//! Hangup causes, named and numbered as FreeSWITCH does (Q.850), and their mapping to and
//! from SIP status codes, so that controllers see the same causes from either media server.

use std::fmt;
use std::str::FromStr;

macro_rules! causes {
    ($($variant:ident = $q850:expr, $name:expr;)*) => {
        /// Why a channel ended.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HangupCause {
            $(
                #[doc = concat!("`", $name, "` (Q.850 ", stringify!($q850), ").")]
                $variant,
            )*
        }

        impl HangupCause {
            /// The FreeSWITCH name, e.g. `NORMAL_CLEARING`.
            pub fn as_str(self) -> &'static str {
                match self { $(HangupCause::$variant => $name,)* }
            }

            /// The Q.850 cause value.
            pub fn q850(self) -> u16 {
                match self { $(HangupCause::$variant => $q850,)* }
            }
        }

        impl FromStr for HangupCause {
            type Err = UnknownCause;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let upper = s.trim().to_ascii_uppercase();
                match upper.as_str() {
                    $($name => Ok(HangupCause::$variant),)*
                    other => other
                        .parse::<u16>()
                        .ok()
                        .and_then(HangupCause::from_q850)
                        .ok_or_else(|| UnknownCause(s.to_owned())),
                }
            }
        }

        impl HangupCause {
            /// The cause with this Q.850 value, if we know it.
            pub fn from_q850(code: u16) -> Option<Self> {
                match code { $($q850 => Some(HangupCause::$variant),)* _ => None }
            }
        }
    };
}

causes! {
    Unallocated = 1, "UNALLOCATED_NUMBER";
    NoRouteDestination = 3, "NO_ROUTE_DESTINATION";
    NormalClearing = 16, "NORMAL_CLEARING";
    UserBusy = 17, "USER_BUSY";
    NoUserResponse = 18, "NO_USER_RESPONSE";
    NoAnswer = 19, "NO_ANSWER";
    SubscriberAbsent = 20, "SUBSCRIBER_ABSENT";
    CallRejected = 21, "CALL_REJECTED";
    NumberChanged = 22, "NUMBER_CHANGED";
    Redirection = 23, "REDIRECTION_TO_NEW_DESTINATION";
    ExchangeRoutingError = 25, "EXCHANGE_ROUTING_ERROR";
    DestinationOutOfOrder = 27, "DESTINATION_OUT_OF_ORDER";
    InvalidNumberFormat = 28, "INVALID_NUMBER_FORMAT";
    FacilityRejected = 29, "FACILITY_REJECTED";
    NormalUnspecified = 31, "NORMAL_UNSPECIFIED";
    NormalCircuitCongestion = 34, "NORMAL_CIRCUIT_CONGESTION";
    NetworkOutOfOrder = 38, "NETWORK_OUT_OF_ORDER";
    NormalTemporaryFailure = 41, "NORMAL_TEMPORARY_FAILURE";
    SwitchCongestion = 42, "SWITCH_CONGESTION";
    OutgoingCallBarred = 52, "OUTGOING_CALL_BARRED";
    IncomingCallBarred = 54, "INCOMING_CALL_BARRED";
    BearerCapabilityNotAuthorized = 57, "BEARERCAPABILITY_NOTAUTH";
    BearerCapabilityNotAvailable = 58, "BEARERCAPABILITY_NOTAVAIL";
    ServiceUnavailable = 63, "SERVICE_UNAVAILABLE";
    BearerCapabilityNotImplemented = 65, "BEARERCAPABILITY_NOTIMPL";
    FacilityNotImplemented = 69, "FACILITY_NOT_IMPLEMENTED";
    ServiceNotImplemented = 79, "SERVICE_NOT_IMPLEMENTED";
    IncompatibleDestination = 88, "INCOMPATIBLE_DESTINATION";
    InvalidMessage = 95, "INVALID_MSG_UNSPECIFIED";
    MandatoryIeMissing = 96, "MANDATORY_IE_MISSING";
    RecoveryOnTimerExpire = 102, "RECOVERY_ON_TIMER_EXPIRE";
    ProtocolError = 111, "PROTOCOL_ERROR";
    Interworking = 127, "INTERWORKING";
    OriginatorCancel = 487, "ORIGINATOR_CANCEL";
    Crash = 500, "CRASH";
    SystemShutdown = 501, "SYSTEM_SHUTDOWN";
    LoseRace = 502, "LOSE_RACE";
    ManagerRequest = 503, "MANAGER_REQUEST";
    BlindTransfer = 600, "BLIND_TRANSFER";
    AttendedTransfer = 601, "ATTENDED_TRANSFER";
    AllottedTimeout = 602, "ALLOTTED_TIMEOUT";
    UserChallenge = 603, "USER_CHALLENGE";
    MediaTimeout = 604, "MEDIA_TIMEOUT";
    PickedOff = 605, "PICKED_OFF";
    UserNotRegistered = 606, "USER_NOT_REGISTERED";
    ProgressTimeout = 607, "PROGRESS_TIMEOUT";
    GatewayDown = 609, "GATEWAY_DOWN";
}

/// A cause name or number we do not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown hangup cause `{0}`")]
pub struct UnknownCause(pub String);

impl fmt::Display for HangupCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl HangupCause {
    /// The cause reported for a final SIP failure response to an outgoing INVITE.
    ///
    /// This follows mod_sofia's table, except that 480 and 408 are reported as `NO_ANSWER`
    /// (mod_sofia says `NO_USER_RESPONSE` and `RECOVERY_ON_TIMER_EXPIRE`): for a controller
    /// both mean "nobody picked up", which is what IRISX reports as `no-answer`.
    pub fn from_sip_status(status: u16) -> HangupCause {
        use HangupCause::*;
        match status {
            200..=299 => NormalClearing,
            401 | 402 | 403 | 407 | 603 | 608 => CallRejected,
            404 => Unallocated,
            485 | 604 => NoRouteDestination,
            408 | 480 => NoAnswer,
            504 => RecoveryOnTimerExpire,
            410 => NumberChanged,
            413 | 414 | 416 | 420 | 421 | 423 | 505 | 513 => Interworking,
            400 | 481 | 500 | 503 => NormalTemporaryFailure,
            486 | 600 => UserBusy,
            484 => InvalidNumberFormat,
            488 | 606 => IncompatibleDestination,
            487 => OriginatorCancel,
            502 => NetworkOutOfOrder,
            405 => ServiceUnavailable,
            406 | 415 | 501 => ServiceNotImplemented,
            482 | 483 => ExchangeRoutingError,
            _ => NormalUnspecified,
        }
    }

    /// The SIP status the switch answers an unanswered inbound INVITE with when the channel
    /// is hung up with this cause (as mod_sofia's `hangup_cause_to_sip`).
    pub fn to_sip_status(self) -> u16 {
        use HangupCause::*;
        match self {
            Unallocated | NoRouteDestination => 404,
            UserBusy => 486,
            NoUserResponse => 408,
            NoAnswer | SubscriberAbsent => 480,
            CallRejected => 603,
            NumberChanged | Redirection => 410,
            DestinationOutOfOrder => 502,
            InvalidNumberFormat => 484,
            FacilityRejected => 501,
            NormalUnspecified => 480,
            NormalCircuitCongestion
            | SwitchCongestion
            | NormalTemporaryFailure
            | NetworkOutOfOrder => 503,
            ServiceUnavailable => 503,
            OutgoingCallBarred | IncomingCallBarred | BearerCapabilityNotAuthorized => 403,
            BearerCapabilityNotAvailable
            | BearerCapabilityNotImplemented
            | IncompatibleDestination => 488,
            FacilityNotImplemented | ServiceNotImplemented => 501,
            RecoveryOnTimerExpire | ProgressTimeout => 504,
            OriginatorCancel => 487,
            UserNotRegistered => 480,
            GatewayDown => 502,
            _ => 480,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_sip() {
        assert_eq!(
            "user_busy".parse::<HangupCause>().unwrap(),
            HangupCause::UserBusy
        );
        assert_eq!("17".parse::<HangupCause>().unwrap(), HangupCause::UserBusy);
        assert!("NOT_A_CAUSE".parse::<HangupCause>().is_err());
        assert_eq!(HangupCause::NormalClearing.q850(), 16);
        assert_eq!(HangupCause::from_sip_status(486), HangupCause::UserBusy);
        assert_eq!(HangupCause::from_sip_status(480), HangupCause::NoAnswer);
        assert_eq!(HangupCause::from_sip_status(408), HangupCause::NoAnswer);
        assert_eq!(HangupCause::from_sip_status(404), HangupCause::Unallocated);
        assert_eq!(
            HangupCause::from_sip_status(503),
            HangupCause::NormalTemporaryFailure
        );
        assert_eq!(
            HangupCause::from_sip_status(699),
            HangupCause::NormalUnspecified
        );
        assert_eq!(HangupCause::UserBusy.to_sip_status(), 486);
        assert_eq!(HangupCause::OriginatorCancel.to_sip_status(), 487);
        for c in [
            HangupCause::NormalClearing,
            HangupCause::GatewayDown,
            HangupCause::MediaTimeout,
        ] {
            assert_eq!(c.as_str().parse::<HangupCause>().unwrap(), c);
        }
    }
}
