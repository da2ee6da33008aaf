use actix_sockjs::{BroadcastReport, Group, Message, MessageStream, Overflow, Session, SockJs};
use tokio::sync::mpsc;

use crate::common::client::{self, post, session_url, Ws};
use crate::{frame_messages, next, serve_one};

type HandlerFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// Members join a shared group; a message `send:N` from anyone makes the
/// server broadcast N numbered messages and report each broadcast's counts.
/// `count` reports the group's size.
fn room(
    group: Group,
) -> (
    impl Fn(Session, MessageStream) -> HandlerFuture + Send + Sync + 'static,
    mpsc::UnboundedReceiver<Vec<BroadcastReport>>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let handler = move |session: Session, mut messages: MessageStream| {
        let group = group.clone();
        let tx = tx.clone();
        Box::pin(async move {
            group.join(&session);
            let _ = session.try_send("joined");
            while let Some(m) = messages.recv().await {
                if let Some(n) = m.strip_prefix("send:") {
                    let n: usize = n.parse().unwrap_or(0);
                    let reports = (0..n)
                        .map(|i| group.broadcast(Message::prepared(i.to_string())))
                        .collect();
                    let _ = tx.send(reports);
                }
            }
        }) as HandlerFuture
    };
    (handler, rx)
}

async fn poll_messages(url: &str, want: usize) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < want {
        let body = post(&format!("{url}/xhr"), &[], "").await.text();
        if body != "h\n" {
            got.extend(frame_messages(&body));
        }
    }
    got
}

#[actix_web::test]
async fn group_broadcast_reaches_every_transport_in_order() {
    const N: usize = 300;
    let group = Group::new();
    let (handler, mut reports) = room(group.clone());
    let server = serve_one(SockJs::new(handler).queue_limit(N + 1, 1 << 20));
    let base = format!("{}/s", server.base());

    let mut ws = Ws::connect(&format!("{}/s/000/w/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "a[\"joined\"]");
    let poller = session_url(&base);
    post(&format!("{poller}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let streamer = session_url(&base);
    let mut stream = client::post_async(&format!("{streamer}/xhr_streaming"), &[]).await;
    stream.read().await;
    stream.expect("o\n").await;
    stream.expect("a[\"joined\"]\n").await;
    assert_eq!(poll_messages(&poller, 1).await, ["joined"]);
    assert_eq!(group.len(), 3);

    ws.send(&format!("[\"send:{N}\"]")).await;
    let sent = next(&mut reports).await;
    assert_eq!(sent.len(), N);
    assert!(
        sent.iter()
            .all(|r| r.queued == 3 && r.dropped == 0 && r.closed == 0),
        "{:?}",
        sent[0]
    );

    let expected: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    let mut from_ws = Vec::new();
    while from_ws.len() < N {
        from_ws.extend(frame_messages(&ws.recv_text().await));
    }
    assert_eq!(from_ws, expected, "websocket: all, in order, once");
    assert_eq!(poll_messages(&poller, N).await, expected, "xhr polling");
    let mut from_stream = Vec::new();
    while from_stream.len() < N {
        let chunk = stream.read_str().await;
        assert!(!chunk.is_empty(), "stream ended early");
        if chunk != "h\n" {
            from_stream.extend(frame_messages(&chunk));
        }
    }
    assert_eq!(from_stream, expected, "xhr streaming");
    ws.close().await;
}

#[actix_web::test]
async fn a_stalled_receiver_stalls_nobody_and_stays_within_its_bound() {
    const N: usize = 200;
    let group = Group::new();
    let (handler, mut reports) = room(group.clone());
    // Overflow::Wait (the default): a broadcast never waits, it drops.
    let server = serve_one(SockJs::new(handler).queue_limit(16, 1 << 20));
    let base = format!("{}/s", server.base());
    let stalled = session_url(&base);
    post(&format!("{stalled}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(
        poll_messages(&stalled, 1).await,
        ["joined"],
        "it is a member"
    );
    // Never polled again: its queue fills up.

    let mut ws = Ws::connect(&format!("{}/s/000/w/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "a[\"joined\"]");
    let mut got = Vec::new();
    for round in 0..N / 10 {
        ws.send("[\"send:10\"]").await;
        let sent = next(&mut reports).await;
        for r in &sent {
            assert_eq!(r.queued + r.dropped, 2, "round {round}: {r:?}");
        }
        while got.len() < (round + 1) * 10 {
            got.extend(frame_messages(&ws.recv_text().await));
        }
    }
    let expected: Vec<String> = (0..N / 10)
        .flat_map(|_| (0..10).map(|i| i.to_string()))
        .collect();
    assert_eq!(got, expected, "the live receiver got everything");
    let stalled_session = group
        .sessions()
        .into_iter()
        .find(|s| s.transport() == actix_sockjs::Transport::XhrPolling)
        .expect("stalled member");
    assert_eq!(stalled_session.queued().0, 16, "bounded by its queue");
    // What it did get is the first messages, in order.
    let first = poll_messages(&stalled, 16).await;
    let want: Vec<String> = expected.iter().take(16).cloned().collect();
    assert_eq!(first, want);
    ws.close().await;
}

#[actix_web::test]
async fn overflow_close_closes_only_the_slow_member_and_counts_it() {
    let group = Group::new();
    let (handler, mut reports) = room(group.clone());
    let server = serve_one(
        SockJs::new(handler)
            .queue_limit(4, 1 << 20)
            .overflow(Overflow::Close),
    );
    let base = format!("{}/s", server.base());
    let slow = session_url(&base);
    post(&format!("{slow}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let mut ws = Ws::connect(&format!("{}/s/000/w/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "a[\"joined\"]");
    ws.send("[\"send:3\"]").await;
    let sent = next(&mut reports).await;
    // The slow queue had "joined" + 3 = 4: full but not over.
    assert!(sent.iter().all(|r| r.queued == 2), "{sent:?}");
    // Drain the websocket before the next round so only the poller is slow.
    let mut got = Vec::new();
    while got.len() < 3 {
        got.extend(frame_messages(&ws.recv_text().await));
    }
    ws.send("[\"send:2\"]").await;
    let sent = next(&mut reports).await;
    assert_eq!(sent[0].queued, 1);
    assert_eq!(sent[0].closed, 1, "the slow member was closed: {sent:?}");
    assert_eq!(sent[1].queued, 1, "and has left the group: {sent:?}");
    assert_eq!(sent[1].closed, 0);
    assert_eq!(group.len(), 1);
    post(&format!("{slow}/xhr"), &[], "")
        .await
        .assert_body("c[1008,\"Send queue full\"]\n");
    ws.close().await;
}

#[actix_web::test]
async fn members_leave_their_groups_when_their_sessions_end() {
    let group = Group::new();
    let (handler, _reports) = room(group.clone());
    let (ended_tx, mut ended) = mpsc::unbounded_channel();
    let watched = group.clone();
    let service = SockJs::new(move |session: Session, messages: MessageStream| {
        let ended_tx = ended_tx.clone();
        let watched = watched.clone();
        let inner = handler(session.clone(), messages);
        async move {
            inner.await;
            session.closed().await;
            let _ = ended_tx.send(watched.sessions().contains(&session));
        }
    })
    .disconnect_delay(crate::SHORT);
    let server = serve_one(service);
    let mut sockets = Vec::new();
    for i in 0..3 {
        let mut ws = Ws::connect(&format!("{}/s/000/{i}/websocket", server.ws_base())).await;
        assert_eq!(ws.recv_text().await, "o");
        assert_eq!(ws.recv_text().await, "a[\"joined\"]");
        sockets.push(ws);
    }
    let poller = session_url(&format!("{}/s", server.base()));
    post(&format!("{poller}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(poll_messages(&poller, 1).await, ["joined"]);
    assert_eq!(group.len(), 4);
    for ws in sockets {
        ws.close().await;
    }
    // The poller expires after the disconnect delay.
    for _ in 0..4 {
        assert!(
            !next(&mut ended).await,
            "an ended session is no longer a member"
        );
    }
    assert!(group.is_empty());
}

#[actix_web::test]
async fn a_member_that_left_and_came_back_still_leaves_when_it_ends() {
    // Two groups; the session leaves and rejoins each a few times (one close
    // hook per group is kept, replaced at each join) and then ends.
    let (a, b) = (Group::new(), Group::new());
    let (tx, mut ended) = mpsc::unbounded_channel();
    let (ga, gb) = (a.clone(), b.clone());
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let (a, b, tx) = (ga.clone(), gb.clone(), tx.clone());
        async move {
            for _ in 0..3 {
                a.join(&session);
                b.join(&session);
                a.leave(&session);
                b.leave(&session);
            }
            a.join(&session);
            b.join(&session);
            a.join(&session);
            let _ = session.send(format!("{} {}", a.len(), b.len())).await;
            while messages.recv().await.is_some() {}
            session.closed().await;
            let _ = tx.send(());
        }
    });
    let server = serve_one(service);
    let mut ws = Ws::connect(&format!("{}/s/000/x/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "a[\"1 1\"]");
    ws.close().await;
    next(&mut ended).await;
    assert!(a.is_empty() && b.is_empty(), "{} {}", a.len(), b.len());
}

#[actix_web::test]
async fn service_broadcast_reaches_every_session() {
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        session.closed().await;
    });
    let handle = service.clone();
    let server = serve_one(service);
    let mut sockets = Vec::new();
    for i in 0..5 {
        let mut ws = Ws::connect(&format!("{}/s/000/{i}/websocket", server.ws_base())).await;
        assert_eq!(ws.recv_text().await, "o");
        sockets.push(ws);
    }
    let poller = session_url(&format!("{}/s", server.base()));
    post(&format!("{poller}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let report = handle.broadcast("to all");
    assert_eq!(report.queued, 6, "{report:?}");
    for ws in &mut sockets {
        assert_eq!(ws.recv_text().await, "a[\"to all\"]");
    }
    post(&format!("{poller}/xhr"), &[], "")
        .await
        .assert_body("a[\"to all\"]\n");
}

/// A broadcast longer than a write's piece (16 KiB) goes out a piece at a
/// time, from the frame encoded once: every member still gets it whole, in
/// order with what comes after, framed or raw, as do messages of its own
/// that long (escaped as they go out).
#[actix_web::test]
async fn long_messages_arrive_whole_framed_and_raw() {
    let long: String = "x\u{7f}\"é😀\u{2028}<".repeat(20_000);
    let group = Group::new();
    let (members, text) = (group.clone(), long.clone());
    let server = serve_one(SockJs::new(move |session: Session, mut messages| {
        let (group, long) = (members.clone(), text.clone());
        async move {
            group.join(&session);
            let _ = session.send("joined").await;
            while messages.recv().await.is_some() {
                group.broadcast(Message::prepared(long.clone()));
                let _ = session.send(format!("own {long}")).await;
                let _ = session.send("after").await;
            }
        }
    }));
    let mut framed = Ws::connect(&format!("{}/s/000/w/websocket", server.ws_base())).await;
    assert_eq!(framed.recv_text().await, "o");
    assert_eq!(framed.recv_text().await, r#"a["joined"]"#);
    let mut raw = Ws::connect(&format!("{}/s/websocket", server.ws_base())).await;
    assert_eq!(raw.recv_text().await, "joined");
    raw.send("go").await;
    // The raw member's broadcast, then its own messages (raw: one frame each).
    assert_eq!(raw.recv_text().await, long);
    assert_eq!(raw.recv_text().await, format!("own {long}"));
    assert_eq!(raw.recv_text().await, "after");
    assert_eq!(
        frame_messages(&framed.recv_text().await),
        std::slice::from_ref(&long)
    );
    framed.send(r#"["go"]"#).await;
    // Its second broadcast (from its own message) and, batched or not, its own.
    let mut got = frame_messages(&framed.recv_text().await);
    while got.len() < 3 {
        got.extend(frame_messages(&framed.recv_text().await));
    }
    assert_eq!(got, [long.clone(), format!("own {long}"), "after".into()]);
    assert_eq!(raw.recv_text().await, long);
}

/// Named groups nobody holds or is in are forgotten as new names come (a
/// client could name a new one in each message); a group with members but
/// no handle is not: its members still get its broadcasts.
#[actix_web::test]
async fn a_named_group_with_members_outlives_the_forgetting_of_unused_ones() {
    let cell = std::sync::Arc::new(std::sync::OnceLock::<SockJs>::new());
    let service = cell.clone();
    let svc = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let service = service.clone();
        async move {
            let Some(svc) = service.get() else { return };
            svc.group("room").join(&session);
            let _ = session.send("joined").await;
            while let Some(m) = messages.recv().await {
                for i in 0..10_000 {
                    drop(svc.group(&format!("{m} {i}")));
                }
                svc.group("room").broadcast("to the room");
            }
        }
    });
    let _ = cell.set(svc.clone());
    let server = serve_one(svc);
    let mut ws = Ws::connect(&format!("{}/s/000/w/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, r#"a["joined"]"#);
    for round in ["a", "b", "c"] {
        ws.send(&format!(r#"["{round}"]"#)).await;
        assert_eq!(ws.recv_text().await, r#"a["to the room"]"#);
    }
}
