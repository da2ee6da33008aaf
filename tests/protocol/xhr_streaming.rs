//! `XhrStreaming`: `/*/*/xhr_streaming`.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_options() {
    let s = suite().await;
    verify_options(
        &format!("{}/abc/abc/xhr_streaming", s.base),
        "OPTIONS, POST",
    )
    .await;
}

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = post_async(&format!("{url}/xhr_streaming"), &[("Origin", "test")]).await;
    r.assert_status(200);
    r.verify_content_type("application/javascript;charset=UTF-8");
    r.verify_cors(Some("test"));
    r.verify_not_cached();

    // A 2 KiB prelude of `h`, then the open frame.
    r.expect(&format!("{}\n", "h".repeat(2048))).await;
    r.expect("o\n").await;

    let r1 = post(&format!("{url}/xhr_send"), &[], r#"["x"]"#).await;
    r1.assert_status(204);
    r1.assert_empty_body();

    r.expect("a[\"x\"]\n").await;
    r.close();
}

#[actix_web::test]
async fn test_response_limit() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r.assert_status(200);
    assert!(!r.read().await.is_empty(), "missing prelude");
    r.expect("o\n").await;

    // The test server closes a stream after 4096 bytes of frames.
    let msg = format!("\"{}\"", "x".repeat(128));
    for _ in 0..31 {
        let r1 = post(&format!("{url}/xhr_send"), &[], &format!("[{msg}]")).await;
        r1.assert_status(204);
        r.expect(&format!("a[{msg}]\n")).await;
    }

    r.expect_end().await;
}
