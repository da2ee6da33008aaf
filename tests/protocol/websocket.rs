//! `WebsocketHybi10`: RFC 6455 (hybi-07/08/13) WebSocket on `/*/*/websocket`.

use crate::{common::client::*, suite};

fn socket_url(service: &str) -> String {
    format!("{}/websocket", session_url(service))
}

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let mut ws = Ws::connect(&s.ws(&socket_url(&s.base))).await;
    assert_eq!(ws.recv_text().await, "o");
    // Empty messages are ignored.
    ws.send("").await;
    ws.send(r#"["a"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["a"]"#);
    ws.close().await;
}

#[actix_web::test]
async fn test_close() {
    let s = suite().await;
    let mut ws = Ws::connect(&s.ws(&socket_url(&s.close))).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, r#"c[3000,"Go away!"]"#);
    ws.expect_closed().await;
    ws.close().await;
}

/// The suite's handshake request with the given version and `Connection` header.
async fn handshake(url: &str, version: &str, connection: &str) -> Streaming {
    get_async(
        url,
        &[
            ("Upgrade", "websocket"),
            ("Connection", connection),
            ("Sec-WebSocket-Version", version),
            ("Sec-WebSocket-Origin", "http://asd"),
            ("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw=="),
        ],
    )
    .await
}

#[actix_web::test]
async fn test_headers_sanity() {
    let s = suite().await;
    for version in ["7", "8", "13"] {
        let r = handshake(&socket_url(&s.base), version, "Upgrade").await;
        r.assert_status(101);
        assert_eq!(
            r.header("sec-websocket-accept").as_deref(),
            Some("HSmrc0sMlYUkAGmm5OPpG2HaGWk=")
        );
        assert_eq!(r.must("connection").to_lowercase(), "upgrade");
        assert_eq!(r.must("upgrade").to_lowercase(), "websocket");
        r.assert_no_header("content-length");
        r.close();
    }
}

#[actix_web::test]
async fn test_broken_json() {
    let s = suite().await;
    let mut ws = Ws::connect(&s.ws(&socket_url(&s.base))).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["a"#).await;
    ws.expect_closed().await;
    ws.close().await;
}

/// Firefox 6.0.2 speaks version 7 and sends `Connection: keep-alive, Upgrade`.
#[actix_web::test]
async fn test_firefox_602_connection_header() {
    let s = suite().await;
    let r = handshake(&socket_url(&s.base), "7", "keep-alive, Upgrade").await;
    r.assert_status(101);
}
