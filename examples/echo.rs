//! The smallest SockJS server: every message comes back. `cargo run --example echo`
use actix_sockjs::{MessageStream, Session, SockJs};
use actix_web::{App, HttpServer};

async fn echo(session: Session, mut messages: MessageStream) {
    while let Some(text) = messages.recv().await {
        if session.send(text).await.is_err() {
            break;
        }
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Logs: RUST_LOG=debug for everything (default: info).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let sockjs = SockJs::new(echo); // once, outside the closure: shared by every worker
    HttpServer::new(move || App::new().service(sockjs.scope("/echo")))
        .h1_allow_half_closed(false)
        .bind(("127.0.0.1", 8080))?
        .run()
        .await
}
