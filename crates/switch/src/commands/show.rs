//! `show channels` (CSV, or `as json`) and `show channels count`.

use serde_json::{Map, Value, json};

use crate::channel::data::ChannelData;
use crate::core::Core;

const COLUMNS: [&str; 15] = [
    "uuid",
    "direction",
    "created",
    "created_epoch",
    "name",
    "state",
    "cid_name",
    "cid_num",
    "ip_addr",
    "dest",
    "application",
    "application_data",
    "read_codec",
    "callstate",
    "call_uuid",
];

fn row(d: &ChannelData) -> Vec<String> {
    vec![
        d.uuid.to_string(),
        d.direction.as_str().into(),
        crate::channel::data::stamp(d.times.created),
        (d.times.created / 1_000_000).to_string(),
        d.name.clone(),
        d.state.as_str().into(),
        d.caller.caller_id_name.clone(),
        d.caller.caller_id_number.clone(),
        d.caller.network_addr.clone(),
        d.caller.destination_number.clone(),
        d.vars
            .get("current_application")
            .cloned()
            .unwrap_or_default(),
        d.vars
            .get("current_application_data")
            .cloned()
            .unwrap_or_default(),
        d.vars.get("read_codec").cloned().unwrap_or_default(),
        d.call_state.as_str().into(),
        d.uuid.to_string(),
    ]
}

/// `show <what>`.
pub fn show(core: &Core, args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        ["channels", "count"] | ["calls", "count"] => {
            format!("\n{} total.\n", core.channels().len())
        }
        ["channels", "as", "json"] | ["calls", "as", "json"] => {
            let rows: Vec<Value> = core
                .channels()
                .iter()
                .map(|c| {
                    let values = row(&c.data.read());
                    let obj: Map<String, Value> = COLUMNS
                        .iter()
                        .zip(values)
                        .map(|(k, v)| ((*k).to_owned(), Value::String(v)))
                        .collect();
                    Value::Object(obj)
                })
                .collect();
            if rows.is_empty() {
                json!({"row_count": 0}).to_string()
            } else {
                json!({"row_count": rows.len(), "rows": rows}).to_string()
            }
        }
        ["channels"] | ["calls"] => {
            let channels = core.channels();
            let mut out = COLUMNS.join(",");
            out.push('\n');
            for c in &channels {
                out.push_str(
                    &row(&c.data.read())
                        .iter()
                        .map(|v| v.replace(',', " "))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push('\n');
            }
            out.push_str(&format!("\n{} total.\n", channels.len()));
            out
        }
        _ => format!(
            "-ERR show {args}: try `show channels`, `show channels as json` or `show channels count`\n"
        ),
    }
}
