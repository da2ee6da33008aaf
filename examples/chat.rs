//! A chat room over SockJS: `cargo run --example chat`, then open
//! http://127.0.0.1:8080 in two browsers (or tabs with different transports).
//!
//! The page loads the bundled client from this server (`/sockjs.min.js`); the
//! iframe page loads its iframe bundle (`/sockjs-iframe.min.js`), so
//! sockjs-client's iframe transports work against the demo with no CDN.
//! `PORT` changes the port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_sockjs::{Group, Message, MessageStream, Session, SockJs};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::json;

/// One chat event, as JSON text, encoded once for every member.
fn event(kind: &str, name: &str, text: &str, transport: &str) -> Message {
    Message::prepared(
        json!({ "type": kind, "name": name, "text": text, "transport": transport }).to_string(),
    )
}

async fn member(
    room: Group,
    next: Arc<AtomicUsize>,
    session: Session,
    mut messages: MessageStream,
) {
    let name = session
        .request()
        .query_param("name")
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(24)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("guest-{}", next.fetch_add(1, Ordering::Relaxed) + 1));
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
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let room = Group::new();
    let next = Arc::new(AtomicUsize::new(0));
    let chat =
        SockJs::new(move |session, messages| member(room.clone(), next.clone(), session, messages))
            .sockjs_url("/sockjs-iframe.min.js");

    let server = HttpServer::new(move || {
        App::new()
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
            .service(chat.scope("/chat"))
    })
    .h1_allow_half_closed(false)
    .bind(("127.0.0.1", port))?;
    println!("chat on http://127.0.0.1:{port}/");
    server.run().await
}
