//! `WebsocketHttpErrors`: plain HTTP requests to `/*/*/websocket`.
//!
//! These go over a raw connection because awc replaces any `Connection` header.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_http_method() {
    let s = suite().await;
    let r = raw_request("GET", &format!("{}/0/0/websocket", s.base), &[], None).await;
    r.assert_status(400);
}

#[actix_web::test]
async fn test_invalid_connection_header() {
    let s = suite().await;
    let r = raw_request(
        "GET",
        &format!("{}/0/0/websocket", s.base),
        &[("Upgrade", "WebSocket"), ("Connection", "close")],
        None,
    )
    .await;
    r.assert_status(400);
}

#[actix_web::test]
async fn test_invalid_method() {
    let s = suite().await;
    let url = format!("{}/0/0/websocket", s.base);
    let upgrade: &[(&str, &str)] = &[("Upgrade", "WebSocket"), ("Connection", "Upgrade")];
    for headers in [upgrade, &[]] {
        raw_request("POST", &url, headers, None).await.verify405();
    }
}
