//! `RawWebsocket`: `/websocket`, plain WebSocket without SockJS framing.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let mut ws = Ws::connect(&s.ws(&format!("{}/websocket", s.base))).await;
    ws.send("Hello world!\u{ffff}").await;
    assert_eq!(ws.recv_text().await, "Hello world!\u{ffff}");
    ws.close().await;
}

#[actix_web::test]
async fn test_close() {
    let s = suite().await;
    let mut ws = Ws::connect(&s.ws(&format!("{}/websocket", s.close))).await;
    let (_, reason) = ws.expect_closed().await;
    assert!(
        ["Go away!", ""].contains(&reason.as_str()),
        "close reason {reason:?}"
    );
    ws.close().await;
}
