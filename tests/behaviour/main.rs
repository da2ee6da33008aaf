//! Behaviour of the session layer beyond the protocol suite, against real
//! servers on loopback ports with real clients: delivery under load, expiry,
//! heartbeats, queue bounds, origins, limits, the accept hook, isolation.

#[path = "../common/mod.rs"]
mod common;

mod broadcast;
mod client_js;
mod delivery;
mod lifecycle;
mod limits;
mod security;

use std::time::Duration;

use actix_sockjs::SockJs;
use tokio::sync::mpsc;

use common::client::TIMEOUT;

/// Serves one service at `/s`.
pub fn serve_one(service: SockJs) -> common::Server {
    common::serve(move |cfg| {
        cfg.service(service.scope("/s"));
    })
}

/// Receives the next report a handler sent, or fails after [`TIMEOUT`].
pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(TIMEOUT, rx.recv())
        .await
        .expect("timed out waiting for the handler")
        .expect("handler channel closed")
}

/// The messages of an `a[...]` frame (a poll body, with or without `\n`).
pub fn frame_messages(frame: &str) -> Vec<String> {
    let frame = frame.trim_end();
    let array = frame
        .strip_prefix('a')
        .unwrap_or_else(|| panic!("not a message frame: {frame:?}"));
    serde_json::from_str(array).expect("frame is a JSON array of strings")
}

pub const SHORT: Duration = Duration::from_millis(150);
