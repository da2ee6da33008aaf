//! The services the SockJS protocol suite and sockjs-client's tests expect,
//! shared by `examples/testserver.rs` and the integration tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_sockjs::{AllowedOrigins, Message, MessageStream, Session, SockJs};

/// Settings the harnesses vary.
#[derive(Clone, Debug)]
pub struct Options {
    /// The sockjs-client script the iframe page loads.
    pub sockjs_url: String,
    /// Heartbeat interval of every service.
    pub heartbeat: Duration,
    /// Disconnect delay of every service.
    pub disconnect_delay: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sockjs_url: actix_sockjs::config::DEFAULT_SOCKJS_URL.to_owned(),
            heartbeat: actix_sockjs::config::DEFAULT_HEARTBEAT,
            disconnect_delay: actix_sockjs::config::DEFAULT_DISCONNECT_DELAY,
        }
    }
}

async fn echo(session: Session, mut messages: MessageStream) {
    while let Some(m) = messages.recv().await {
        if session.send(m).await.is_err() {
            break;
        }
    }
}

/// Each message `n` is answered with `2^n` x's (n outside 0..=19 counts as 1).
async fn amplify(session: Session, mut messages: MessageStream) {
    while let Some(m) = messages.recv().await {
        let n = m
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 19)
            .unwrap_or(1);
        if session.send("x".repeat(1 << n)).await.is_err() {
            break;
        }
    }
}

/// `tick!` every second.
async fn ticker(session: Session, _messages: MessageStream) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {
                if session.send("tick!").await.is_err() {
                    break;
                }
            }
            _ = session.closed() => break,
        }
    }
}

type Room = Arc<Mutex<HashMap<usize, Session>>>;

fn broadcast(
) -> impl Fn(Session, MessageStream) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
       + Send
       + Sync
       + 'static {
    let room: Room = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    move |session: Session, mut messages: MessageStream| {
        let room = room.clone();
        let me = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::pin(async move {
            lock(&room).insert(me, session);
            while let Some(m) = messages.recv().await {
                let shared = Message::prepared(m);
                let members: Vec<Session> = lock(&room).values().cloned().collect();
                for s in members {
                    let _ = s.try_send(shared.clone());
                }
            }
            lock(&room).remove(&me);
        })
    }
}

fn lock(room: &Room) -> std::sync::MutexGuard<'_, HashMap<usize, Session>> {
    room.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every conformance service with its mount path.
pub fn services(options: &Options) -> Vec<(&'static str, SockJs)> {
    let base = |s: SockJs| {
        s.allowed_origins(AllowedOrigins::Any)
            .sockjs_url(options.sockjs_url.clone())
            .heartbeat(options.heartbeat)
            .disconnect_delay(options.disconnect_delay)
    };
    vec![
        ("/echo", base(SockJs::new(echo)).response_limit(4096)),
        (
            "/close",
            base(SockJs::new(|session: Session, _messages| async move {
                session.close(3000, "Go away!");
            })),
        ),
        (
            "/disabled_websocket_echo",
            base(SockJs::new(echo)).websocket(false),
        ),
        (
            "/cookie_needed_echo",
            base(SockJs::new(echo)).cookie_needed(true),
        ),
        ("/amplify", base(SockJs::new(amplify))),
        ("/broadcast", base(SockJs::new(broadcast()))),
        ("/ticker", base(SockJs::new(ticker))),
        // Not in the protocol suite: refusals a client can read.
        (
            "/refused",
            base(SockJs::new(echo))
                .accept(|_req| async { Err(actix_sockjs::Refusal::forbidden("Members only.")) }),
        ),
        ("/full", base(SockJs::new(echo)).max_sessions(0)),
    ]
}

/// Mounts the services into an `App`.
pub fn configure(services: &[(&'static str, SockJs)], cfg: &mut actix_web::web::ServiceConfig) {
    for (path, service) in services {
        cfg.service(service.scope(path));
    }
}
