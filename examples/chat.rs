//! A chat room over SockJS: `cargo run --example chat`, then open
//! http://127.0.0.1:8080 in two browsers (or tabs with different transports).
//!
//! The page loads the bundled client from this server (`/sockjs.min.js`); the
//! iframe page loads its iframe bundle (`/sockjs-iframe.min.js`), so
//! sockjs-client's iframe transports work against the demo with no CDN.
//! `PORT` changes the port.
//!
//! It is also the production setup of `docs/production.md`: logs through
//! `tracing` (`RUST_LOG=debug` for more), Prometheus metrics on `/metrics`,
//! the accept hook naming each session's user, and a graceful shutdown on
//! SIGTERM or Ctrl-C (every client told `c[1012,"Server restarting"]`
//! within `DRAIN_MS`, default 3000).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_sockjs::{metrics, Accepted, Group, Message, MessageStream, Session, SockJs};
use actix_web::{web, App, HttpResponse, HttpServer};
use prometheus_client::registry::Registry;
use serde_json::json;

/// One chat event, as JSON text, encoded once for every member.
fn event(kind: &str, name: &str, text: &str, transport: &str) -> Message {
    Message::prepared(
        json!({ "type": kind, "name": name, "text": text, "transport": transport }).to_string(),
    )
}

/// The accept hook: the session's user is the name the page asked for
/// (`?name=`), cleaned, or a guest number. A real application checks a
/// token here (it may await a database) and refuses with
/// `Refusal::unauthorized(..)`.
async fn accept(
    next: Arc<AtomicUsize>,
    req: actix_web::HttpRequest,
) -> Result<Accepted, actix_sockjs::Refusal> {
    let asked = actix_web::web::Query::<std::collections::HashMap<String, String>>::from_query(
        req.query_string(),
    )
    .ok()
    .and_then(|q| q.get("name").cloned())
    .map(|n| {
        n.chars()
            .filter(|c| !c.is_control())
            .take(24)
            .collect::<String>()
    })
    .filter(|n| !n.trim().is_empty());
    let name =
        asked.unwrap_or_else(|| format!("guest-{}", next.fetch_add(1, Ordering::Relaxed) + 1));
    Ok(Accepted::new().user(name))
}

async fn member(room: Group, session: Session, mut messages: MessageStream) {
    let name = session.user().unwrap_or("guest").to_owned();
    let transport = session.transport().to_string();
    let _ = session.try_send(event(
        "welcome",
        &name,
        &format!("{} here", room.len()),
        &transport,
    ));
    room.join(&session);
    room.broadcast(event("join", &name, "", &transport));
    while let Some(text) = messages.recv().await {
        let text: String = text.chars().take(2000).collect();
        room.broadcast(event("message", &name, &text, &transport));
    }
    room.leave(&session);
    room.broadcast(event("leave", &name, "", &transport));
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // RUST_LOG=info by default; actix-web's `log` records come through too.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(default)
    };
    let port = env("PORT", 8080) as u16;
    let drain = Duration::from_millis(env("DRAIN_MS", 3000));
    // The room is the service's named group: on one node a Group like any
    // other, in a cluster (REDIS_URL, `--features redis`) one across nodes.
    let room: Arc<std::sync::OnceLock<Group>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let members = room.clone();
    let chat = SockJs::new(move |session, messages| {
        let room = members.get().cloned().unwrap_or_default();
        member(room, session, messages)
    })
    .name("chat")
    .accept(move |req| accept(next.clone(), req))
    .sockjs_url("/sockjs-iframe.min.js");
    #[cfg(feature = "redis")]
    let chat = match std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => match actix_sockjs::Cluster::new(&url) {
            Ok(cluster) => chat.cluster(&cluster, "chat"),
            Err(e) => {
                eprintln!("chat: REDIS_URL: {e}");
                std::process::exit(2);
            }
        },
        None => chat,
    };
    let _ = room.set(chat.group("room"));
    let mut registry = Registry::default();
    metrics::register(&mut registry);
    let registry = Arc::new(registry);

    let app_chat = chat.clone();
    let server = HttpServer::new(move || {
        App::new()
            .route("/metrics", metrics::route(registry.clone()))
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=UTF-8")
                        .body(include_str!("chat.html"))
                }),
            )
            .service(actix_sockjs::client_js::script("/sockjs.min.js"))
            .service(actix_sockjs::client_js::iframe_script(
                "/sockjs-iframe.min.js",
            ))
            .service(app_chat.scope("/chat"))
    })
    .h1_allow_half_closed(false)
    // A client that stops reading is dropped 30 s later (actix-web has no
    // write timeout of its own).
    .on_connect(actix_sockjs::drop_stalled_connections(
        std::time::Duration::from_secs(30),
    ))
    // The shutdown below handles the signals, then stops the server.
    .disable_signals()
    .shutdown_timeout(1)
    .bind(("127.0.0.1", port))?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        actix_sockjs::shutdown_signal().await;
        let untold = chat.shutdown(drain).await;
        tracing::info!("chat: clients told, {untold} not reached; stopping");
        handle.stop(true).await;
    });
    println!("chat on http://127.0.0.1:{port}/");
    server.await
}
