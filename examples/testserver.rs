//! The conformance test server: every service the SockJS protocol suite and
//! sockjs-client's tests expect, on 127.0.0.1.
//!
//! `cargo run --example testserver [--port N | N]` (or `PORT=N`; default 8081).
//! `--redis URL` (or `REDIS_URL`; needs `--features redis`) joins a cluster
//! on that Redis.
//! `SOCKJS_URL` sets the client script the iframe page loads (empty counts
//! as unset).

mod common;

use actix_web::{App, HttpServer};
use common::conformance;

const USAGE: &str = "usage: testserver [--port N | N] [--redis URL]   (or PORT=N, REDIS_URL=URL; default port 8081)";

/// What the arguments say: the port (else `PORT`, else 8081) and a Redis
/// to join (else `REDIS_URL`); anything else is refused with the usage line.
struct Args {
    port: u16,
    redis: Option<String>,
}

fn args() -> Result<Args, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut port = None;
    let mut redis = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = |rest: &mut std::slice::Iter<String>| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--port" if port.is_none() => port = Some(value(&mut rest)?),
            a if a.starts_with("--port=") && port.is_none() => {
                port = Some(a["--port=".len()..].to_owned())
            }
            "--redis" if redis.is_none() => redis = Some(value(&mut rest)?),
            a if !a.starts_with('-') && port.is_none() => port = Some(a.to_owned()),
            _ => return Err(format!("unexpected arguments {args:?}")),
        }
    }
    let port = port.or_else(|| std::env::var("PORT").ok().filter(|p| !p.is_empty()));
    let port = match port {
        None => 8081,
        Some(p) => p.parse().map_err(|_| format!("not a port: {p:?}"))?,
    };
    let redis = redis.or_else(|| std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()));
    Ok(Args { port, redis })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let Args { port, redis } = match args() {
        Ok(a) => a,
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
    // --redis / REDIS_URL: this node joins a cluster on that Redis
    // (NODE_TIMEOUT_MS: how soon a silent node counts as lost).
    #[cfg(not(feature = "redis"))]
    if redis.is_some() {
        eprintln!("testserver: --redis needs a build with --features redis");
        std::process::exit(2);
    }
    #[cfg(feature = "redis")]
    if let Some(url) = redis {
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
                eprintln!("testserver: --redis {url}: {e}");
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
