//! `Websocket`: the SockJS-framed WebSocket on `/*/*/websocket`, RFC 6455 (version 13), plus
//! the suite's one hixie-76 check (`test_haproxy`: the handshake behind HAProxy).

use crate::{common::client::*, suite};

fn socket_url(service: &str) -> String {
    format!("{}/websocket", session_url(service))
}

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&socket_url(&s.base))).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["a"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["a"]"#);
    ws.close().await;
}

#[actix_web::test]
async fn test_close() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&socket_url(&s.close))).await;
    assert_eq!(ws.recv_text().await, "o");
    assert_eq!(ws.recv_text().await, r#"c[3000,"Go away!"]"#);
    // Next: a close frame or the end of the connection, never a message.
    ws.expect_closed().await;
    ws.close().await;
}

#[actix_web::test]
async fn test_headers_sanity() {
    let s = suite().await;
    let r = get_async(
        &socket_url(&s.base),
        &[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Origin", "http://asd"),
            ("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw=="),
        ],
    )
    .await;
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

#[actix_web::test]
async fn test_empty_frame() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&socket_url(&s.base))).await;
    assert_eq!(ws.recv_text().await, "o");
    // An empty message and an empty array carry no messages: nothing comes back for them.
    ws.send("").await;
    ws.send("[]").await;
    ws.send(r#"["a"]"#).await;
    assert_eq!(ws.recv_text().await, r#"a["a"]"#);
    ws.close().await;
}

#[actix_web::test]
async fn test_reuse_session_id() {
    let s = suite().await;
    let url = s.ws(&socket_url(&s.base));
    let mut ws1 = Ws::connect_with_origin(&url).await;
    let mut ws2 = Ws::connect_with_origin(&url).await;
    assert_eq!(ws1.recv_text().await, "o");
    assert_eq!(ws2.recv_text().await, "o");

    // Two sockets on one session id are two independent sessions.
    ws1.send(r#"["a"]"#).await;
    assert_eq!(ws1.recv_text().await, r#"a["a"]"#);
    ws2.send(r#"["b"]"#).await;
    assert_eq!(ws2.recv_text().await, r#"a["b"]"#);
    ws1.close().await;
    ws2.close().await;

    // The id may be used again once they are closed.
    let mut ws1 = Ws::connect_with_origin(&url).await;
    assert_eq!(ws1.recv_text().await, "o");
    ws1.send(r#"["a"]"#).await;
    assert_eq!(ws1.recv_text().await, r#"a["a"]"#);
    ws1.close().await;
}

/// HAProxy forwards the -76 key only after the response head, so the server must answer the
/// head before it has the key, then the key, then frames.
#[actix_web::test]
async fn test_haproxy() {
    let s = suite().await;
    let http_url = socket_url(&s.base);
    let ws_url = s.ws(&http_url);
    let origin = format!("http://{}", split_url(&http_url).0);

    let mut c = RawConn::connect(&http_url).await;
    let r = c
        .request(
            "GET",
            &http_url,
            "1.1",
            &[
                ("Connection", "Upgrade"),
                ("Upgrade", "WebSocket"),
                ("Origin", &origin),
                ("Sec-WebSocket-Key1", HIXIE_KEY1),
                ("Sec-WebSocket-Key2", HIXIE_KEY2),
            ],
            None,
        )
        .await;
    r.assert_status(101);
    assert_eq!(r.must("connection").to_lowercase(), "upgrade");
    assert_eq!(r.must("upgrade").to_lowercase(), "websocket");
    assert_eq!(r.must("sec-websocket-location"), ws_url);
    assert_eq!(r.must("sec-websocket-origin"), origin);
    assert!(
        r.header("content-length").is_none(),
        "101 with Content-Length: {r:?}"
    );

    // Only now the key.
    c.send(HIXIE_KEY3).await;
    let data = c.read().await;
    assert!(data.len() >= 16, "short challenge answer {data:?}");
    assert_eq!(data[..16], HIXIE_ANSWER);
}

#[actix_web::test]
async fn test_broken_json() {
    let s = suite().await;
    let mut ws = Ws::connect_with_origin(&s.ws(&socket_url(&s.base))).await;
    assert_eq!(ws.recv_text().await, "o");
    ws.send(r#"["a"#).await;
    // No message: a close frame, then the connection really ends.
    ws.expect_closed().await;
    ws.expect_connection_end().await;
}
