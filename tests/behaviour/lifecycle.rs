use actix_sockjs::{CloseReason, MessageStream, Session, SockJs, Transport};
use tokio::sync::mpsc;

use crate::common::client::{self, post, session_url, Ws};
use crate::{next, serve_one, SHORT};

/// A service whose handler reports how each session ended.
fn reporting() -> (SockJs, mpsc::UnboundedReceiver<(Transport, CloseReason)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let tx = tx.clone();
        async move {
            while let Some(m) = messages.recv().await {
                let _ = session.send(m).await;
            }
            let _ = tx.send((session.transport(), session.closed().await));
        }
    });
    (service, rx)
}

#[actix_web::test]
async fn vanished_polling_client_expires_after_the_disconnect_delay() {
    let (service, mut ended) = reporting();
    let service = service.disconnect_delay(SHORT);
    let counter = service.clone();
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    assert_eq!(counter.session_count(), 1);

    // The client never polls again.
    let (transport, reason) = next(&mut ended).await;
    assert_eq!(transport, Transport::XhrPolling);
    assert_eq!(reason, CloseReason::Timeout);
    assert_eq!(counter.session_count(), 0, "removed from the registry");
    // The id is free again: a new session opens.
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
}

#[actix_web::test]
async fn a_session_between_polls_survives_shorter_gaps() {
    let (service, mut ended) = reporting();
    let server = serve_one(service.disconnect_delay(SHORT * 4));
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    for i in 0..5 {
        let msg = format!("[\"{i}\"]");
        post(&format!("{url}/xhr_send"), &[], &msg)
            .await
            .assert_status(204);
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body(&format!("a{msg}\n"));
    }
    assert!(ended.try_recv().is_err(), "still alive");
}

#[actix_web::test]
async fn aborted_stream_interrupts_the_session() {
    let (service, mut ended) = reporting();
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    let mut r = client::post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r.read().await;
    r.expect("o\n").await;
    r.close();
    let (_, reason) = next(&mut ended).await;
    assert_eq!(reason, CloseReason::Interrupted);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("c[1002,\"Connection interrupted\"]\n");
}

#[actix_web::test]
async fn heartbeats_flow_on_every_kind_of_receiver() {
    let (service, _ended) = reporting();
    let server = serve_one(service.heartbeat(SHORT));
    let base = format!("{}/s", server.base());

    let url = session_url(&base);
    let mut s = client::post_async(&format!("{url}/xhr_streaming"), &[]).await;
    s.read().await;
    s.expect("o\n").await;
    s.expect("h\n").await;
    s.expect("h\n").await;

    let url = session_url(&base);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("h\n");

    let url = session_url(&base);
    let mut es = client::get_async(&format!("{url}/eventsource"), &[]).await;
    es.read().await;
    es.expect("data: o\r\n\r\n").await;
    es.expect("data: h\r\n\r\n").await;

    let mut ws = Ws::connect(&format!("{}/s/000/x/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "h");
    ws.close().await;
}

#[actix_web::test]
async fn websocket_close_reasons_reach_the_handler() {
    let (service, mut ended) = reporting();
    let counter = service.clone();
    let server = serve_one(service);
    let ws_url = format!("{}/s/000/x/websocket", server.ws_base());

    let mut ws = Ws::connect(&ws_url).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(
        ws.close_handshake(4000, "bye").await,
        (Some(4000), String::new())
    );
    let (transport, reason) = next(&mut ended).await;
    assert_eq!(transport, Transport::Websocket);
    assert_eq!(
        reason,
        CloseReason::Client {
            code: 4000,
            reason: "bye".into()
        }
    );

    let mut ws = Ws::connect(&ws_url).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send("[\"oops").await;
    ws.expect_closed().await;
    assert_eq!(next(&mut ended).await.1, CloseReason::ProtocolError);

    let mut raw = Ws::connect(&format!("{}/s/websocket", server.ws_base())).await;
    raw.send("plain text").await;
    assert_eq!(raw.recv_text().await, "plain text");
    drop(raw);
    let (transport, reason) = next(&mut ended).await;
    assert_eq!(transport, Transport::RawWebsocket);
    assert_eq!(
        reason,
        CloseReason::Interrupted,
        "dropped without a close frame"
    );
    assert_eq!(counter.session_count(), 0);
}

#[actix_web::test]
async fn server_close_flushes_queued_messages_then_closes_every_transport() {
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        let _ = session.send("last words").await;
        session.close(4001, "done here");
    });
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"last words\"]\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("c[4001,\"done here\"]\n");

    let mut ws = Ws::connect(&format!("{}/s/000/x/websocket", server.ws_base())).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, "a[\"last words\"]");
    assert_eq!(ws.recv_text().await, "c[4001,\"done here\"]");
    assert_eq!(
        ws.expect_closed().await,
        (Some(4001), "done here".to_owned())
    );
}

#[actix_web::test]
async fn session_exposes_the_opening_request() {
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        let req = session.request();
        let report = format!(
            "{}|{}|{:?}|{:?}|{:?}|{}",
            session.id(),
            req.path(),
            req.query_param("token"),
            req.cookie("sid"),
            req.headers().get("x-app"),
            req.peer_addr().is_some_and(|a| a.ip().is_loopback()),
        );
        let _ = session.send(report).await;
    });
    let server = serve_one(service);
    let url = format!("{}/s/000/abc", server.base());
    let headers = [("Cookie", "a=1; sid=s3cr3t"), ("X-App", "demo")];
    post(&format!("{url}/xhr?token=t%201"), &headers, "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"abc|/s/000/abc/xhr|Some(\\\"t 1\\\")|Some(\\\"s3cr3t\\\")|Some(\\\"demo\\\")|true\"]\n");
}

#[actix_web::test]
async fn a_session_keeps_only_the_headers_it_is_told_to_while_the_accept_hook_sees_all() {
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        // (a header map's order is not the request's)
        let mut names: Vec<&str> = session.request().headers().iter().map(|(n, _)| n).collect();
        names.sort_unstable();
        let report = format!(
            "{}|{:?}|{:?}",
            names.join(","),
            session.request().cookie("sid"),
            session.user(),
        );
        let _ = session.send(report).await;
    })
    .keep_headers(["X-App", "user-agent"])
    .max_request_bytes(4 * 1024)
    .accept(|req: actix_web::HttpRequest| async move {
        // The hook sees the cookie the session does not keep.
        let sid = req
            .cookie("sid")
            .map(|c| c.value().to_owned())
            .ok_or_else(|| {
                actix_sockjs::Refusal::new(actix_web::http::StatusCode::FORBIDDEN, "no sid")
            })?;
        Ok(actix_sockjs::Accepted::new().user(sid))
    });
    let server = serve_one(service);
    let url = format!("{}/s/000/abc", server.base());
    // 8 KiB of a header not kept: over max_request_bytes, but not kept, so
    // not counted.
    let big = "b".repeat(8 * 1024);
    let headers = [
        ("Cookie", "sid=s3cr3t"),
        ("X-App", "demo"),
        ("User-Agent", "test"),
        ("X-Big", big.as_str()),
    ];
    post(&format!("{url}/xhr"), &headers, "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"user-agent,x-app|None|Some(\\\"s3cr3t\\\")\"]\n");
    // A kept header over the bound is still refused.
    let resp = post(
        &format!("{}/s/000/abd/xhr", server.base()),
        &[("Cookie", "sid=1"), ("X-App", big.as_str())],
        "",
    )
    .await;
    resp.assert_status(431);
}

#[actix_web::test]
async fn a_panicking_handler_closes_its_session_and_nothing_else() {
    let service = SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            assert_ne!(m, "panic", "the handler panics on purpose");
            let _ = session.send(m).await;
        }
    })
    .disconnect_delay(SHORT * 10); // printing the panic blocks a worker for a while
    let counter = service.clone();
    let server = serve_one(service);
    let base = format!("{}/s", server.base());
    let (doomed, fine) = (session_url(&base), session_url(&base));
    for url in [&doomed, &fine] {
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body("o\n");
    }
    post(&format!("{doomed}/xhr_send"), &[], "[\"panic\"]")
        .await
        .assert_status(204);
    post(&format!("{doomed}/xhr"), &[], "")
        .await
        .assert_body("c[1011,\"Internal server error\"]\n");
    post(&format!("{fine}/xhr_send"), &[], "[\"ok\"]")
        .await
        .assert_status(204);
    post(&format!("{fine}/xhr"), &[], "")
        .await
        .assert_body("a[\"ok\"]\n");
    // The doomed session still expires (its clean-up did not die with the
    // handler) while `fine` stays attached.
    let mut stream = client::post_async(&format!("{fine}/xhr_streaming"), &[]).await;
    stream.read().await;
    let until = std::time::Instant::now() + crate::common::client::TIMEOUT;
    let mut every = tokio::time::interval(std::time::Duration::from_millis(20));
    while counter.session_count() != 1 {
        assert!(
            std::time::Instant::now() < until,
            "the panicked session never expired"
        );
        every.tick().await;
    }
}
