//! Hostile clients against real servers on loopback: every bound holds, every
//! malformed frame or request gets its protocol answer, and one client
//! cannot hurt the server or other sessions. Memory figures are measured in
//! `tests/memory`, alone in their process.

#[path = "../common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_sockjs::{AllowedOrigins, CloseReason, MessageStream, Session, SockJs};
use tokio::sync::mpsc;

use common::client::*;

/// Serves one service at `/s`.
fn serve_one(service: SockJs) -> common::Server {
    common::serve(move |cfg| {
        cfg.service(service.scope("/s"));
    })
}

/// An echo service that reports how each session ended.
fn echo(
    configure: impl FnOnce(SockJs) -> SockJs,
) -> (common::Server, mpsc::UnboundedReceiver<CloseReason>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let tx = tx.clone();
        async move {
            while let Some(m) = messages.recv().await {
                if session.send(m).await.is_err() {
                    break;
                }
            }
            let _ = tx.send(session.closed().await);
        }
    });
    (serve_one(configure(service)), rx)
}

async fn ended(rx: &mut mpsc::UnboundedReceiver<CloseReason>) -> CloseReason {
    tokio::time::timeout(TIMEOUT, rx.recv())
        .await
        .expect("timed out waiting for the session to end")
        .expect("handler gone")
}

fn ws_url(server: &common::Server) -> String {
    format!("{}/s/000/{}/websocket", server.ws_base(), uuid())
}

/// Opens a SockJS-framed socket by hand and reads its open frame.
async fn raw_socket(server: &common::Server) -> RawWs {
    let mut ws = RawWs::connect(&ws_url(server)).await;
    let open = ws.read_frame().await.expect("the open frame");
    assert_eq!((open.opcode, &open.payload[..]), (1, &b"o"[..]));
    ws
}

// --------------------------------------------------------- 1. frame sizes

#[actix_web::test]
async fn a_websocket_frame_over_the_limit_is_refused_at_its_header() {
    let (server, mut rx) = echo(|s| s);
    let mut ws = raw_socket(&server).await;
    // A text frame announcing 1 GiB, then its first 256 KiB.
    assert!(ws.try_send(&RawWs::head(0x81, 1 << 30)).await);
    let mut sent = 0usize;
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..4 {
        if !ws.try_send(&chunk).await {
            break;
        }
        sent += chunk.len();
    }
    let close = ws.until_close().await.expect("a close frame");
    assert_eq!(close.close_code(), Some(1009), "{close:?}");
    assert_eq!(ended(&mut rx).await, CloseReason::ProtocolError);
    assert!(sent <= 256 * 1024);
}

#[actix_web::test]
async fn an_oversized_fragmented_message_closes_with_1009() {
    let (server, mut rx) = echo(|s| s.max_message_size(1024));
    let mut ws = raw_socket(&server).await;
    // Fragments of 600 bytes: the second brings the message over 1 KiB.
    ws.frame(0x01, &[b'x'; 600]).await;
    ws.frame(0x00, &[b'x'; 600]).await;
    let close = ws.until_close().await.expect("a close frame");
    assert_eq!(close.close_code(), Some(1009), "{close:?}");
    assert_eq!(ended(&mut rx).await, CloseReason::ProtocolError);
}

#[actix_web::test]
async fn fragments_within_the_limit_are_one_message() {
    let (server, _rx) = echo(|s| s.max_message_size(1024));
    let mut ws = raw_socket(&server).await;
    ws.frame(0x01, br#"["hel"#).await;
    ws.frame(0x89, b"ping between fragments").await;
    ws.frame(0x80, br#"lo"]"#).await;
    let pong = ws.read_frame().await.expect("a pong");
    assert_eq!(
        (pong.opcode, &pong.payload[..]),
        (0x0a, &b"ping between fragments"[..])
    );
    let echo = ws.read_frame().await.expect("the echo");
    assert_eq!(echo.payload, br#"a["hello"]"#);
}

#[actix_web::test]
async fn a_message_in_a_hundred_thousand_fragments_is_one_message() {
    // Each continuation one byte (and some empty), written in one burst:
    // the decoder gathered them by calling itself once per frame, and a
    // few thousand overflowed the worker's stack, aborting the server.
    let (server, _rx) = echo(|s| s);
    let mut bystander = Ws::connect(&ws_url(&server)).await;
    assert_eq!(bystander.recv_text().await, "o");
    let mut ws = raw_socket(&server).await;
    let n = 100_000;
    let mut burst = Vec::with_capacity(n * 7 + 64);
    let mut frame = |opcode: u8, payload: &[u8]| {
        burst.extend_from_slice(&RawWs::head(opcode, payload.len() as u64));
        burst.extend_from_slice(payload);
    };
    frame(0x01, b"[\"");
    for i in 0..n {
        frame(0x00, if i % 10 == 0 { b"" } else { b"x" });
    }
    frame(0x80, b"\"]");
    assert!(ws.try_send(&burst).await, "the server took the burst");
    let echo = ws.read_frame().await.expect("the echo");
    let expected = format!("a[\"{}\"]", "x".repeat(n - n / 10));
    assert_eq!(echo.payload.len(), expected.len());
    assert!(
        echo.payload == expected.as_bytes(),
        "the echo is the message"
    );
    bystander.send(r#"["still here"]"#).await;
    assert_eq!(bystander.recv_text().await, r#"a["still here"]"#);
}

#[actix_web::test]
async fn a_session_gives_no_new_answer_while_a_long_one_is_unread() {
    // On "go" the handler sends two messages of 2 MiB that JSON escapes to
    // 12 MiB each (U+007F is sent as \u007f): more than the kernel buffers.
    let service = SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while messages.recv().await.is_some() {
            for i in 0..2 {
                let mut m = "\u{7f}".repeat(2 << 20);
                m.push_str(&i.to_string());
                if session.send(m).await.is_err() {
                    return;
                }
            }
        }
    });
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr_send"), &[], r#"["go"]"#)
        .await
        .assert_status(204);
    // A poll whose client reads its head and nothing more.
    let poll = format!("{url}/xhr");
    let (mut stuck, host, path) = slow_reader(&poll).await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stuck
        .write_all(
            format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        )
        .await
        .expect("the poll");
    let mut head = [0u8; 64];
    let n = within("the stuck poll's first bytes", stuck.read(&mut head))
        .await
        .expect("read");
    assert!(
        head[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&head[..n])
    );
    // The next poll waits: the session hands out nothing more while that
    // answer is not taken (the second message is queued by now or soon).
    let next = post(&poll, &[], "");
    tokio::pin!(next);
    // (Absence, so a bounded wait: half a second is ample for an answer
    // that would be handed out at once.)
    let early = tokio::time::timeout(Duration::from_millis(500), &mut next).await;
    assert!(
        early.is_err(),
        "a second long answer was handed out while the first was unread"
    );
    // The stuck client goes away: the next poll gets the second message.
    drop(stuck);
    let answer = within("the next poll's answer", next).await;
    answer.assert_status(200);
    assert!(
        answer.body.ends_with(b"1\"]\n"),
        "the second message: ...{}",
        String::from_utf8_lossy(&answer.body[answer.body.len().saturating_sub(20)..])
    );
}

// ------------------------------------------------------ 5, 8. control frames

#[actix_web::test]
async fn every_ping_gets_a_pong_with_its_payload_even_an_empty_one() {
    let (server, _rx) = echo(|s| s);
    let mut ws = raw_socket(&server).await;
    for payload in [&b""[..], b"x", &[7u8; 125]] {
        ws.frame(0x89, payload).await;
        let pong = ws.read_frame().await.expect("a pong");
        assert_eq!((pong.opcode, &pong.payload[..]), (0x0a, payload));
    }
}

#[actix_web::test]
async fn reserved_bits_close_with_1002() {
    let (server, mut rx) = echo(|s| s);
    let mut ws = raw_socket(&server).await;
    ws.frame(0xc1, br#"["a"]"#).await; // FIN + RSV1: no extension was negotiated
    let close = ws.until_close().await.expect("a close frame");
    assert_eq!(close.close_code(), Some(1002), "{close:?}");
    assert_eq!(ended(&mut rx).await, CloseReason::ProtocolError);
}

#[actix_web::test]
async fn malformed_frames_close_with_their_codes_and_spare_other_sessions() {
    let (server, _rx) = echo(|s| s);
    let mut bystander = Ws::connect(&ws_url(&server)).await;
    assert_eq!(bystander.recv_text().await, "o");
    let cases: [(&str, u8, &[u8], u16); 5] = [
        ("invalid UTF-8", 0x81, &[0xff, 0xfe], 1007),
        ("a binary message", 0x82, b"x", 1003),
        ("a continuation with nothing to continue", 0x80, b"x", 1002),
        ("a control frame over 125 bytes", 0x89, &[0; 126], 1002),
        ("an unknown opcode", 0x83, b"x", 1002),
    ];
    for (what, first, payload, code) in cases {
        let mut ws = raw_socket(&server).await;
        ws.frame(first, payload).await;
        let close = ws
            .until_close()
            .await
            .unwrap_or_else(|| panic!("{what}: no close frame"));
        assert_eq!(close.close_code(), Some(code), "{what}: {close:?}");
    }
    bystander.send(r#"["still here"]"#).await;
    assert_eq!(bystander.recv_text().await, r#"a["still here"]"#);
}

// ------------------------------------------------------ 6. lone surrogates

#[actix_web::test]
async fn lone_surrogates_arrive_as_replacement_characters() {
    let (server, _rx) = echo(|s| s);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    // As JSON.stringify writes a string cut inside a surrogate pair.
    let sent = post(
        &format!("{url}/xhr_send"),
        &[],
        r#"["a\ud83d","\ude00b","\ud83d\ude00"]"#,
    )
    .await;
    sent.assert_status(204);
    let r = post(&format!("{url}/xhr"), &[], "").await;
    // (U+FFFD is one of the characters SockJS escapes on the way out.)
    r.assert_body("a[\"a\\ufffd\",\"\\ufffdb\",\"😀\"]\n");

    let mut ws = Ws::connect(&ws_url(&server)).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["\udc00"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["\ufffd"]"#);
}

// ------------------------------------------------- 2. one send at a time

#[actix_web::test]
async fn parallel_sends_to_one_session_are_refused_while_one_is_held() {
    // A handler that reads only when told: its queue (one message) is full
    // until then, so a send must wait, holding the session's send slot.
    let (go, release) = mpsc::unbounded_channel::<()>();
    let release = Arc::new(tokio::sync::Mutex::new(release));
    let (got_tx, mut got) = mpsc::unbounded_channel::<String>();
    let service = SockJs::new(move |_session: Session, mut messages: MessageStream| {
        let (release, got_tx) = (release.clone(), got_tx.clone());
        async move {
            let mut release = release.lock().await;
            while release.recv().await.is_some() {
                match messages.recv().await {
                    Some(m) => {
                        let _ = got_tx.send(m);
                    }
                    None => break,
                }
            }
        }
    })
    .inbound_limit(1, 1024)
    .allowed_origins(AllowedOrigins::Any);
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr_send"), &[], r#"["first"]"#)
        .await
        .assert_status(204);
    // 17 sends of 200 KB at once: one gets the slot and waits for room; every
    // other one is refused at once, before its body is read.
    let body = format!(r#"["{}","{}"]"#, "y".repeat(100_000), "z".repeat(100_000));
    let send = format!("{url}/xhr_send");
    let mut conns = Vec::new();
    for _ in 0..17 {
        let mut c = RawConn::connect(&send).await;
        c.send_request(
            "POST",
            &send,
            "1.1",
            &[("Origin", "http://page.example")],
            Some(body.as_bytes()),
        )
        .await;
        conns.push(c);
    }
    // A poll keeps the session attached (it would expire otherwise).
    let mut poll = RawConn::connect(&url).await;
    poll.send_request("POST", &format!("{url}/xhr"), "1.1", &[], None)
        .await;
    // The answers, as they come: 16 refusals, and one that waits.
    let started = Instant::now();
    let mut pending: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            Box::pin(async move {
                let head = c.read_head().await;
                (i, head, c)
            })
        })
        .collect();
    for _ in 0..16 {
        let ((_, head, _), _, rest) = futures_util::future::select_all(pending).await;
        assert_eq!(
            head.status, 409,
            "a parallel send was not refused: {head:?}"
        );
        assert_eq!(
            head.header("access-control-allow-origin").as_deref(),
            Some("http://page.example")
        );
        pending = rest;
    }
    assert!(started.elapsed() < TIMEOUT);
    assert_eq!(pending.len(), 1);
    // Let the handler read: the held send is delivered and answered.
    for _ in 0..3 {
        go.send(()).expect("the handler");
    }
    assert_eq!(got.recv().await.as_deref(), Some("first"));
    let (_, head, _) = pending.pop().expect("the held send").await;
    head.assert_status(204);
    assert_eq!(got.recv().await.map(|m| m.len()), Some(100_000));
    assert_eq!(got.recv().await.map(|m| m.len()), Some(100_000));
}

// ----------------------------------------------------- 4. stalled bodies

#[actix_web::test]
async fn a_body_that_never_ends_is_given_up_after_the_body_timeout() {
    let (server, _rx) = echo(|s| s.body_timeout(Duration::from_millis(300)));
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    let send = format!("{url}/xhr_send");
    let path = split_url(&send).1.to_owned();

    // A Content-Length larger than what is sent.
    let mut c = RawConn::connect(&url).await;
    c.send(
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[\"a\"").as_bytes(),
    )
    .await;
    let started = Instant::now();
    let r = c.read_response("1.1").await;
    r.assert_status(408);
    r.assert_body("Request body not received in time.");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A head alone: no byte of its body ever comes.
    let mut c = RawConn::connect(&url).await;
    c.send(format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n").as_bytes())
        .await;
    c.read_response("1.1").await.assert_status(408);

    // A chunked body that stops.
    let mut c = RawConn::connect(&url).await;
    c.send(
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[\"a\"\r\n"
        )
        .as_bytes(),
    )
    .await;
    c.read_response("1.1").await.assert_status(408);

    // Nothing was delivered; the session is fine.
    post(&send, &[], r#"["ok"]"#).await.assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"ok\"]\n");
}

#[actix_web::test]
async fn a_hixie76_handshake_without_its_key_is_closed_after_the_body_timeout() {
    let (server, mut rx) = echo(|s| s.body_timeout(Duration::from_millis(300)));
    let url = format!("{}/s/000/{}/websocket", server.base(), uuid());
    let mut c = RawConn::connect(&url).await;
    let head = c
        .request(
            "GET",
            &url,
            "1.1",
            &[
                ("Connection", "Upgrade"),
                ("Upgrade", "WebSocket"),
                ("Sec-WebSocket-Key1", HIXIE_KEY1),
                ("Sec-WebSocket-Key2", HIXIE_KEY2),
            ],
            None,
        )
        .await;
    head.assert_status(101);
    // The 8-byte key never comes.
    let started = Instant::now();
    assert_eq!(ended(&mut rx).await, CloseReason::Interrupted);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(c.read_to_eof().await.is_empty(), "nothing was answered");
}

// -------------------------------------------- 9. upgrades on HTTP routes

#[actix_web::test]
async fn an_upgrade_asked_of_an_http_transport_gets_a_plain_answer() {
    let (server, _rx) = echo(|s| s);
    for (method, transport) in [
        ("GET", "eventsource"),
        ("GET", "htmlfile?c=cb"),
        ("POST", "xhr_streaming"),
        ("POST", "xhr"),
        ("GET", "jsonp?c=cb"),
    ] {
        let url = format!(
            "{}/{transport}",
            session_url(&format!("{}/s", server.base()))
        );
        let mut c = RawConn::connect(&url).await;
        let head = c
            .request(
                method,
                &url,
                "1.1",
                &[("Connection", "Upgrade"), ("Upgrade", "foo")],
                None,
            )
            .await;
        head.assert_status(200);
        let connection = head.header("connection").unwrap_or_default().to_lowercase();
        assert!(!connection.contains("upgrade"), "{transport}: {head:?}");
        assert_eq!(
            connection, "close",
            "{transport}: the connection ends with the answer"
        );
        // The body is framed as the head says.
        let chunked = head
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let first = if chunked {
            c.read_chunk().await
        } else {
            let n: usize = head.must("content-length").parse().expect("a length");
            c.read_exact(n).await
        };
        assert!(!first.is_empty(), "{transport}");
    }
}

// ----------------------------------------------------- 10. refusals say why

#[actix_web::test]
async fn refusals_carry_cors_headers_and_their_reason() {
    let service = SockJs::new(|_s: Session, _m: MessageStream| async {})
        .max_sessions(1)
        .allowed_origins(AllowedOrigins::list(["http://page.example"]));
    let server = serve_one(service);
    let base = format!("{}/s", server.base());
    let page = [("Origin", "http://page.example")];
    post(&format!("{}/xhr", session_url(&base)), &page, "")
        .await
        .assert_body("o\n");
    let r = post(&format!("{}/xhr", session_url(&base)), &page, "").await;
    r.assert_status(503);
    r.assert_body("Too many sessions.");
    r.verify_cors(Some("http://page.example"));
    r.verify_not_cached();

    let r = post(
        &format!("{}/xhr", session_url(&base)),
        &[("Origin", "http://evil.example")],
        "",
    )
    .await;
    r.assert_status(403);
    r.assert_body("Origin not allowed.");
}

// --------------------------------------- 11. cross-site script and frame loads

#[actix_web::test]
async fn cross_site_script_loads_are_refused_under_same_origin() {
    let (server, _rx) = echo(|s| s);
    let base = format!("{}/s", server.base());
    let own = server.base();
    let cross = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Referer", "http://evil.example/page"),
    ];
    let url = session_url(&base);
    for path in ["jsonp?c=cb", "htmlfile?c=cb", "eventsource"] {
        let r = get(&format!("{url}/{path}"), &cross).await;
        r.assert_status(403);
        r.assert_body("Origin not allowed.");
    }
    get(&format!("{base}/iframe.html"), &cross)
        .await
        .assert_status(403);
    // Same-origin pages, old browsers on the same origin, and clients that are
    // not browsers keep working.
    let same = get(
        &format!("{url}/jsonp?c=cb"),
        &[("Sec-Fetch-Site", "same-origin")],
    )
    .await;
    same.assert_body("/**/cb(\"o\");\r\n");
    let referer = format!("{own}/chat.html");
    get(
        &format!("{}/jsonp?c=cb", session_url(&base)),
        &[("Referer", &referer)],
    )
    .await
    .assert_status(200);
    get(&format!("{}/jsonp?c=cb", session_url(&base)), &[])
        .await
        .assert_status(200);
    get(
        &format!("{base}/iframe.html"),
        &[("Sec-Fetch-Site", "same-origin")],
    )
    .await
    .assert_status(200);
}

#[actix_web::test]
async fn cross_site_loads_from_a_listed_page_are_allowed() {
    let (server, _rx) = echo(|s| s.allowed_origins(AllowedOrigins::list(["https://app.example"])));
    let url = session_url(&format!("{}/s", server.base()));
    let listed = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Referer", "https://app.example/"),
    ];
    get(&format!("{url}/jsonp?c=cb"), &listed)
        .await
        .assert_body("/**/cb(\"o\");\r\n");
    let unlisted = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Referer", "https://other.example/"),
    ];
    get(&format!("{url}/jsonp?c=cb"), &unlisted)
        .await
        .assert_status(403);
}

// ------------------------------------------- 12. refusals an operator sees

/// Keeps every log record of this test binary.
struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("actix_sockjs") {
            let mut logs = self.0.lock().unwrap_or_else(|e| e.into_inner());
            logs.push((record.level(), record.args().to_string()));
        }
    }
    fn flush(&self) {}
}

fn captured() -> &'static Capture {
    static LOGS: OnceLock<&'static Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        let _ = log::set_logger(capture);
        log::set_max_level(log::LevelFilter::Debug);
        capture
    })
}

#[actix_web::test]
async fn the_first_refusal_of_an_origin_is_a_warning_that_says_what_to_change() {
    let logs = captured();
    let (server, _rx) = echo(|s| s);
    let url = session_url(&format!("{}/s", server.base()));
    // A proxy that rewrote Host: the page's origin is not what the service sees.
    let page = [("Origin", "https://public.example")];
    for _ in 0..3 {
        post(&format!("{url}/xhr"), &page, "")
            .await
            .assert_status(403);
    }
    let warnings: Vec<String> = logs
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(level, text)| {
            *level == log::Level::Warn && text.contains("https://public.example")
        })
        .map(|(_, text)| text.clone())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    for advice in [
        "proxy_set_header Host $host",
        "X-Forwarded-Proto",
        "AllowedOrigins::list",
    ] {
        assert!(w.contains(advice), "{w}");
    }
    assert!(w.contains(&server.base()), "names the origin it sees: {w}");
}

// ------------------------------------- 3. a socket that does not read

#[actix_web::test]
async fn a_websocket_that_does_not_read_is_held_to_the_queue_limit() {
    const LIMIT: usize = 256 * 1024;
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    let (tx, mut sessions) = mpsc::unbounded_channel();
    // Amplifies: every message is answered with 64 KiB messages, forever.
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let (accepted, tx) = (seen.clone(), tx.clone());
        async move {
            let _ = tx.send(session.clone());
            if messages.recv().await.is_some() {
                let big = "x".repeat(64 * 1024);
                while session.send(big.clone()).await.is_ok() {
                    accepted.fetch_add(big.len(), Ordering::Relaxed);
                }
            }
        }
    })
    .queue_limit(1024, LIMIT);
    let server = serve_one(service);
    // A client with a tiny receive window that never reads.
    let url = ws_url(&server).replacen("ws://", "http://", 1);
    let (mut stream, host, path) = slow_reader(&url).await;
    use tokio::io::AsyncWriteExt;
    stream
        .write_all(
            format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                 Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("handshake");
    let mut frame = RawWs::head(0x81, 5);
    frame.extend_from_slice(br#"["a"]"#);
    stream.write_all(&frame).await.expect("a message");
    let session: Session = tokio::time::timeout(TIMEOUT, sessions.recv())
        .await
        .expect("the session")
        .expect("a session");
    // The handler is held back once the queue is full: what it got out is the
    // queue, actix's write buffer and the kernel's socket buffers, no more.
    let deadline = Instant::now() + TIMEOUT;
    let mut every = tokio::time::interval(Duration::from_millis(50));
    let mut last = 0;
    loop {
        let (_, queued) = session.queued();
        let now = accepted.load(Ordering::Relaxed);
        if queued + 64 * 1024 > LIMIT && now == last && now > 0 {
            break;
        }
        last = now;
        assert!(
            Instant::now() < deadline,
            "the handler was never held back: {now} bytes"
        );
        every.tick().await;
    }
    let (_, queued) = session.queued();
    assert!(queued <= LIMIT, "queued {queued}");
    let accepted = accepted.load(Ordering::Relaxed);
    // Kernel buffers on loopback are a few MiB at most; the old writer's
    // channel alone held 32 whole queues.
    assert!(
        accepted < 16 * LIMIT + (8 << 20),
        "{accepted} bytes left the handler"
    );
    drop(stream);
}

// ------------------------------- 13. what a session keeps of its request

/// A session keeps its opening request's headers for its life, so a client
/// sending the ~128 KiB of headers actix-web takes, on every session it
/// opens, would pin `max_sessions` times that: the bound refuses it first.
#[actix_web::test]
async fn a_session_keeps_at_most_max_request_bytes_of_its_opening_request() {
    let (server, _ended) = echo(|s| s.max_request_bytes(4096));
    let base = format!("{}/s", server.base());
    // name + ':' + value + '\n': 5 + 3,800 + 2, with Host, the rest and the
    // path under 4,096
    let under = "x".repeat(3800);
    let over = "x".repeat(4100);

    // Over: 431 with the reason (and CORS, so a page can read it), no session.
    let url = session_url(&base);
    let r = post(&format!("{url}/xhr"), &[("X-Big", &over)], "").await;
    r.assert_status(431);
    r.assert_body(
        "Request headers too large: a session keeps at most 4096 bytes of its opening request.",
    );
    r.verify_cors(None);
    post(&format!("{url}/xhr_send"), &[], "[\"x\"]")
        .await
        .assert_status(404);
    let ws = format!("{}/s/000/{}/websocket", server.ws_base(), uuid());
    let request = tokio_tungstenite::tungstenite::http::Request::builder()
        .uri(&ws)
        .header("Host", server.ws_base().trim_start_matches("ws://"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header(
            "Sec-WebSocket-Key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .header("X-Big", &over)
        .body(())
        .expect("a request");
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 431, "websocket: {r:?}")
        }
        other => panic!("websocket with headers over the bound: {other:?}"),
    }

    // A query that takes it over: 414.
    let url = session_url(&base);
    let r = post(&format!("{url}/xhr?q={over}"), &[], "").await;
    r.assert_status(414);
    r.assert_body(
        "Request URL too long: a session keeps at most 4096 bytes of its opening request.",
    );
    r.verify_cors(None);

    // Under: the session opens and echoes, and keeps what it was sent.
    let url = session_url(&base);
    post(&format!("{url}/xhr"), &[("X-Big", &under)], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr_send"), &[], "[\"still here\"]")
        .await
        .assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"still here\"]\n");
}

/// The default bound, 16 KiB: far above what a browser sends, far below
/// what actix-web takes.
#[actix_web::test]
async fn the_default_request_bound_is_16_kib() {
    let (server, _ended) = echo(|s| s);
    let base = format!("{}/s", server.base());
    let r = post(
        &format!("{}/xhr", session_url(&base)),
        &[("Cookie", &"c".repeat(17 * 1024))],
        "",
    )
    .await;
    r.assert_status(431);
    r.assert_body(
        "Request headers too large: a session keeps at most 16384 bytes of its opening request.",
    );
    post(
        &format!("{}/xhr", session_url(&base)),
        &[("Cookie", &"c".repeat(15 * 1024))],
        "",
    )
    .await
    .assert_body("o\n");
}

/// A resumable session answers to each URL it came back on; a client that
/// resumes on new URLs forever would grow the registry with them, so past
/// eight the oldest is forgotten (client-js takes a new URL at each resume
/// and never goes back to an old one).
#[actix_web::test]
async fn a_session_answers_to_its_first_url_and_its_last_eight() {
    let (server, _ended) = echo(|s| s.heartbeat(Duration::from_millis(50)));
    let base = format!("{}/s", server.base());
    let first = session_url(&base);
    let token = open_resumable(&first).await;
    let mut urls = Vec::new();
    for _ in 0..20 {
        let url = session_url(&base);
        let r = post(&format!("{url}/xhr?resume={token}&ack=0"), &[], "").await;
        r.assert_status(200);
        assert!(!r.text().contains("c["), "resumed on {url}: {:?}", r.text());
        urls.push(url);
    }
    // The twelve oldest new URLs are forgotten; the last eight and the
    // first reach the session.
    for (i, url) in urls.iter().enumerate().take(12) {
        let r = post(&format!("{url}/xhr_send?seq=1&ack=0"), &[], "[\"lost\"]").await;
        assert_eq!(r.status, 404, "url {i}: {:?}", r.text());
    }
    let sends = [
        (&urls[12], "[\"one\"]"),
        (&urls[19], "[\"two\"]"),
        (&first, "[\"three\"]"),
    ];
    for (seq, (url, body)) in (1..).zip(sends) {
        post(&format!("{url}/xhr_send?seq={seq}&ack=0"), &[], body)
            .await
            .assert_status(204);
    }
    let mut got = String::new();
    for _ in 0..20 {
        if got.contains("three") {
            break;
        }
        got += &post(&format!("{}/xhr?resume={token}&ack=0", urls[19]), &[], "")
            .await
            .text();
    }
    for m in ["one", "two", "three"] {
        assert!(got.contains(m), "{m} echoed: {got:?}");
    }
}

// ------------------------------------------- clients that stop reading

/// A service whose handler, on a first message, sends long messages until
/// it cannot, then reports how its session ended.
fn flooding() -> (SockJs, mpsc::UnboundedReceiver<CloseReason>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let tx = tx.clone();
        async move {
            if messages.recv().await.is_some() {
                while session.send("\u{7f}".repeat(256 * 1024)).await.is_ok() {}
            }
            let _ = tx.send(session.closed().await);
        }
    });
    (service, rx)
}

/// A WebSocket whose client sends `["go"]` and never reads (a 4 KiB
/// receive buffer).
async fn stops_reading(server: &common::Server) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let url = format!("{}/s/000/{}/websocket", server.base(), uuid());
    let (mut stream, host, path) = slow_reader(&url).await;
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .into_bytes();
    request.extend(RawWs::head(0x81, 6));
    request.extend_from_slice(br#"["go"]"#);
    stream.write_all(&request).await.expect("the request");
    stream
}

#[actix_web::test]
async fn a_connection_whose_client_stopped_reading_is_dropped_after_the_deadline() {
    // Without the deadline, it is held for as long as the client likes.
    let (service, mut ended) = flooding();
    let server = serve_one(service);
    let held = stops_reading(&server).await;
    // (Absence, so a bounded wait: 3 s is three deadlines of the next server.)
    let early = tokio::time::timeout(Duration::from_secs(3), ended.recv()).await;
    assert!(early.is_err(), "ended without a deadline: {early:?}");
    drop(held);

    // With `drop_stalled_connections(1 s)`: the kernel drops it once its
    // receive window has stayed shut for 1 s, and the session ends.
    let (service, mut ended) = flooding();
    let server = common::serve_dropping_stalled(Duration::from_secs(1), move |cfg| {
        cfg.service(service.scope("/s"));
    });
    let mut reader = Ws::connect(&format!("{}/s/000/{}/websocket", server.ws_base(), uuid())).await;
    assert_eq!(reader.recv_text().await, "o");
    let started = Instant::now();
    let _held = stops_reading(&server).await;
    let reason = within("the stalled session's end", ended.recv()).await;
    assert_eq!(reason, Some(CloseReason::Interrupted));
    eprintln!("stalled connection dropped after {:?}", started.elapsed());
    // A client that reads is not touched, long messages and all.
    reader.send(r#"["go"]"#).await;
    for _ in 0..8 {
        assert!(reader.recv_text().await.starts_with("a[\"\\u007f"));
    }
}
