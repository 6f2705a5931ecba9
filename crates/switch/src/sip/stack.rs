//! The SIP endpoint: UDP and TCP listeners on one address, RFC 3261 transactions and dialogs
//! from rsipstack, and a dispatcher that turns what arrives into [`SipEvent`]s for the switch.
//! Calls can also be placed over TLS (outbound connections verified against
//! [`super::tls_trust`]); the switch does not listen for TLS.
//!
//! Out-of-dialog OPTIONS are answered here; everything that concerns a call (a new INVITE,
//! in-dialog requests, dialog state changes) goes to the switch core.

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::{Dialog, DialogStateReceiver, DialogStateSender};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::TlsConfig;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What the SIP stack hands to the switch core.
pub enum SipEvent {
    /// A new call: the dialog is created (no answer sent yet beyond 100 Trying).
    Invite {
        /// The server dialog, to answer, reject or end the call with.
        dialog: InviteDialog,
        /// Where the INVITE came from.
        source: Option<SocketAddr>,
    },
    /// A REGISTER request, for the registrar.
    Register(Box<Transaction>),
    /// A dialog changed state (ACK received, BYE, CANCEL, re-INVITE, INFO, …).
    DialogState(Box<rsipstack::dialog::dialog::DialogState>),
}

/// A running SIP endpoint.
pub struct SipStack {
    /// The transaction endpoint (to send requests, read local addresses).
    pub endpoint: EndpointInnerRef,
    /// The dialog layer (to place calls and find dialogs).
    pub dialogs: Arc<DialogLayer>,
    /// Sender for dialog state changes (every dialog we create reports here).
    pub state_sender: DialogStateSender,
    /// The address SIP listens on.
    pub local_addr: SocketAddr,
    cancel: CancellationToken,
}

impl SipStack {
    /// Binds UDP and TCP on `addr` and starts the endpoint; calls placed over TLS trust the
    /// certificates in `tls_trust` (PEM, see [`super::tls_trust`]). Returns the stack and the
    /// stream of events for the switch core.
    pub async fn start(
        addr: SocketAddr,
        user_agent: &str,
        tls_trust: Option<Vec<u8>>,
    ) -> anyhow::Result<(Arc<SipStack>, mpsc::Receiver<SipEvent>)> {
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        if let Some(pem) = tls_trust {
            transport.set_tls_config(TlsConfig {
                ca_certs: Some(pem),
                ..TlsConfig::default()
            });
        }
        let udp = UdpConnection::create_connection(addr, None, Some(cancel.child_token()))
            .await
            .map_err(|e| anyhow::anyhow!("cannot bind SIP UDP on {addr}: {e}"))?;
        let local_addr = udp
            .get_addr()
            .get_socketaddr()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        transport.add_transport(udp.into());
        let tcp_addr = SocketAddr::new(local_addr.ip(), local_addr.port());
        let tcp = TcpListenerConnection::new(tcp_addr, None)
            .await
            .map_err(|e| anyhow::anyhow!("cannot bind SIP TCP on {tcp_addr}: {e}"))?;
        transport.add_transport(tcp.into());

        let endpoint = EndpointBuilder::new()
            .with_user_agent(user_agent)
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_allows(vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Info,
                Method::Register,
                Method::Update,
            ])
            .build();
        let incoming = endpoint
            .incoming_transactions()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let inner = endpoint.inner.clone();
        let serve = inner.clone();
        tokio::spawn(async move {
            if let Err(e) = serve.serve().await {
                tracing::error!(error = %e, "SIP endpoint stopped");
            }
        });
        // Keep the builder's handle alive for as long as the stack lives.
        let keep = endpoint;
        let dialogs = Arc::new(DialogLayer::new(inner.clone()));
        let (state_sender, state_receiver) = dialogs.new_dialog_state_channel();
        let (events, rx) = mpsc::channel(1024);
        let stack = Arc::new(SipStack {
            endpoint: inner,
            dialogs,
            state_sender,
            local_addr,
            cancel,
        });
        tokio::spawn(dispatch(stack.clone(), incoming, events.clone(), keep));
        tokio::spawn(forward_states(state_receiver, events));
        Ok((stack, rx))
    }

    /// The Contact URI of the switch.
    pub fn contact(&self, user: Option<&str>) -> rsipstack::sip::Uri {
        let host = format!("{}", self.local_addr);
        let text = match user {
            Some(u) if !u.is_empty() => format!("sip:{u}@{host}"),
            _ => format!("sip:{host}"),
        };
        rsipstack::sip::Uri::try_from(text.as_str()).unwrap_or_default()
    }

    /// Stops listening and ends every transaction.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

async fn forward_states(mut states: DialogStateReceiver, events: mpsc::Sender<SipEvent>) {
    while let Some(state) = states.recv().await {
        if events
            .send(SipEvent::DialogState(Box::new(state)))
            .await
            .is_err()
        {
            break;
        }
    }
}

async fn dispatch(
    stack: Arc<SipStack>,
    mut incoming: TransactionReceiver,
    events: mpsc::Sender<SipEvent>,
    _endpoint: rsipstack::transaction::endpoint::Endpoint,
) {
    while let Some(mut tx) = incoming.recv().await {
        let method = tx.original.method;
        // In-dialog requests (BYE, re-INVITE, INFO, …) go to their dialog.
        if let Some(dialog) = stack.dialogs.match_dialog(&tx) {
            tokio::spawn(async move {
                let result = match dialog {
                    Dialog::Invite(mut d) => d.handle(&mut tx).await,
                    other => {
                        let _ = other;
                        tx.reply(StatusCode::MethodNotAllowed).await
                    }
                };
                if let Err(e) = result {
                    tracing::debug!(error = %e, %method, "in-dialog request failed");
                }
            });
            continue;
        }
        match method {
            Method::Invite => {
                if has_to_tag(&tx) {
                    // A re-INVITE for a dialog we do not know.
                    let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    continue;
                }
                let contact = stack.contact(None);
                let server = match stack.dialogs.get_or_create_server_invite(
                    &tx,
                    stack.state_sender.clone(),
                    None,
                    Some(contact),
                ) {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::debug!(error = %e, "cannot create a dialog for an INVITE");
                        let _ = tx.reply(StatusCode::BadRequest).await;
                        continue;
                    }
                };
                let source = source_of(&tx);
                if events
                    .send(SipEvent::Invite {
                        dialog: server.clone(),
                        source,
                    })
                    .await
                    .is_err()
                {
                    break;
                }
                let mut server = server;
                tokio::spawn(async move {
                    if let Err(e) = server.handle(&mut tx).await {
                        tracing::debug!(error = %e, "INVITE transaction ended with an error");
                    }
                });
            }
            Method::Register => {
                if events.send(SipEvent::Register(Box::new(tx))).await.is_err() {
                    break;
                }
            }
            Method::Options => {
                let allow = Header::Allow(
                    "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER, UPDATE".into(),
                );
                let _ = tx.reply_with(StatusCode::OK, vec![allow], None).await;
            }
            Method::Ack => {}
            Method::Bye | Method::Cancel | Method::Info | Method::Update => {
                let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
            }
            _ => {
                let _ = tx.reply(StatusCode::NotImplemented).await;
            }
        }
    }
}

fn has_to_tag(tx: &Transaction) -> bool {
    use rsipstack::sip::prelude::HeadersExt;
    tx.original
        .to_header()
        .ok()
        .and_then(|t| t.tag().ok().flatten())
        .is_some()
}

fn source_of(tx: &Transaction) -> Option<SocketAddr> {
    use rsipstack::sip::ToTypedHeader;
    use rsipstack::sip::prelude::HeadersExt;
    let via = tx.original.via_header().ok()?;
    let typed = via.typed().ok()?;
    let received = typed.received().and_then(Result::ok);
    let port: Option<u16> = typed.rport().flatten().or(typed
        .uri
        .host_with_port
        .port
        .map(|p| p.value()));
    let host = received
        .map(|r| r.to_string())
        .unwrap_or_else(|| typed.uri.host_with_port.host.to_string());
    format!("{host}:{}", port.unwrap_or(5060)).parse().ok()
}
