//! Running it in production, against real servers on loopback: the accept
//! hook's identity and refusals, a user's sessions, per-member broadcasts,
//! metrics that count exactly what happened, graceful shutdown (the chat
//! example under SIGTERM, one client per transport), and the client script
//! answering HEAD.

#[path = "../common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_sockjs::{Accepted, Group, Message, MessageStream, Refusal, Session, SockJs};
use futures_util::StreamExt;
use prometheus_client::registry::Registry;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use common::client::*;

struct Profile {
    name: &'static str,
}

/// An echo service whose accept hook names the user from `?user=`, with a
/// profile for the handler; `?deny=<status>` is refused with that status.
fn identified() -> SockJs {
    SockJs::new(|session: Session, mut messages: MessageStream| async move {
        let who = format!(
            "{} {}",
            session.user().unwrap_or("-"),
            session.data::<Profile>().map_or("-", |p| p.name)
        );
        let _ = session.send(who).await;
        while let Some(m) = messages.recv().await {
            if session.send(m).await.is_err() {
                break;
            }
        }
    })
    .accept(|req| async move {
        // The hook may wait (a database, an identity service).
        tokio::task::yield_now().await;
        let q: HashMap<String, String> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        if let Some(status) = q.get("deny").and_then(|s| s.parse::<u16>().ok()) {
            let status = actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::FORBIDDEN);
            return Err(Refusal::new(status, "Not today."));
        }
        match q.get("user").map(String::as_str) {
            Some("ada") => Ok(Accepted::new().user("ada").data(Profile { name: "Ada" })),
            Some(other) => Ok(Accepted::new().user(other.to_owned())),
            None => Ok(Accepted::new()),
        }
    })
}

fn serve_at_s(service: SockJs) -> common::Server {
    common::serve(move |cfg| {
        cfg.service(service.scope("/s"));
    })
}

async fn ws(server: &common::Server, query: &str) -> Ws {
    let url = format!("{}/s/000/{}/websocket?{query}", server.ws_base(), uuid());
    let mut ws = Ws::connect(&url).await;
    assert_eq!(ws.recv_text().await, "o");
    ws
}

/// Polls `cond` every 10 ms, bounded.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    let mut every = tokio::time::interval(Duration::from_millis(10));
    while !cond() {
        assert!(Instant::now() < deadline, "never: {what}");
        every.tick().await;
    }
}

#[actix_web::test]
async fn the_accept_hooks_identity_reaches_the_handler_and_finds_a_users_sessions() {
    let service = identified();
    let server = serve_at_s(service.clone());

    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr?user=ada"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"ada Ada\"]\n");
    let mut ada_ws = ws(&server, "user=ada").await;
    assert_eq!(ada_ws.recv_text().await, "a[\"ada Ada\"]");
    let mut bob = ws(&server, "user=bob").await;
    assert_eq!(bob.recv_text().await, "a[\"bob -\"]");
    let mut anonymous = ws(&server, "").await;
    assert_eq!(anonymous.recv_text().await, "a[\"- -\"]");

    let ada = service.sessions_of("ada");
    assert_eq!(ada.len(), 2);
    assert_ne!(
        ada[0].key(),
        ada[1].key(),
        "keys are unique, WebSocket ones too"
    );
    // (Hashed by its key, which never changes: clippy cannot know that.)
    #[allow(clippy::mutable_key_type)]
    let set: std::collections::HashSet<Session> = ada.iter().cloned().collect();
    assert_eq!(set.len(), 2, "Session is Hash + Eq by its key");
    assert_eq!(service.sessions_of("bob").len(), 1);
    assert!(service.sessions_of("nobody").is_empty());

    assert_eq!(service.close_user("ada", 4001, "Banned"), 2);
    assert_eq!(ada_ws.recv_text().await, "c[4001,\"Banned\"]");
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("c[4001,\"Banned\"]\n");
    assert!(service.sessions_of("ada").is_empty());
    // Nobody else was touched.
    bob.send("[\"still here\"]").await;
    assert_eq!(bob.recv_text().await, "a[\"still here\"]");
}

#[actix_web::test]
async fn refusals_say_why_with_their_status_and_cors_headers() {
    let server = serve_at_s(
        identified().allowed_origins(actix_sockjs::AllowedOrigins::list(["https://app.example"])),
    );
    let url = session_url(&format!("{}/s", server.base()));
    for (status, transport) in [(401, "xhr"), (403, "xhr_streaming"), (503, "xhr")] {
        let r = post(
            &format!("{url}/{transport}?deny={status}"),
            &[("Origin", "https://app.example")],
            "",
        )
        .await;
        r.assert_status(status);
        r.assert_body("Not today.");
        r.verify_cors(Some("https://app.example"));
    }
    // Nothing was created.
    post(&format!("{url}/xhr_send"), &[], "[\"x\"]")
        .await
        .assert_status(404);
    // A WebSocket handshake is refused the same way (browsers cannot read
    // it; client-js then tries a transport that can).
    let ws = format!("{}/s/000/{}/websocket?deny=401", server.ws_base(), uuid());
    match tokio_tungstenite::connect_async(ws).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 401);
            assert_eq!(r.body().as_deref(), Some(&b"Not today."[..]));
        }
        other => panic!("expected 401, got {:?}", other.map(|_| ())),
    }
}

#[actix_web::test]
async fn broadcast_with_builds_each_members_payload() {
    let room = Group::new();
    let members = room.clone();
    let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
        let room = members.clone();
        async move {
            room.join(&session);
            let _ = session.send("joined").await;
            while messages.recv().await.is_some() {}
        }
    })
    .accept(|req| async move {
        let user = req.query_string().trim_start_matches("user=").to_owned();
        Ok(Accepted::new().user(user))
    });
    let server = serve_at_s(service);
    let mut a = ws(&server, "user=a").await;
    let mut b = ws(&server, "user=b").await;
    let mut c = ws(&server, "user=skip").await;
    for s in [&mut a, &mut b, &mut c] {
        assert_eq!(s.recv_text().await, "a[\"joined\"]");
    }
    let shared = Message::prepared("for a and b");
    let report = room.broadcast_with(|member| match member.user() {
        Some("skip") => None,
        Some("a") | Some("b") => Some(shared.clone()),
        _ => Some(Message::new("other")),
    });
    assert_eq!(report.queued, 2);
    room.broadcast_with(|member| member.user().map(|u| Message::new(format!("only {u}"))));
    assert_eq!(messages(&mut a, 2).await, ["for a and b", "only a"]);
    assert_eq!(messages(&mut b, 2).await, ["for a and b", "only b"]);
    assert_eq!(messages(&mut c, 1).await, ["only skip"]);
}

/// The next `n` messages of a socket, however they are batched in frames.
async fn messages(ws: &mut Ws, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        let frame = ws.recv_text().await;
        let batch: Vec<String> =
            serde_json::from_str(frame.strip_prefix('a').expect("a frame")).expect("a JSON array");
        got.extend(batch);
    }
    got
}

/// The value of the sample `name{labels}` in an OpenMetrics text.
fn sample(text: &str, name: &str, labels: &str) -> f64 {
    let want = match labels {
        "" => name.to_owned(),
        l => format!("{name}{{{l}}}"),
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            (k == want).then(|| v.parse().ok()).flatten()
        })
        .unwrap_or_else(|| panic!("no sample {want} in:\n{text}"))
}

#[actix_web::test]
async fn metrics_count_exactly_what_scripted_traffic_did() {
    let service = identified().max_message_size(64).name("scripted");
    let mut registry = Registry::default();
    actix_sockjs::metrics::register(&mut registry);
    let registry = Arc::new(registry);
    let mounted = service.clone();
    let server = common::serve(move |cfg| {
        cfg.service(mounted.scope("/s"))
            .route("/metrics", actix_sockjs::metrics::route(registry.clone()));
    });

    // Two xhr-polling sessions, 3 messages each; the first one says which
    // transports it fell back from.
    let mut polls = Vec::new();
    for (i, fallback) in ["fallback=websocket.2007,xhr-streaming.1006,bogus.9", ""]
        .into_iter()
        .enumerate()
    {
        let url = session_url(&format!("{}/s", server.base()));
        post(&format!("{url}/xhr?{fallback}"), &[], "")
            .await
            .assert_body("o\n");
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body("a[\"- -\"]\n");
        post(&format!("{url}/xhr_send"), &[], r#"["a","bb","ccc"]"#)
            .await
            .assert_status(204);
        post(&format!("{url}/xhr"), &[], "")
            .await
            .assert_body("a[\"a\",\"bb\",\"ccc\"]\n");
        polls.push((i, url));
    }
    // One socket, 2 messages, then closed by the client.
    let mut socket = ws(&server, "").await;
    assert_eq!(socket.recv_text().await, "a[\"- -\"]");
    socket.send("[\"x\",\"yy\"]").await;
    assert_eq!(socket.recv_text().await, "a[\"x\",\"yy\"]");
    socket.close().await;
    // Refused: by the hook, and a send over the limit.
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr?deny=403"), &[], "")
        .await
        .assert_status(403);
    let (_, first) = &polls[0];
    post(
        &format!("{first}/xhr_send"),
        &[],
        &format!("[\"{}\"]", "z".repeat(100)),
    )
    .await
    .assert_status(413);
    until("the socket's session is removed", || {
        service.session_count() == 2
    })
    .await;

    let text = get(&format!("{}/metrics", server.base()), &[]).await.text();
    let t = |name: &str, labels: &str| sample(&text, name, labels);
    assert_eq!(
        t(
            "sockjs_sessions_opened_total",
            "service=\"scripted\",transport=\"xhr-polling\""
        ),
        2.0
    );
    assert_eq!(
        t(
            "sockjs_sessions_opened_total",
            "service=\"scripted\",transport=\"websocket\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_sessions_open",
            "service=\"scripted\",transport=\"xhr-polling\""
        ),
        2.0
    );
    assert_eq!(
        t(
            "sockjs_sessions_open",
            "service=\"scripted\",transport=\"websocket\""
        ),
        0.0
    );
    assert_eq!(
        t(
            "sockjs_sessions_closed_total",
            "service=\"scripted\",transport=\"websocket\",reason=\"client\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_messages_received_total",
            "service=\"scripted\",transport=\"xhr-polling\""
        ),
        6.0
    );
    assert_eq!(
        t(
            "sockjs_messages_received_total",
            "service=\"scripted\",transport=\"websocket\""
        ),
        2.0
    );
    // Echoes plus each session's greeting.
    assert_eq!(
        t(
            "sockjs_messages_sent_total",
            "service=\"scripted\",transport=\"xhr-polling\""
        ),
        8.0
    );
    assert_eq!(
        t(
            "sockjs_messages_sent_total",
            "service=\"scripted\",transport=\"websocket\""
        ),
        3.0
    );
    assert_eq!(
        t(
            "sockjs_received_bytes_total",
            "service=\"scripted\",transport=\"xhr-polling\""
        ),
        12.0
    );
    assert_eq!(
        t(
            "sockjs_received_bytes_total",
            "service=\"scripted\",transport=\"websocket\""
        ),
        3.0
    );
    assert_eq!(
        t(
            "sockjs_sent_bytes_total",
            "service=\"scripted\",transport=\"websocket\""
        ),
        6.0
    );
    assert_eq!(
        t(
            "sockjs_refused_total",
            "service=\"scripted\",reason=\"accept\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_refused_total",
            "service=\"scripted\",reason=\"too_large\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_refused_total",
            "service=\"scripted\",reason=\"origin\""
        ),
        0.0
    );
    assert_eq!(
        t(
            "sockjs_client_fallbacks_total",
            "service=\"scripted\",transport=\"websocket\",reason=\"timeout\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_client_fallbacks_total",
            "service=\"scripted\",transport=\"xhr-streaming\",reason=\"error\""
        ),
        1.0
    );
    assert_eq!(
        t(
            "sockjs_client_fallbacks_total",
            "service=\"scripted\",transport=\"other\",reason=\"other\""
        ),
        1.0
    );
    assert_eq!(
        t("sockjs_broadcast_dropped_total", "service=\"scripted\""),
        0.0
    );
    assert_eq!(t("sockjs_queued_bytes", "service=\"scripted\""), 0.0);
}

#[actix_web::test]
async fn the_client_script_answers_head_like_get_without_a_body() {
    let server = common::serve(|cfg| {
        cfg.service(actix_sockjs::client_js::script("/sockjs.min.js"));
    });
    let url = format!("{}/sockjs.min.js", server.base());
    let g = get(&url, &[]).await;
    g.assert_status(200);
    let mut conn = RawConn::connect(&url).await;
    conn.send_request("HEAD", &url, "1.1", &[], None).await;
    let h = conn.read_head().await;
    h.assert_status(200);
    assert_eq!(h.header("content-type"), g.header("content-type"));
    assert_eq!(h.header("etag"), g.header("etag"));
    assert_eq!(
        h.header("content-length").as_deref(),
        Some(actix_sockjs::client_js::SCRIPT.len().to_string().as_str())
    );
    // No body followed: the next answer on the connection starts at once.
    conn.send_request("GET", &url, "1.1", &[], None).await;
    let next = conn.read_response("1.1").await;
    next.assert_status(200);
    assert_eq!(next.body, g.body);
}

// ------------------------------------------------------------- shutdown

/// The chat example, built by `cargo test` beside this test's binary.
fn chat_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/debug/deps/operations-… → target/debug/examples/chat
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("examples")
        .join(format!("chat{}", std::env::consts::EXE_SUFFIX))
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `port` takes connections, bounded.
async fn port_open(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        assert!(Instant::now() < deadline, "the chat example never listened");
        every.tick().await;
    }
}

/// Reads frames of one client until the close frame; returns it and when it came.
async fn until_close(
    transport: &'static str,
    base: String,
    ready: tokio::sync::mpsc::UnboundedSender<()>,
) -> (String, Instant) {
    let url = session_url(&format!("{base}/chat"));
    let found = |text: &str| {
        text.find("c[")
            .map(|i| text[i..].lines().next().unwrap_or("").to_owned())
    };
    match transport {
        "websocket" => {
            let wsurl = format!("{}/websocket", url.replace("http://", "ws://"));
            let (mut s, _) = tokio_tungstenite::connect_async(wsurl)
                .await
                .expect("socket");
            let _ = ready.send(());
            while let Some(Ok(m)) = s.next().await {
                if let WsMessage::Text(t) = m {
                    if let Some(c) = found(&t) {
                        let at = Instant::now();
                        let _ = s.close(None).await;
                        return (c, at);
                    }
                }
            }
            panic!("websocket ended without a close frame")
        }
        "xhr-streaming" | "eventsource" | "htmlfile" => {
            let mut stream = match transport {
                "xhr-streaming" => post_async(&format!("{url}/xhr_streaming"), &[]).await,
                "eventsource" => get_async(&format!("{url}/eventsource"), &[]).await,
                _ => get_async(&format!("{url}/htmlfile?c=cb"), &[]).await,
            };
            let _ = ready.send(());
            let mut seen = String::new();
            loop {
                let chunk = stream.read_str().await;
                assert!(
                    !chunk.is_empty(),
                    "{transport} ended without a close frame: {seen:?}"
                );
                seen.push_str(&chunk.replace("\\\"", "\""));
                if let Some(c) = found(&seen) {
                    return (
                        c.trim_end_matches(['"', ')', ';']).replace(r#"");"#, ""),
                        Instant::now(),
                    );
                }
            }
        }
        _ => {
            let (path, jsonp) = match transport {
                "xhr-polling" => ("xhr", false),
                _ => ("jsonp?c=cb", true),
            };
            let mut first = true;
            loop {
                let r = match jsonp {
                    false => post(&format!("{url}/{path}"), &[], "").await,
                    true => get(&format!("{url}/{path}"), &[]).await,
                };
                if first {
                    let _ = ready.send(());
                    first = false;
                }
                let text = r.text().replace("\\\"", "\"");
                if let Some(c) = found(&text) {
                    return (
                        c.trim_end_matches(['"', ')', ';']).to_owned(),
                        Instant::now(),
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn sigterm_tells_every_client_1012_within_the_drain_and_the_process_exits() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let drain = Duration::from_millis(1500);
    let child = Command::new(chat_binary())
        .env("PORT", port.to_string())
        .env("DRAIN_MS", drain.as_millis().to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("run the chat example (cargo test builds it)");
    let mut child = Killed(child);
    port_open(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let transports = [
        "websocket",
        "xhr-streaming",
        "eventsource",
        "htmlfile",
        "xhr-polling",
        "jsonp-polling",
    ];
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let clients: Vec<_> = transports
        .iter()
        .map(|t| actix_web::rt::spawn(until_close(t, base.clone(), ready_tx.clone())))
        .collect();
    for _ in transports {
        tokio::time::timeout(TIMEOUT, ready.recv())
            .await
            .expect("every client connected");
    }
    // Every session is there before the signal.
    until_metric(&base, transports.len()).await;

    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    for (t, client) in transports.iter().zip(clients) {
        let (frame, at) = tokio::time::timeout(drain + Duration::from_secs(1), client)
            .await
            .unwrap_or_else(|_| panic!("{t}: no close frame"))
            .expect("client task");
        eprintln!("{t}: {frame} after {:?}", at - signalled);
        assert_eq!(frame, "c[1012,\"Server restarting\"]", "{t}");
        assert!(
            at - signalled < drain,
            "{t}: told after {:?}, drain is {drain:?}",
            at - signalled
        );
    }
    let deadline = signalled + drain + Duration::from_secs(1);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running {:?} after SIGTERM",
            signalled.elapsed()
        );
        every.tick().await;
    };
    assert!(status.success(), "{status:?}");
}

/// Polls the chat's /metrics until `n` sessions are open.
async fn until_metric(base: &str, n: usize) {
    let deadline = Instant::now() + TIMEOUT;
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        let text = get(&format!("{base}/metrics"), &[]).await.text();
        let open: f64 = text
            .lines()
            .filter(|l| l.starts_with("sockjs_sessions_open{"))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum();
        if open as usize >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {open} sessions open");
        every.tick().await;
    }
}
