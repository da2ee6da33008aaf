use actix_sockjs::{CloseReason, MessageStream, Overflow, Session, SockJs, TrySendError};
use tokio::sync::mpsc;

use crate::common::client::{post, session_url, Ws};
use crate::{next, serve_one};

/// A handler that tries to queue three messages into a queue of two and
/// reports what each attempt gave.
fn three_into_two(
    overflow: Overflow,
    wait: bool,
) -> (
    SockJs,
    mpsc::UnboundedReceiver<Result<(), TrySendError<String>>>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let service = SockJs::new(move |session: Session, _messages: MessageStream| {
        let tx = tx.clone();
        async move {
            for m in ["1", "2", "3"] {
                let r = if wait {
                    session.send(m).await
                } else {
                    session.try_send(m)
                };
                let r = r.map_err(|e| match e {
                    TrySendError::Full(m) => TrySendError::Full(m.as_str().to_owned()),
                    TrySendError::Closed(m) => TrySendError::Closed(m.as_str().to_owned()),
                });
                let _ = tx.send(r);
            }
            let _ = session.closed().await;
        }
    })
    .queue_limit(2, 1024)
    .overflow(overflow);
    (service, rx)
}

type Results = mpsc::UnboundedReceiver<Result<(), TrySendError<String>>>;

/// Opens a session on [`three_into_two`] and checks the first two sends
/// fitted; the third one's result is the test's to check.
async fn two_queued(overflow: Overflow, wait: bool) -> (crate::common::Server, String, Results) {
    let (service, mut results) = three_into_two(overflow, wait);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(next(&mut results).await, Ok(()));
    assert_eq!(next(&mut results).await, Ok(()));
    (server, url, results)
}

#[actix_web::test]
async fn full_queue_refuses_and_hands_the_message_back() {
    for wait in [false, true] {
        let (_server, url, mut results) = two_queued(Overflow::Refuse, wait).await;
        assert_eq!(
            next(&mut results).await,
            Err(TrySendError::Full("3".into()))
        );
        // The session lives on with what fitted.
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body("a[\"1\",\"2\"]\n");
    }
}

#[actix_web::test]
async fn full_queue_closes_the_session_under_overflow_close() {
    let (_server, url, mut results) = two_queued(Overflow::Close, false).await;
    assert_eq!(
        next(&mut results).await,
        Err(TrySendError::Closed("3".into()))
    );
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("c[1008,\"Send queue full\"]\n");
}

#[actix_web::test]
async fn full_queue_makes_send_wait_for_the_client() {
    let (_server, url, mut results) = two_queued(Overflow::Wait, true).await;
    // The third send waits until a poll makes room...
    assert!(results.try_recv().is_err());
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"1\",\"2\"]\n");
    assert_eq!(next(&mut results).await, Ok(()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"3\"]\n");
}

fn echo() -> SockJs {
    SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            let _ = session.send(m).await;
        }
    })
}

#[actix_web::test]
async fn oversized_body_gets_413_and_the_session_lives_on() {
    let server = serve_one(echo().max_message_size(1024));
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let big = format!("[\"{}\"]", "x".repeat(2000));
    let r = post(&format!("{url}/xhr_send"), &[], &big).await;
    r.assert_status(413);
    r.assert_body_contains("1024 bytes");
    let r = post(&format!("{url}/jsonp_send"), &[], &big).await;
    r.assert_status(413);
    post(&format!("{url}/xhr_send"), &[], "[\"small\"]")
        .await
        .assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"small\"]\n");
}

#[actix_web::test]
async fn oversized_websocket_message_closes_that_socket() {
    let server = serve_one(echo().max_message_size(1024));
    let mut ws = Ws::connect(&format!("{}/s/000/a/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(&format!("[\"{}\"]", "x".repeat(2000))).await;
    ws.expect_closed().await;
}

#[actix_web::test]
async fn session_bound_answers_503() {
    let service = echo().max_sessions(2);
    let server = serve_one(service);
    let base = format!("{}/s", server.base());
    for _ in 0..2 {
        post(&format!("{}/xhr", session_url(&base)), &[], "")
            .await
            .assert_body("o\n");
    }
    let r = post(&format!("{}/xhr", session_url(&base)), &[], "").await;
    r.assert_status(503);
    r.assert_body_contains("Too many sessions");
}

#[actix_web::test]
async fn handler_sees_the_close_reason_of_a_refused_overflow() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let service = SockJs::new(move |session: Session, _messages: MessageStream| {
        let tx = tx.clone();
        async move {
            while session.try_send("x").is_ok() {}
            let _ = tx.send(session.closed().await);
        }
    })
    .queue_limit(4, 1024)
    .overflow(Overflow::Close);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(next(&mut rx).await, CloseReason::Overflow);
}

#[actix_web::test]
async fn inbound_bytes_bound_holds_senders_until_the_handler_reads() {
    let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
    let gate = std::sync::Arc::new(std::sync::Mutex::new(gate_rx));
    let (got_tx, mut got) = mpsc::unbounded_channel();
    let service = SockJs::new(move |_session: Session, mut messages: MessageStream| {
        let gate = gate.clone();
        let got_tx = got_tx.clone();
        async move {
            // Read nothing until the test opens the gate.
            let _ = actix_rt::task::spawn_blocking(move || {
                let _ = gate.lock().map(|g| g.recv());
            })
            .await;
            while let Some(m) = messages.recv().await {
                let _ = got_tx.send(m.len());
            }
        }
    })
    .inbound_limit(100, 1000);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let body = format!("[\"{}\",\"{}\"]", "a".repeat(600), "b".repeat(600));
    // The first message fits, the second waits for room: the send does not
    // answer until the handler reads.
    let send_url = format!("{url}/xhr_send");
    let send = post(&send_url, &[], &body);
    tokio::pin!(send);
    let early = tokio::time::timeout(crate::SHORT, &mut send).await;
    assert!(early.is_err(), "the send must wait for the handler");
    gate_tx.send(()).expect("open the gate");
    send.await.assert_status(204);
    assert_eq!(next(&mut got).await, 600);
    assert_eq!(next(&mut got).await, 600);
}

#[actix_web::test]
async fn what_clients_sent_counts_against_the_services_buffer_budget() {
    // Handlers that read nothing until the test opens the gate; a budget of
    // two messages of 900 bytes for all sessions together.
    let (open, gate) = tokio::sync::watch::channel(false);
    let (got_tx, mut got) = mpsc::unbounded_channel();
    let service = SockJs::new(move |_session: Session, mut messages: MessageStream| {
        let mut gate = gate.clone();
        let got_tx = got_tx.clone();
        async move {
            let _ = gate.wait_for(|open| *open).await;
            while let Some(m) = messages.recv().await {
                let _ = got_tx.send(m);
            }
        }
    })
    .buffer_budget(2000);
    let sockjs = service.clone();
    let server = serve_one(service);
    let base = format!("{}/s", server.base());
    let (a, b, c) = (session_url(&base), session_url(&base), session_url(&base));
    for url in [&a, &b, &c] {
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body("o\n");
    }
    let msg = |ch: char| format!("[\"{}\"]", ch.to_string().repeat(900));
    post(&format!("{a}/xhr_send"), &[], &msg('a'))
        .await
        .assert_status(204);
    post(&format!("{b}/xhr_send"), &[], &msg('b'))
        .await
        .assert_status(204);
    assert_eq!(sockjs.buffered_bytes(), 1800, "two messages held");
    // Session a's queue is far from its own bound (1 MiB), but the service
    // is past its budget: a's next send waits for a's handler.
    let a_url = format!("{a}/xhr_send");
    let body = msg('c');
    let waiting = post(&a_url, &[], &body);
    tokio::pin!(waiting);
    let early = tokio::time::timeout(crate::SHORT, &mut waiting).await;
    assert!(early.is_err(), "over the budget, the send must wait");
    assert_eq!(
        sockjs.buffered_bytes(),
        1800,
        "the waiting message is not queued"
    );
    // An empty queue still takes a message: no session is starved by others.
    post(&format!("{c}/xhr_send"), &[], &msg('d'))
        .await
        .assert_status(204);
    assert_eq!(sockjs.buffered_bytes(), 2700);
    open.send(true).expect("open the gate");
    waiting.await.assert_status(204);
    let mut texts = Vec::new();
    for _ in 0..4 {
        texts.push(next(&mut got).await);
    }
    texts.sort();
    let expected: Vec<String> = "abcd"
        .chars()
        .map(|ch| ch.to_string().repeat(900))
        .collect();
    assert_eq!(texts, expected, "every message arrives once");
    assert_eq!(sockjs.buffered_bytes(), 0, "all given back once read");
}

#[actix_web::test]
async fn overlong_session_ids_are_not_found() {
    let server = serve_one(echo());
    let long = "x".repeat(129);
    post(&format!("{}/s/000/{long}/xhr", server.base()), &[], "")
        .await
        .assert_status(404);
    let max = "x".repeat(128);
    post(&format!("{}/s/000/{max}/xhr", server.base()), &[], "")
        .await
        .assert_body("o\n");
}
