//! `HtmlFile`: `/*/*/htmlfile?c=<callback>`.

use crate::{common::client::*, suite};

/// The page head (stripped), with `CALLBACK` for the callback name.
const HEAD: &str = r#"<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.CALLBACK;
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>"#;

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = get_async(&format!("{url}/htmlfile?c=%63allback"), &[]).await;
    r.assert_status(200);
    r.verify_content_type("text/html;charset=UTF-8");
    r.verify_not_cached();

    let d = r.read().await;
    assert_eq!(
        String::from_utf8_lossy(py_strip(&d)),
        HEAD.replace("CALLBACK", "callback")
    );
    assert!(
        d.len() > 1024,
        "the head must be padded past 1 KiB, got {} bytes",
        d.len()
    );
    r.expect("<script>\np(\"o\");\n</script>\r\n").await;

    let r1 = post(&format!("{url}/xhr_send"), &[], r#"["x"]"#).await;
    r1.assert_empty_body();
    r1.assert_status(204);
    r.expect("<script>\np(\"a[\\\"x\\\"]\");\n</script>\r\n")
        .await;
    r.close();
}

#[actix_web::test]
async fn test_no_callback() {
    let s = suite().await;
    let r = get(&format!("{}/a/a/htmlfile", s.base), &[]).await;
    r.assert_status(500);
    r.assert_body_contains("\"callback\" parameter required");
}

#[actix_web::test]
async fn test_invalid_callback() {
    let s = suite().await;
    for callback in ["%20", "*", "abc(", "abc%28"] {
        let r = get(&format!("{}/a/a/htmlfile?c={callback}", s.base), &[]).await;
        r.assert_status(500);
        r.assert_body_contains("invalid \"callback\" parameter");
    }
}

#[actix_web::test]
async fn test_response_limit() {
    let s = suite().await;
    let url = session_url(&s.base);
    let mut r = get_async(&format!("{url}/htmlfile?c=callback"), &[]).await;
    r.assert_status(200);
    assert!(!r.read().await.is_empty(), "missing prelude");
    r.expect("<script>\np(\"o\");\n</script>\r\n").await;

    // The test server closes a stream after 4096 bytes of frames.
    let msg = "x".repeat(4096);
    let r1 = post(&format!("{url}/xhr_send"), &[], &format!("[\"{msg}\"]")).await;
    r1.assert_status(204);
    r.expect(&format!(
        "<script>\np(\"a[\\\"{msg}\\\"]\");\n</script>\r\n"
    ))
    .await;

    r.expect_end().await;
}
