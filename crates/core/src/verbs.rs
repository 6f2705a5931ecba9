//! Application documents: the verbs a call runs once answered, parsed into typed verbs before
//! anything runs so that a broken document is refused with a clear error instead of failing
//! mid-call.
//!
//! The JSON form is an array of objects, each naming its verb:
//! `[{"verb":"pause","length":2},{"verb":"hangup"}]`. A call whose document runs out is hung
//! up, as Twilio does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The longest `pause`, in seconds (Twilio's limit is 3600 as well).
pub const MAX_PAUSE_SECONDS: u32 = 3600;

/// The most verbs one document may hold.
pub const MAX_VERBS: usize = 1000;

/// One step of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "lowercase", deny_unknown_fields)]
pub enum Verb {
    /// Waits silently.
    Pause {
        /// Seconds (1 by default).
        #[serde(default = "one")]
        length: u32,
    },
    /// Ends the call.
    Hangup {
        /// Why (`rejected`, `busy` or none for a normal hangup).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<HangupReason>,
    },
}

fn one() -> u32 {
    1
}

/// The reason a `hangup` verb gives the media server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HangupReason {
    /// `CALL_REJECTED`.
    Rejected,
    /// `USER_BUSY`.
    Busy,
}

impl Verb {
    /// The hangup cause the media server should use for a `hangup` verb.
    pub fn hangup_cause(reason: Option<HangupReason>) -> &'static str {
        match reason {
            None => "NORMAL_CLEARING",
            Some(HangupReason::Rejected) => "CALL_REJECTED",
            Some(HangupReason::Busy) => "USER_BUSY",
        }
    }
}

/// Why a document was refused: which verb (by index) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct VerbError {
    /// Where, e.g. `application[2].length`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Parses an application document (`field` names it in errors, e.g. `application`).
pub fn parse(field: &str, doc: &Value) -> Result<Vec<Verb>, VerbError> {
    let err = |path: String, message: String| VerbError { path, message };
    let Some(items) = doc.as_array() else {
        return Err(err(field.into(), "must be an array of verbs".into()));
    };
    if items.is_empty() {
        return Err(err(field.into(), "must hold at least one verb".into()));
    }
    if items.len() > MAX_VERBS {
        return Err(err(
            field.into(),
            format!("may hold at most {MAX_VERBS} verbs"),
        ));
    }
    let mut verbs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let Some(name) = item.get("verb").and_then(Value::as_str) else {
            return Err(err(at, "must be an object with a `verb` name".into()));
        };
        if !matches!(name, "pause" | "hangup") {
            return Err(err(
                format!("{at}.verb"),
                format!("`{name}` is not a verb this platform runs (pause, hangup)"),
            ));
        }
        let verb: Verb = serde_json::from_value(item.clone())
            .map_err(|e| err(at.clone(), format!("invalid `{name}`: {e}")))?;
        if let Verb::Pause { length } = verb
            && !(1..=MAX_PAUSE_SECONDS).contains(&length)
        {
            return Err(err(
                format!("{at}.length"),
                format!("must be between 1 and {MAX_PAUSE_SECONDS} seconds"),
            ));
        }
        verbs.push(verb);
    }
    Ok(verbs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_pause_and_hangup() {
        let v = parse(
            "application",
            &json!([{"verb":"pause","length":2},{"verb":"pause"},{"verb":"hangup","reason":"busy"}]),
        )
        .unwrap();
        assert_eq!(
            v,
            [
                Verb::Pause { length: 2 },
                Verb::Pause { length: 1 },
                Verb::Hangup {
                    reason: Some(HangupReason::Busy)
                }
            ]
        );
        assert_eq!(Verb::hangup_cause(Some(HangupReason::Busy)), "USER_BUSY");
    }

    #[test]
    fn errors_name_the_verb() {
        let e = parse("application", &json!({"verb":"pause"})).unwrap_err();
        assert_eq!(e.path, "application");
        let e = parse("application", &json!([])).unwrap_err();
        assert!(e.message.contains("at least one"));
        let e = parse("application", &json!([{"verb":"hangup"},{"verb":"dance"}])).unwrap_err();
        assert_eq!(e.path, "application[1].verb");
        let e = parse("application", &json!([{"verb":"pause","length":0}])).unwrap_err();
        assert_eq!(e.path, "application[0].length");
        let e = parse("application", &json!([{"verb":"pause","lenght":3}])).unwrap_err();
        assert_eq!(e.path, "application[0]");
        assert!(e.message.contains("lenght"), "{e}");
        let e = parse("application", &json!([{"length":3}])).unwrap_err();
        assert!(e.message.contains("`verb`"));
    }
}
