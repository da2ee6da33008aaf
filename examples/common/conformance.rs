//! The services the SockJS protocol suite and sockjs-client's tests expect,
//! shared by `examples/testserver.rs` and the integration tests.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_sockjs::{AllowedOrigins, Group, Message, MessageStream, Session, SockJs};

/// Settings the harnesses vary.
#[derive(Clone, Debug)]
pub struct Options {
    /// The sockjs-client script the iframe page loads.
    pub sockjs_url: String,
    /// Heartbeat interval of every service.
    pub heartbeat: Duration,
    /// Disconnect delay of every service.
    pub disconnect_delay: Duration,
    /// Every service joins this cluster (under its mount path).
    #[cfg(feature = "redis")]
    pub cluster: Option<actix_sockjs::Cluster>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sockjs_url: actix_sockjs::config::DEFAULT_SOCKJS_URL.to_owned(),
            heartbeat: actix_sockjs::config::DEFAULT_HEARTBEAT,
            disconnect_delay: actix_sockjs::config::DEFAULT_DISCONNECT_DELAY,
            #[cfg(feature = "redis")]
            cluster: None,
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

/// Every message goes to every member of the service's group `room` (on
/// every node, in a cluster).
fn broadcast(
    room: Arc<OnceLock<Group>>,
) -> impl Fn(Session, MessageStream) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
       + Send
       + Sync
       + 'static {
    move |session: Session, mut messages: MessageStream| {
        let room = room.get().cloned().unwrap_or_default();
        Box::pin(async move {
            room.join(&session);
            while let Some(m) = messages.recv().await {
                room.broadcast(Message::prepared(m));
            }
            room.leave(&session);
        })
    }
}

/// Every conformance service with its mount path.
pub fn services(options: &Options) -> Vec<(&'static str, SockJs)> {
    let base = |s: SockJs| {
        s.allowed_origins(AllowedOrigins::Any)
            .sockjs_url(options.sockjs_url.clone())
            .heartbeat(options.heartbeat)
            .disconnect_delay(options.disconnect_delay)
    };
    let room = Arc::new(OnceLock::new());
    let services = vec![
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
        ("/broadcast", base(SockJs::new(broadcast(room.clone())))),
        ("/ticker", base(SockJs::new(ticker))),
        // Not in the protocol suite: refusals a client can read.
        (
            "/refused",
            base(SockJs::new(echo))
                .accept(|_req| async { Err(actix_sockjs::Refusal::forbidden("Members only.")) }),
        ),
        ("/full", base(SockJs::new(echo)).max_sessions(0)),
    ];
    let services: Vec<(&'static str, SockJs)> = services
        .into_iter()
        .map(|(path, s)| (path, s.name(path.trim_start_matches('/'))))
        .collect();
    #[cfg(feature = "redis")]
    let services: Vec<_> = match &options.cluster {
        Some(cluster) => services
            .into_iter()
            .map(|(path, s)| (path, s.cluster(cluster, path.trim_start_matches('/'))))
            .collect(),
        None => services,
    };
    if let Some((_, s)) = services.iter().find(|(p, _)| *p == "/broadcast") {
        let _ = room.set(s.group("room"));
    }
    services
}

/// Mounts the services into an `App`.
pub fn configure(services: &[(&'static str, SockJs)], cfg: &mut actix_web::web::ServiceConfig) {
    for (path, service) in services {
        cfg.service(service.scope(path));
    }
}
