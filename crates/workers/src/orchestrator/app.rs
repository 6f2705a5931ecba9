//! The application of an answered call: the verbs of the inline document, or those returned
//! by the customer's `answer_url`, run in order; a call whose document runs out is hung up.
//! After each verb the position is saved, so an orchestrator that adopts the call continues
//! with the next verb instead of starting over.
//!
//! The verb runtime proper (say, play, gather, record, dial, …) is the next capability; here
//! the verbs are `pause` (the media server's `sleep`) and `hangup`.

use std::time::Duration;

use esl::{EventName, SendMsg};
use irisx_core::verbs::{self, Verb};
use serde_json::{Value, json};
use uuid::Uuid;

use super::call::{CallTask, Ended};
use super::registry::Input;

/// Runs the application until it ends or the call does (`Some`: the call ended).
pub(super) async fn run(task: &mut CallTask, deadline: tokio::time::Instant) -> Option<Ended> {
    let program = match load(task).await {
        Ok(p) => p,
        Err(reason) => {
            tracing::warn!(call_id = %task.call.id, %reason, "application unavailable; hanging up");
            task.ctx.note_reason(task.call.id, &reason).await;
            task.kill("NORMAL_CLEARING").await;
            return None;
        }
    };
    let start = task.call.verb_index.max(0) as usize;
    for (i, verb) in program.iter().enumerate().skip(start) {
        if task.hangup_requested {
            break;
        }
        let ended = match verb {
            Verb::Pause { length } => pause(task, *length, deadline).await,
            Verb::Hangup { reason } => {
                task.kill(Verb::hangup_cause(*reason)).await;
                None
            }
        };
        if ended.is_some() {
            return ended;
        }
        let _ = irisx_store::calls::set_verb_index(&task.ctx.db, task.call.id, i as i32 + 1).await;
        if matches!(verb, Verb::Hangup { .. }) {
            return None;
        }
    }
    task.kill("NORMAL_CLEARING").await;
    None
}

/// The verbs to run: the inline document, or the customer's answer.
async fn load(task: &CallTask) -> Result<Vec<Verb>, String> {
    if let Some(doc) = &task.call.application {
        return verbs::parse("application", doc).map_err(|e| e.to_string());
    }
    let Some(url) = &task.call.answer_url else {
        return Err("the call has no application".into());
    };
    crate::outbound_http::check_url(url, task.ctx.public_only)
        .map_err(|why| format!("answer_url {why}"))?;
    let c = &task.call;
    let body = json!({
        "call_id": c.id, "tenant_id": c.tenant_id, "direction": c.direction,
        "from": c.from_uri, "to": c.to_uri, "status": "answered", "metadata": c.metadata,
    });
    let resp = task
        .ctx
        .http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| {
            format!(
                "answer_url {url} unreachable: {}",
                crate::outbound_http::describe(&e)
            )
        })?;
    if !resp.status().is_success() {
        return Err(format!(
            "answer_url {url} answered HTTP {}",
            resp.status().as_u16()
        ));
    }
    let doc: Value = resp
        .json()
        .await
        .map_err(|e| format!("answer_url {url} did not return JSON: {e}"))?;
    verbs::parse("answer_url", &doc)
        .map_err(|e| format!("answer_url {url} returned an invalid application: {e}"))
}

/// `pause`: the media server's `sleep`, until it completes, the call ends or time is up.
async fn pause(task: &mut CallTask, seconds: u32, deadline: tokio::time::Instant) -> Option<Ended> {
    let app_uuid = Uuid::new_v4().to_string();
    let msg = SendMsg::execute(
        &task.leg.to_string(),
        "sleep",
        &(u64::from(seconds) * 1000).to_string(),
    )
    .event_uuid(&app_uuid);
    if let Err(e) = task.client.sendmsg(msg).await {
        tracing::warn!(call_id = %task.call.id, error = %e, "pause could not start");
        return None;
    }
    let guard = tokio::time::Instant::now() + Duration::from_secs(u64::from(seconds) + 10);
    loop {
        tokio::select! {
            input = task.rx.recv() => match input {
                None => return Some(Ended::Hangup(None)),
                Some(Input::Hangup) => {
                    task.hangup_requested = true;
                    task.kill("NORMAL_CLEARING").await;
                }
                Some(Input::Event(e)) if e.unique_id() == Some(task.leg.to_string().as_str()) => match e.kind() {
                    EventName::ChannelExecuteComplete if e.application_uuid() == Some(app_uuid.as_str()) => return None,
                    EventName::ChannelHangupComplete => return Some(Ended::Hangup(Some(e))),
                    _ => {}
                },
                Some(Input::Event(_)) => {}
            },
            _ = tokio::time::sleep_until(deadline) => return Some(task.wait_hangup(deadline).await),
            _ = tokio::time::sleep_until(guard) => return None,
        }
    }
}
