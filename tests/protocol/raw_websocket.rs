//! `RawWebsocket`: `/websocket`, plain WebSocket without SockJS framing.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&format!("{}/websocket", s.base))).await;
    ws.send("Hello world!\u{ffff}").await;
    assert_eq!(ws.recv_text().await, "Hello world!\u{ffff}");
    ws.close().await;
}

#[actix_web::test]
async fn test_close() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&format!("{}/websocket", s.close))).await;
    // First thing received: a close frame whose reason is the application's.
    let (_, reason) = ws.expect_closed().await;
    assert_eq!(reason, "Go away!");
    ws.close().await;
}
