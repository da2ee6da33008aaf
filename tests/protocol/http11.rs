//! `Http11`: HTTP/1.1 keep-alive and chunking, byte by byte.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_synchronous() {
    let s = suite().await;
    let mut c = RawConn::connect(&s.base).await;
    let keep_alive = [("Connection", "Keep-Alive")];
    let r = c.request("GET", &s.base, "1.1", &keep_alive, None).await;
    // Keep-alive is the HTTP/1.1 default.
    let connection = r.header("connection").unwrap_or_default().to_lowercase();
    assert!(
        connection == "keep-alive" || connection.is_empty(),
        "Your server doesn't support connection:Keep-Alive ({connection:?})"
    );
    if r.has("content-length") {
        assert_eq!(
            r.must("content-length").trim().parse::<usize>().ok(),
            Some(19)
        );
        assert_eq!(c.read_exact(19).await, b"Welcome to SockJS!\n");
        r.assert_no_header("transfer-encoding");
    } else {
        assert_eq!(
            r.header("transfer-encoding")
                .map(|v| v.to_lowercase())
                .as_deref(),
            Some("chunked")
        );
        assert_eq!(c.read_chunk().await, b"Welcome to SockJS!\n");
        assert_eq!(c.read_chunk().await, b"");
    }
    // The connection serves another request.
    let r = c.request("GET", &s.base, "1.1", &keep_alive, None).await;
    r.assert_status(200);
}

#[actix_web::test]
async fn test_streaming() {
    let s = suite().await;
    let url = session_url(&s.close);
    let mut c = RawConn::connect(&url).await;
    let r = c
        .request(
            "POST",
            &format!("{url}/xhr_streaming"),
            "1.1",
            &[("Connection", "Keep-Alive")],
            None,
        )
        .await;
    r.assert_status(200);
    // Chunked, without a length.
    assert_eq!(
        r.header("transfer-encoding")
            .map(|v| v.to_lowercase())
            .as_deref(),
        Some("chunked")
    );
    r.assert_no_header("content-length");

    assert_eq!(c.read_chunk().await.first(), Some(&b'h')); // prelude
    assert_eq!(c.read_chunk().await, b"o\n");
    assert_eq!(c.read_chunk().await, b"c[3000,\"Go away!\"]\n");
    assert_eq!(c.read_chunk().await, b"");
}
