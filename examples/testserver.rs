//! The conformance test server: every service the SockJS protocol suite and
//! sockjs-client's tests expect, on 127.0.0.1.
//!
//! `cargo run --example testserver [PORT]` (or `PORT=…`; default 8081).
//! `SOCKJS_URL` sets the client script the iframe page loads.

mod common;

use actix_web::{App, HttpServer};
use common::conformance;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
        .and_then(|p| p.parse().ok())
        .unwrap_or(8081);
    let mut options = conformance::Options::default();
    if let Ok(url) = std::env::var("SOCKJS_URL") {
        options.sockjs_url = url;
    }
    let services = conformance::services(&options);
    let server = HttpServer::new(move || {
        let services = services.clone();
        App::new().configure(move |cfg| conformance::configure(&services, cfg))
    })
    .h1_allow_half_closed(false)
    .workers(2)
    .bind(("127.0.0.1", port))?;
    println!("testserver listening on http://127.0.0.1:{port}");
    server.run().await
}
