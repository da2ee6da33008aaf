//! `HandlingClose`: closing sessions and aborted receiving requests.

use crate::{common::client::*, suite};

const ANOTHER_CONNECTION: &str = "c[2010,\"Another connection still open\"]\n";

#[actix_web::test]
async fn test_close_frame() {
    let s = suite().await;
    let url = session_url(&s.close);
    let mut r1 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r1.read().await; // prelude
    r1.expect("o\n").await;
    r1.expect("c[3000,\"Go away!\"]\n").await;

    // A closing session unlinks its request: the next one gets the close frame, not 2010.
    let mut r2 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r2.read().await; // prelude
    r2.expect("c[3000,\"Go away!\"]\n").await;

    // Streams end after the close frame.
    r1.expect_end().await;
    r2.expect_end().await;
}

#[actix_web::test]
async fn test_close_request() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r1 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r1.read().await; // prelude
    r1.expect("o\n").await;

    let mut r2 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r2.read().await; // prelude
    r2.expect(ANOTHER_CONNECTION).await;
    r2.expect_end().await;
    r1.close();
}

#[actix_web::test]
async fn test_abort_xhr_streaming() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r1 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r1.read().await; // prelude
    r1.expect("o\n").await;

    let mut r2 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r2.read().await; // prelude
    r2.expect(ANOTHER_CONNECTION).await;
    r2.expect_end().await;

    r1.close();
    s.detached(&url).await;

    // After the abort: a fresh session, or the interrupted session's close frame.
    let mut r3 = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r3.read().await; // prelude
    let frame = r3.read_str().await;
    assert!(
        ["o\n", "c[1002,\"Connection interrupted\"]\n"].contains(&frame.as_str()),
        "unexpected frame {frame:?}"
    );
    r3.close();
}

#[actix_web::test]
async fn test_abort_xhr_polling() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r1 = post(&format!("{url}/xhr"), &[], "").await;
    r1.assert_body("o\n");

    let r1 = post_pending(&format!("{url}/xhr")).await;
    s.attached(&url).await;

    let r2 = post(&format!("{url}/xhr"), &[], "").await;
    r2.assert_body(ANOTHER_CONNECTION);

    r1.abort();
    s.detached(&url).await;

    let r3 = post(&format!("{url}/xhr"), &[], "").await;
    let body = r3.text();
    assert!(
        ["o\n", "c[1002,\"Connection interrupted\"]\n"].contains(&body.as_str()),
        "unexpected body {body:?}"
    );
}
