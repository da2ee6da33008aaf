//! Checks from the older `sockjs-protocol-dev.py` that the current suite dropped, kept because
//! clients in use still need them: WebSocket sessions over the legacy hixie-76 framing (Safari 5,
//! iOS 5 and the WebSocket of old Android browsers; the current suite only checks its handshake,
//! in `websocket::test_haproxy`), hybi-07/08 handshakes (Firefox 6-10, Chrome 14-15), and a
//! `Connection` header carrying a list of tokens, as Firefox sends it.

use crate::{common::client::*, suite};

fn socket_url(service: &str) -> String {
    format!("{}/websocket", session_url(service))
}

#[actix_web::test]
async fn hixie76_transport() {
    let s = suite().await;
    let (mut ws, _) = Hixie76::connect(&socket_url(&s.base)).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["a"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["a"]"#);
    ws.close().await;
}

#[actix_web::test]
async fn hixie76_close() {
    let s = suite().await;
    let (mut ws, _) = Hixie76::connect(&socket_url(&s.close)).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, r#"c[3000,"Go away!"]"#);
    // The connection is closed after the close frame.
    ws.expect_closed().await;
    ws.close().await;
}

#[actix_web::test]
async fn hixie76_empty_frame() {
    let s = suite().await;
    let (mut ws, _) = Hixie76::connect(&socket_url(&s.base)).await;
    assert_eq!(ws.recv_text().await, "o");
    // Empty messages and frames without messages are ignored.
    ws.send("").await;
    ws.send("[]").await;
    ws.send(r#"["a"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["a"]"#);
    ws.close().await;
}

#[actix_web::test]
async fn hixie76_reuse_session_id() {
    let s = suite().await;
    let url = socket_url(&s.base);
    let (mut ws1, _) = Hixie76::connect(&url).await;
    assert_eq!(ws1.recv_text().await, "o");
    let (mut ws2, _) = Hixie76::connect(&url).await;
    assert_eq!(ws2.recv_text().await, "o");

    ws1.send(r#"["a"]"#).await;
    assert_eq!(ws1.recv_text().await, r#"a["a"]"#);
    ws2.send(r#"["b"]"#).await;
    assert_eq!(ws2.recv_text().await, r#"a["b"]"#);
    ws1.close().await;
    ws2.close().await;

    let (mut ws1, _) = Hixie76::connect(&url).await;
    assert_eq!(ws1.recv_text().await, "o");
    ws1.send(r#"["a"]"#).await;
    assert_eq!(ws1.recv_text().await, r#"a["a"]"#);
    ws1.close().await;
}

#[actix_web::test]
async fn hixie76_broken_json() {
    let s = suite().await;
    let (mut ws, _) = Hixie76::connect(&socket_url(&s.base)).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["a"#).await;
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

/// hybi-07 and -08 frame exactly like RFC 6455: their handshakes succeed.
#[actix_web::test]
async fn hybi_07_and_08_headers_sanity() {
    let s = suite().await;
    for version in ["7", "8"] {
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

/// Firefox sends `Connection: keep-alive, Upgrade`: the header is a list of tokens.
#[actix_web::test]
async fn firefox_connection_header_is_a_token_list() {
    let s = suite().await;
    for version in ["7", "13"] {
        let r = handshake(&socket_url(&s.base), version, "keep-alive, Upgrade").await;
        r.assert_status(101);
        r.close();
    }
}
