//! The async client against a fake ESL server on 127.0.0.1 (`support/`): auth, api, bgapi
//! job resolution, event streams, filters, -ERR replies, reconnect with re-subscription,
//! liveness, stalls and close.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use esl::{Client, ClientConfig, ClientError, Command, Event, EventFormat, EventName, Originate};
use support::{Behaviour, start};

fn config(addr: &str) -> ClientConfig {
    let mut c = ClientConfig::new(addr, "ClueCon");
    c.command_timeout = Duration::from_secs(3);
    c.connect_timeout = Duration::from_secs(2);
    c.min_backoff = Duration::from_millis(20);
    c.max_backoff = Duration::from_millis(100);
    c
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

async fn next_event(stream: &mut esl::EventStream) -> std::sync::Arc<Event> {
    tokio::time::timeout(Duration::from_secs(3), stream.recv())
        .await
        .expect("an event in time")
        .expect("stream open")
        .expect("no lag")
}

#[tokio::test]
async fn auth_ok_bad_password_rejection_and_refused() {
    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    assert!(client.is_connected());
    assert_eq!(client.connections(), 1);
    let first = s.commands();
    assert_eq!(first[0], (0, Command::Auth("ClueCon".into())));
    assert_eq!(
        first[1],
        (
            0,
            Command::Event(
                EventFormat::Plain,
                vec!["BACKGROUND_JOB".into(), "HEARTBEAT".into()]
            )
        ),
        "the client subscribes to what it relies on"
    );

    let mut bad = config(&s.addr);
    bad.password = "wrong".into();
    assert_eq!(
        Client::connect(bad).await.err(),
        Some(ClientError::BadPassword)
    );

    let r = start(Behaviour {
        reject: true,
        ..Behaviour::default()
    })
    .await;
    assert_eq!(
        Client::connect(config(&r.addr)).await.err(),
        Some(ClientError::Rejected("Access Denied, go away.".into()))
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap().to_string();
    drop(listener);
    assert!(matches!(
        Client::connect(config(&closed)).await,
        Err(ClientError::Connect { .. })
    ));
}

#[tokio::test]
async fn api_and_err_replies() {
    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    assert_eq!(client.api("status").await.unwrap(), "UP 0 years, 0 days\n");
    assert_eq!(
        client.api("bogus").await,
        Err(ClientError::CommandFailed(
            "bogus Command not found!".into()
        ))
    );
    assert!(client.api_raw("bogus").await.unwrap().starts_with("-ERR"));
    assert_eq!(
        client.execute("missing", "playback", "x.wav").await,
        Err(ClientError::CommandFailed(
            "-ERR invalid session id [missing]".into()
        ))
    );
    assert_eq!(
        client.subscribe(&["NO_SUCH_EVENT"]).await,
        Err(ClientError::CommandFailed(
            "-ERR no keywords supplied".into()
        ))
    );
    client.execute("u-1", "playback", "x.wav").await.unwrap();
    client.hangup("u-1", "NORMAL_CLEARING").await.unwrap();
    // Replies were matched in order: the last two commands the server saw.
    let log = s.commands();
    assert!(matches!(&log[log.len() - 1].1, Command::SendMsg(m) if m.call_command == "hangup"));
    assert!(
        matches!(&log[log.len() - 2].1, Command::SendMsg(m) if m.app_name() == Some("playback"))
    );
}

#[tokio::test]
async fn many_concurrent_commands_get_their_own_replies() {
    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                c.api("status").await.map(|b| b.starts_with("UP"))
            } else {
                c.api("bogus").await.map(|_| false)
            }
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await.unwrap();
        if i % 2 == 0 {
            assert_eq!(r, Ok(true));
        } else {
            assert!(matches!(r, Err(ClientError::CommandFailed(_))));
        }
    }
}

#[tokio::test]
async fn events_arrive_as_a_typed_stream() {
    for format in [EventFormat::Plain, EventFormat::Json] {
        let s = start(Behaviour::default()).await;
        let mut cfg = config(&s.addr);
        cfg.event_format = format;
        let client = Client::connect(cfg).await.unwrap();
        client.subscribe(&["CHANNEL_ANSWER"]).await.unwrap();
        let mut events = client.events();
        client.api("fire DTMF").await.unwrap(); // not subscribed: not delivered
        client.api("fire CHANNEL_ANSWER").await.unwrap();
        let e = next_event(&mut events).await;
        assert_eq!(e.kind(), EventName::ChannelAnswer, "{format:?}");
        assert_eq!(e.unique_id(), Some("u-1"));
        assert_eq!(e.header("Caller-Caller-ID-Name"), Some("Jane Doe, Jr."));
        assert_eq!(e.variable("irisx_call_id"), Some("c-1"));
        client.unsubscribe(&["CHANNEL_ANSWER"]).await.unwrap();
        client.subscribe(&["DTMF"]).await.unwrap();
        client.api("fire CHANNEL_ANSWER").await.unwrap();
        client.api("fire DTMF").await.unwrap();
        assert_eq!(next_event(&mut events).await.kind(), EventName::Dtmf);
    }
}

#[tokio::test]
async fn bgapi_resolves_with_its_background_job() {
    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    let job = client.bgapi("status").await.unwrap();
    assert_eq!(job.await, Ok("+OK done\n".into()));
    let job = client.bgapi_with_job("status", "my-job-1").await.unwrap();
    assert_eq!(job.job_uuid(), "my-job-1");
    let event = job.event().await.unwrap();
    assert_eq!(event.job_uuid(), Some("my-job-1"));
    assert_eq!(event.header("Job-Command"), Some("status"));
    let job = client
        .originate(
            &Originate::new("user/1000")
                .uuid("c-9")
                .var("irisx_tenant", "t,1"),
        )
        .await
        .unwrap();
    assert_eq!(
        job.await,
        Err(ClientError::CommandFailed("NO_ANSWER".into()))
    );
    let log = s.commands();
    assert!(log.iter().any(|(_, c)| matches!(c,
        Command::BgApi(cmd, Some(_)) if cmd == r"originate {origination_uuid=c-9,irisx_tenant=t\,1}user/1000 &park()")));
}

#[tokio::test]
async fn bgapi_follows_a_server_chosen_job_uuid() {
    let s = start(Behaviour {
        own_job_uuid: true,
        ..Behaviour::default()
    })
    .await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    let job = client.bgapi_with_job("status", "mine").await.unwrap();
    assert_eq!(job.job_uuid(), "server-chosen-job");
    assert_eq!(job.await, Ok("+OK done\n".into()));
}

#[tokio::test]
async fn filters_keep_background_jobs_flowing() {
    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    client.subscribe(&["CHANNEL_ANSWER"]).await.unwrap();
    client.filter("Unique-ID", "u-1").await.unwrap();
    assert_eq!(client.filters(), vec![("Unique-ID".into(), "u-1".into())]);
    // The server drops events that match no filter; the client's own filter lets the job
    // result through.
    assert_eq!(
        client.bgapi("status").await.unwrap().await,
        Ok("+OK done\n".into())
    );
    let mut events = client.events();
    client.api("fire CHANNEL_ANSWER").await.unwrap();
    assert_eq!(next_event(&mut events).await.unique_id(), Some("u-1"));
    client.filter_delete("Unique-ID", None).await.unwrap();
    assert!(client.filters().is_empty());
    let log: Vec<Command> = s.commands().into_iter().map(|(_, c)| c).collect();
    let added = Command::Filter("Event-Name".into(), "BACKGROUND_JOB".into());
    let removed = Command::FilterDelete("Event-Name".into(), Some("BACKGROUND_JOB".into()));
    let a = log
        .iter()
        .position(|c| *c == added)
        .expect("base filter added");
    let u = log
        .iter()
        .position(|c| *c == Command::Filter("Unique-ID".into(), "u-1".into()))
        .unwrap();
    assert!(a < u, "base filters go first");
    assert!(
        log.contains(&removed),
        "and go away with the last user filter"
    );
}

#[tokio::test]
async fn reconnects_and_replays_events_and_filters() {
    let s = start(Behaviour {
        drop_first_after_filter: true,
        ..Behaviour::default()
    })
    .await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    let mut events = client.events();
    client.subscribe(&["CHANNEL_ANSWER"]).await.unwrap();
    client.filter("Unique-ID", "u-1").await.unwrap();
    // The server hung up right after the filter; the client comes back by itself.
    eventually("a second connection", || client.connections() >= 2).await;
    assert!(client.is_connected());
    let second: Vec<Command> = s
        .commands()
        .into_iter()
        .filter(|(n, _)| *n == 1)
        .map(|(_, c)| c)
        .collect();
    assert_eq!(
        second,
        vec![
            Command::Auth("ClueCon".into()),
            Command::Event(
                EventFormat::Plain,
                vec![
                    "BACKGROUND_JOB".into(),
                    "HEARTBEAT".into(),
                    "CHANNEL_ANSWER".into()
                ]
            ),
            Command::Filter("Event-Name".into(), "BACKGROUND_JOB".into()),
            Command::Filter("Event-Name".into(), "HEARTBEAT".into()),
            Command::Filter("Unique-ID".into(), "u-1".into()),
        ],
        "subscriptions and filters replayed in order"
    );
    // The stream made before the drop keeps delivering.
    client.api("fire CHANNEL_ANSWER").await.unwrap();
    assert_eq!(
        next_event(&mut events).await.kind(),
        EventName::ChannelAnswer
    );
    assert_eq!(
        client.bgapi("status").await.unwrap().await,
        Ok("+OK done\n".into())
    );
}

#[tokio::test]
async fn a_server_that_stops_answering_fails_the_connect_with_a_timeout() {
    let s = start(Behaviour {
        silent: true,
        ..Behaviour::default()
    })
    .await;
    let mut c = config(&s.addr);
    c.connect_timeout = Duration::from_millis(300);
    // Auth is accepted, the subscription never answered.
    assert_eq!(
        Client::connect(c).await.err(),
        Some(ClientError::Timeout(Duration::from_millis(300)))
    );
}

#[tokio::test]
async fn missing_heartbeats_replace_the_connection_and_heartbeats_keep_it() {
    // No heartbeats, no traffic: declared dead after the liveness period, pending commands
    // fail with Disconnected (not a timeout), and the client reconnects.
    let s = start(Behaviour::default()).await;
    let mut c = config(&s.addr);
    c.liveness = Some(Duration::from_millis(300));
    let client = Client::connect(c.clone()).await.unwrap();
    let started = std::time::Instant::now();
    eventually("a reconnect after silence", || client.connections() >= 2).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(s.connections.load(Ordering::SeqCst) >= 2);

    // Heartbeats every 100 ms keep the same connection for well over the liveness period.
    let s = start(Behaviour {
        heartbeat: Some(Duration::from_millis(100)),
        ..Behaviour::default()
    })
    .await;
    c.addr = s.addr.clone();
    let client = Client::connect(c).await.unwrap();
    let mut events = client.events();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(client.connections(), 1);
    assert_eq!(s.connections.load(Ordering::SeqCst), 1);
    assert_eq!(next_event(&mut events).await.kind(), EventName::Heartbeat);
    assert!(client.api("status").await.is_ok());
}

#[tokio::test]
async fn a_stuck_command_times_out_and_the_connection_is_replaced() {
    let s = start(Behaviour::default()).await;
    let mut c = config(&s.addr);
    c.command_timeout = Duration::from_millis(200);
    c.stall_timeout = Some(Duration::from_millis(400));
    let client = Client::connect(c).await.unwrap();
    assert_eq!(
        client.api("slow").await,
        Err(ClientError::Timeout(Duration::from_millis(200)))
    );
    eventually("a reconnect after the stall", || client.connections() >= 2).await;
    assert_eq!(client.api("status").await.unwrap(), "UP 0 years, 0 days\n");
}

#[tokio::test]
async fn commands_fail_fast_while_disconnected_and_close_is_final() {
    let s = start(Behaviour {
        drop_first_after_filter: true,
        silent: false,
        ..Behaviour::default()
    })
    .await;
    let mut c = config(&s.addr);
    // Reconnect attempts are slow, so the client stays disconnected for a while.
    c.min_backoff = Duration::from_secs(2);
    let client = Client::connect(c).await.unwrap();
    client.filter("Unique-ID", "x").await.unwrap();
    eventually("the drop noticed", || !client.is_connected()).await;
    let t = std::time::Instant::now();
    assert_eq!(client.api("status").await, Err(ClientError::Disconnected));
    assert!(t.elapsed() < Duration::from_secs(1));
    client.close().await.unwrap();
    assert_eq!(client.api("status").await, Err(ClientError::Closed));

    let s = start(Behaviour::default()).await;
    let client = Client::connect(config(&s.addr)).await.unwrap();
    client.close().await.unwrap();
    assert_eq!(client.api("status").await, Err(ClientError::Closed));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        s.connections.load(Ordering::SeqCst),
        1,
        "no reconnect after close"
    );
    assert_eq!(
        s.commands().last().map(|c| c.1.clone()),
        Some(Command::Exit)
    );
}
