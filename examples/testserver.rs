//! The conformance test server: every service the SockJS protocol suite and
//! sockjs-client's tests expect, on 127.0.0.1.
//!
//! `cargo run --example testserver [--port N | N]` (or `PORT=N`; default 8081).
//! `SOCKJS_URL` sets the client script the iframe page loads (empty counts
//! as unset).

mod common;

use actix_web::{App, HttpServer};
use common::conformance;

const USAGE: &str = "usage: testserver [--port N | N]   (or PORT=N; default 8081)";

/// The port from the arguments, else `PORT`, else 8081; anything else is
/// refused with the usage line.
fn port() -> Result<u16, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = match args.as_slice() {
        [] => std::env::var("PORT").ok().filter(|p| !p.is_empty()),
        [flag, n] if flag == "--port" => Some(n.clone()),
        [arg] if arg.starts_with("--port=") => Some(arg["--port=".len()..].to_owned()),
        [n] if !n.starts_with('-') => Some(n.clone()),
        _ => return Err(format!("unexpected arguments {args:?}")),
    };
    match given {
        None => Ok(8081),
        Some(p) => p.parse().map_err(|_| format!("not a port: {p:?}")),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = match port() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("testserver: {why}\n{USAGE}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let mut options = conformance::Options::default();
    if let Some(url) = std::env::var("SOCKJS_URL").ok().filter(|u| !u.is_empty()) {
        options.sockjs_url = url;
    }
    // REDIS_URL: this node joins a cluster on that Redis (NODE_TIMEOUT_MS:
    // how soon a silent node counts as lost).
    #[cfg(feature = "redis")]
    if let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
        let mut b = actix_sockjs::Cluster::builder(&url);
        if let Some(ms) = std::env::var("NODE_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            b = b.node_timeout(std::time::Duration::from_millis(ms));
        }
        match b.build() {
            Ok(c) => options.cluster = Some(c),
            Err(e) => {
                eprintln!("testserver: REDIS_URL: {e}");
                std::process::exit(2);
            }
        }
    }
    let services = conformance::services(&options);
    let stopping = services.clone();
    // Every service's metrics on /metrics.
    let mut registry = prometheus_client::registry::Registry::default();
    actix_sockjs::metrics::register(&mut registry);
    let registry = std::sync::Arc::new(registry);
    let server = HttpServer::new(move || {
        let services = services.clone();
        App::new()
            .route("/metrics", actix_sockjs::metrics::route(registry.clone()))
            .configure(move |cfg| conformance::configure(&services, cfg))
    })
    .h1_allow_half_closed(false)
    .workers(2)
    // SIGTERM / Ctrl-C: every service shuts down gracefully, then the server.
    .disable_signals()
    .shutdown_timeout(1)
    .bind(("127.0.0.1", port))?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        actix_sockjs::shutdown_signal().await;
        for (_, service) in &stopping {
            service.shutdown(std::time::Duration::from_secs(2)).await;
        }
        handle.stop(true).await;
    });
    println!("testserver listening on http://127.0.0.1:{port}");
    server.await
}
