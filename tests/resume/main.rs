//! The resume extension through real faults: a fault-injecting proxy cuts
//! connections mid-answer and mid-stream, drops answers and stalls streams,
//! and on every transport 10,000 server messages and 10,000 client messages
//! each arrive exactly once, in order. Also: resumes that cannot be honoured
//! fail whole, with their reason.

#[path = "../common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_sockjs::{AllowedOrigins, MessageStream, Session, SockJs};

use common::client::*;
use common::faulty::{Fault, FaultyProxy};
use common::resume::{self, first_difference, numbered, Kind};

const N: u64 = 10_000;

/// Sends `s1..=sN` while recording what the client sends.
fn counter(received: Arc<Mutex<Vec<String>>>) -> SockJs {
    SockJs::new(move |session: Session, mut messages: MessageStream| {
        let received = received.clone();
        async move {
            let out = session.clone();
            let produce = async move {
                for i in 1..=N {
                    if out.send(format!("s{i}")).await.is_err() {
                        return;
                    }
                }
            };
            let consume = async {
                while let Some(m) = messages.recv().await {
                    received.lock().unwrap_or_else(|e| e.into_inner()).push(m);
                }
            };
            futures_util::future::join(produce, consume).await;
        }
    })
    .allowed_origins(AllowedOrigins::Any)
    .heartbeat(Duration::from_millis(500))
    .response_limit(4 * 1024)
    // A small window: many polls and acknowledgements, the window filling.
    .queue_limit(64, 64 * 1024)
    .resume_window(Duration::from_secs(20))
    .client_heartbeat(Duration::from_secs(1), Duration::from_secs(5))
}

/// Faults by connection: one in `every` connections (after the first,
/// which opens the session) gets a cut within `cut` bytes, a dropped answer
/// or a stall, in turn. A WebSocket (`socket`) gets cuts past its open and
/// token frames (an opening that never got its token would start a second
/// session) and stalls: its "answer" is its whole stream.
fn plan(seed: u64, every: u64, cut: usize, socket: bool) -> impl Fn(u64) -> Fault + Send + Sync {
    move |n| {
        let mut rng = fastrand::Rng::with_seed(seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        if socket {
            // The first 24 sockets are cut (every third after a stall); the
            // next one finishes.
            let cut = rng.usize(300..cut);
            return match n {
                0..=23 if n % 3 == 2 => {
                    Fault::StallThenCut(Duration::from_millis(rng.u64(20..200)), cut)
                }
                0..=23 => Fault::CutAfter(cut),
                _ => Fault::None,
            };
        }
        if n == 0 || rng.u64(..every) != 0 {
            return Fault::None;
        }
        match rng.u8(..5) {
            0 | 1 => Fault::CutAfter(rng.usize(1..cut)),
            2 | 3 => Fault::DropAnswer,
            _ => Fault::Stall(Duration::from_millis(rng.u64(20..200))),
        }
    }
}

async fn through_faults(kind: Kind, every: u64, cut: usize, socket: bool) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let service = counter(received.clone());
    let server = common::serve(move |cfg| {
        cfg.service(service.scope("/s"));
    });
    let proxy = FaultyProxy::start(server.addr(), plan(kind as u64 + 7, every, cut, socket));
    let base = format!("{}/s", proxy.base());
    let st = tokio::time::timeout(Duration::from_secs(120), resume::run(&base, kind, N, N))
        .await
        .unwrap_or_else(|_| panic!("{kind:?}: not done in 120 s; {}", proxy.stats.summary()));
    let faults = proxy.stats.summary();
    eprintln!(
        "{kind:?}: {faults}; client retries {}, resumes {}",
        st.retries, st.resumes
    );
    let want = numbered("s", N);
    assert!(
        st.got == want,
        "{kind:?} server → client: {}",
        first_difference(&st.got, &want)
    );
    let got = received.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let want = numbered("c", N);
    assert!(
        got == want,
        "{kind:?} client → server: {}",
        first_difference(&got, &want)
    );
    assert!(
        proxy.stats.faults() >= 10,
        "{kind:?}: too few faults to mean anything: {faults}"
    );
    assert!(st.resumes >= 1, "{kind:?}: never came back with its token");
}

#[actix_web::test]
async fn websocket_through_faults() {
    through_faults(Kind::Websocket, 1, 2_500, true).await;
}

#[actix_web::test]
async fn xhr_streaming_through_faults() {
    through_faults(Kind::XhrStreaming, 2, 4_000, false).await;
}

#[actix_web::test]
async fn eventsource_through_faults() {
    through_faults(Kind::EventSource, 2, 4_000, false).await;
}

#[actix_web::test]
async fn xhr_polling_through_faults() {
    through_faults(Kind::XhrPolling, 4, 400, false).await;
}

#[actix_web::test]
async fn jsonp_polling_through_faults() {
    through_faults(Kind::JsonpPolling, 4, 400, false).await;
}

// ------------------------------------------------------- failures, whole

/// A resumable echo service; `configure` sets it up further.
fn echo(configure: impl FnOnce(SockJs) -> SockJs) -> (common::Server, SockJs) {
    let service = SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            if session.send(m).await.is_err() {
                break;
            }
        }
    })
    .allowed_origins(AllowedOrigins::Any);
    let service = configure(service);
    let mounted = service.clone();
    let server = common::serve(move |cfg| {
        cfg.service(mounted.scope("/s"));
    });
    (server, service)
}

/// Opens a resumable session over xhr-polling; returns its URL and token.
async fn open(server: &common::Server) -> (String, String) {
    let url = session_url(&format!("{}/s", server.base()));
    let r = post(&format!("{url}/xhr?resume=1"), &[], "").await;
    r.assert_body("o\n");
    let r = post(&format!("{url}/xhr?ack=0"), &[], "").await;
    let token = r
        .text()
        .strip_prefix("x{\"token\":\"")
        .and_then(|t| t.strip_suffix("\"}\n"))
        .unwrap_or_else(|| panic!("a token frame: {:?}", r.text()))
        .to_owned();
    (url, token)
}

/// Polls until the service has no session, bounded.
async fn until_gone(service: &SockJs) {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let mut every = tokio::time::interval(Duration::from_millis(10));
    while service.session_count() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the session never ended"
        );
        every.tick().await;
    }
}

#[actix_web::test]
async fn info_offers_the_extension_and_plain_sessions_stay_plain() {
    let (server, _) = echo(|s| s);
    let info = get(&format!("{}/s/info", server.base()), &[]).await;
    let v: serde_json::Value = serde_json::from_str(&info.text()).expect("JSON");
    assert_eq!(v["resume"]["version"], 1);
    assert_eq!(v["resume"]["window_ms"], 30_000);
    assert_eq!(v["resume"]["window_messages"], 1024);
    // Without resume=1: SockJS as it is.
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr_send"), &[], r#"["a"]"#)
        .await
        .assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"a\"]\n");

    let (server, _) = echo(|s| s.resume(false));
    let info = get(&format!("{}/s/info", server.base()), &[]).await;
    assert!(!info.text().contains("resume"), "{}", info.text());
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr?resume=1"), &[], "")
        .await
        .assert_body("o\n");
    post(&format!("{url}/xhr_send"), &[], r#"["a"]"#)
        .await
        .assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"a\"]\n");
}

#[actix_web::test]
async fn a_lost_poll_answer_costs_one_round_trip_and_nothing_else() {
    let (server, _) = echo(|s| s);
    let (url, _) = open(&server).await;
    post(&format!("{url}/xhr_send?seq=1&ack=0"), &[], r#"["a","b"]"#)
        .await
        .assert_status(204);
    // Sent again with the same numbers (its answer was lost): nothing doubles.
    post(&format!("{url}/xhr_send?seq=1&ack=0"), &[], r#"["a","b"]"#)
        .await
        .assert_status(204);
    post(&format!("{url}/xhr_send?seq=2&ack=0"), &[], r#"["b","c"]"#)
        .await
        .assert_status(204);
    let first = post(&format!("{url}/xhr?ack=0"), &[], "").await;
    first.assert_body("q[3,\"a\",\"b\",\"c\"]\n");
    // That answer is lost: the next poll has the same ack and gets it again.
    post(&format!("{url}/xhr?ack=0"), &[], "")
        .await
        .assert_body("q[3,\"a\",\"b\",\"c\"]\n");
    // A gap is refused whole.
    let gap = post(&format!("{url}/xhr_send?seq=9&ack=3"), &[], r#"["z"]"#).await;
    gap.assert_status(409);
    post(&format!("{url}/xhr_send?seq=4&ack=3"), &[], r#"["d"]"#)
        .await
        .assert_status(204);
    post(&format!("{url}/xhr?ack=3"), &[], "")
        .await
        .assert_body("q[4,\"d\"]\n");
}

#[actix_web::test]
async fn a_resume_after_the_window_fails_as_session_expired() {
    let (server, service) = echo(|s| s.resume_window(Duration::from_millis(200)));
    let (_, token) = open(&server).await;
    until_gone(&service).await;
    let url = session_url(&format!("{}/s", server.base()));
    let r = post(&format!("{url}/xhr?resume={token}&ack=0"), &[], "").await;
    r.assert_body("c[2011,\"Resume failed: session expired\"]\n");
    assert_eq!(service.session_count(), 0, "no session was made for it");
}

#[actix_web::test]
async fn a_token_of_another_server_run_fails_as_server_restarted() {
    let (server, _) = echo(|s| s);
    let url = session_url(&format!("{}/s", server.base()));
    let stale = "000000000000.0123456789abcdef0123456789abcdef";
    let r = post(&format!("{url}/xhr?resume={stale}&ack=0"), &[], "").await;
    r.assert_body("c[2011,\"Resume failed: server restarted\"]\n");
    let mut ws = Ws::connect(&format!(
        "{}/s/000/{}/websocket?resume={stale}",
        server.ws_base(),
        uuid()
    ))
    .await;
    assert_eq!(
        ws.recv_text().await,
        "c[2011,\"Resume failed: server restarted\"]"
    );
}

#[actix_web::test]
async fn acknowledging_what_was_never_sent_fails_as_messages_missing() {
    let (server, _) = echo(|s| s);
    let (url, token) = open(&server).await;
    let r = post(&format!("{url}/xhr?ack=5"), &[], "").await;
    r.assert_body("c[2011,\"Resume failed: messages missing\"]\n");
    let ws = format!(
        "{}/s/000/{}/websocket?resume={token}&ack=9",
        server.ws_base(),
        uuid()
    );
    let mut ws = Ws::connect(&ws).await;
    assert_eq!(
        ws.recv_text().await,
        "c[2011,\"Resume failed: messages missing\"]"
    );
}

#[actix_web::test]
async fn a_session_closed_by_overflow_answers_its_close_frame_to_a_resume() {
    let service = SockJs::new(|session: Session, _messages: MessageStream| async move {
        while session.try_send("x").is_ok() {}
        session.closed().await;
    })
    .queue_limit(4, 1024)
    .overflow(actix_sockjs::Overflow::Close)
    .allowed_origins(AllowedOrigins::Any);
    let server = common::serve(move |cfg| {
        cfg.service(service.scope("/s"));
    });
    let url = session_url(&format!("{}/s", server.base()));
    post(&format!("{url}/xhr?resume=1"), &[], "")
        .await
        .assert_body("o\n");
    let token = post(&format!("{url}/xhr?ack=0"), &[], "").await.text();
    let token = token
        .strip_prefix("x{\"token\":\"")
        .and_then(|t| t.strip_suffix("\"}\n"))
        .expect("a token")
        .to_owned();
    // Whatever the client says it received.
    for ack in [0, 3, 99] {
        let again = session_url(&format!("{}/s", server.base()));
        let r = post(&format!("{again}/xhr?resume={token}&ack={ack}"), &[], "").await;
        r.assert_body("c[1008,\"Send queue full\"]\n");
    }
}

#[actix_web::test]
async fn a_silent_client_loses_its_connection_not_its_session() {
    let (server, service) =
        echo(|s| s.client_heartbeat(Duration::from_millis(100), Duration::from_millis(300)));
    let (url, token) = open(&server).await;
    post(&format!("{url}/xhr_send?seq=1&ack=0"), &[], r#"["kept"]"#)
        .await
        .assert_status(204);
    // A stream whose client then says nothing: dropped after the timeout.
    let mut stream = post_async(&format!("{url}/xhr_streaming?ack=0"), &[]).await;
    stream.read().await; // prelude
    stream.expect("q[1,\"kept\"]\n").await;
    stream.expect_end().await;
    assert_eq!(
        service.session_count(),
        1,
        "the session waits for its client"
    );
    // The client comes back with its token and gets what it had not acknowledged.
    let back = session_url(&format!("{}/s", server.base()));
    let r = post(&format!("{back}/xhr?resume={token}&ack=0"), &[], "").await;
    r.assert_body("x{\"resumed\":true,\"in\":1}\n");
    let r = post(&format!("{back}/xhr?ack=0"), &[], "").await;
    r.assert_body("q[1,\"kept\"]\n");
}
