//! REGISTER requests: the registrar decides, this module speaks SIP (401 with a challenge,
//! 403, or 200 with the granted `Expires` and the Contact).

use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, StatusCode};
use rsipstack::transaction::transaction::Transaction;

use super::registrar::RegisterOutcome;
use crate::core::Core;

/// Answers one REGISTER.
pub fn handle(core: &std::sync::Arc<Core>, mut tx: Transaction) {
    let core = core.clone();
    tokio::spawn(async move {
        let req = &tx.original;
        let user = req
            .to_header()
            .ok()
            .and_then(|t| t.uri().ok())
            .and_then(|u| u.auth.map(|a| a.user))
            .unwrap_or_default();
        let contact_header = req
            .contact_header()
            .ok()
            .map(|c| c.value().to_owned())
            .unwrap_or_default();
        let contact = contact_header
            .split('<')
            .nth(1)
            .and_then(|s| s.split('>').next())
            .unwrap_or(contact_header.split(';').next().unwrap_or_default())
            .trim()
            .to_owned();
        let expires = req
            .expires_header()
            .and_then(|e| e.value().trim().parse::<u32>().ok())
            .or_else(|| {
                contact_header.split(';').find_map(|p| {
                    p.trim()
                        .strip_prefix("expires=")
                        .and_then(|v| v.parse().ok())
                })
            })
            .unwrap_or(3600);
        let authorization = req.authorization_header().map(|a| a.value().to_owned());
        let outcome = core
            .registrar
            .register(authorization.as_deref(), &user, &contact, expires);
        let result = match outcome {
            RegisterOutcome::Challenge(value) => {
                tx.reply_with(
                    StatusCode::Unauthorized,
                    vec![Header::WwwAuthenticate(value.into())],
                    None,
                )
                .await
            }
            RegisterOutcome::Forbidden => tx.reply(StatusCode::Forbidden).await,
            RegisterOutcome::Ok { expires } => {
                let mut headers = vec![Header::Expires(expires.to_string().into())];
                if expires > 0 {
                    headers.push(Header::Other(
                        "Contact".into(),
                        format!("<{contact}>;expires={expires}"),
                    ));
                }
                tx.reply_with(StatusCode::OK, headers, None).await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not answer REGISTER");
        }
    });
}
