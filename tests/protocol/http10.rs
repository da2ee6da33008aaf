//! `Http10`: HTTP/1.0 framing, byte by byte.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_synchronous() {
    let s = suite().await;
    let mut c = RawConn::connect(&s.base).await;
    let keep_alive = [("Connection", "Keep-Alive")];
    let r = c.request("GET", &s.base, "1.0", &keep_alive, None).await;
    r.assert_status(200);
    assert!(["1.0", "1.1"].contains(&r.http.as_str()), "HTTP/{}", r.http);
    // No chunking in HTTP/1.0.
    r.assert_no_header("transfer-encoding");

    if !r.has("content-length") {
        assert_eq!(
            r.header("connection").map(|v| v.to_lowercase()).as_deref(),
            Some("close")
        );
        assert_eq!(c.read_to_eof().await, b"Welcome to SockJS!\n");
        c.assert_closed().await;
    } else {
        assert_eq!(
            r.must("content-length").trim().parse::<usize>().ok(),
            Some(19)
        );
        assert_eq!(c.read_exact(19).await, b"Welcome to SockJS!\n");
        let connection = r.header("connection").unwrap_or_default().to_lowercase();
        if connection == "close" || connection.is_empty() {
            // Closing is the HTTP/1.0 default.
            c.assert_closed().await;
        } else {
            assert_eq!(connection, "keep-alive");
            // The connection serves another request.
            let r = c.request("GET", &s.base, "1.0", &keep_alive, None).await;
            r.assert_status(200);
        }
    }
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
            "1.0",
            &[("Connection", "Keep-Alive")],
            None,
        )
        .await;
    r.assert_status(200);
    // Neither chunking (HTTP/1.0) nor a length (unknown yet): the body ends with the connection.
    r.assert_no_header("transfer-encoding");
    r.assert_no_header("content-length");

    assert_eq!(c.read_exact(2048 + 1).await[0], b'h'); // prelude
    assert_eq!(c.read_exact(2).await, b"o\n");
    assert_eq!(c.read_exact(19).await, b"c[3000,\"Go away!\"]\n");
    c.assert_closed().await;
}
