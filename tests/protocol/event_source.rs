//! `EventSource`: `/*/*/eventsource`.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = get_async(&format!("{url}/eventsource"), &[]).await;
    r.assert_status(200);
    r.verify_content_type("text/event-stream");
    r.verify_not_cached();

    // A newline prelude (an Opera bug), then frames as events.
    r.expect("\r\n").await;
    r.expect("data: o\r\n\r\n").await;

    let r1 = post(&format!("{url}/xhr_send"), &[], r#"["x"]"#).await;
    r1.assert_empty_body();
    r1.assert_status(204);
    r.expect("data: a[\"x\"]\r\n\r\n").await;

    // Leading spaces, newlines and NUL arrive JSON-escaped.
    let r1 = post(&format!("{url}/xhr_send"), &[], r#"["  \u0000\n\r "]"#).await;
    r1.assert_empty_body();
    r1.assert_status(204);
    r.expect("data: a[\"  \\u0000\\n\\r \"]\r\n\r\n").await;

    r.close();
}

#[actix_web::test]
async fn test_response_limit() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = get_async(&format!("{url}/eventsource"), &[]).await;
    r.assert_status(200);
    assert!(!r.read().await.is_empty(), "missing prelude");
    r.expect("data: o\r\n\r\n").await;

    // The test server closes a stream after 4096 bytes of frames.
    let msg = format!("\"{}\"", "x".repeat(4096));
    let r1 = post(&format!("{url}/xhr_send"), &[], &format!("[{msg}]")).await;
    r1.assert_status(204);
    r.expect(&format!("data: a[{msg}]\r\n\r\n")).await;

    r.expect_end().await;
}
