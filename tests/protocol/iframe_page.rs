//! `IframePage`: `/iframe.html` and its versioned variants.

use crate::{common::client::*, suite};

/// Everything of the page before `sockjs_url`.
const BEFORE_URL: &str = r#"<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src=""#;

/// Everything of the page after `sockjs_url`.
const AFTER_URL: &str = r#""></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>"#;

/// The suite's `verify(url)`.
async fn verify(url: &str) -> Response {
    let r = get(url, &[]).await;
    r.assert_status(200);
    r.verify_content_type("text/html;charset=UTF-8");
    r.verify_long_cache();
    assert!(r.has("etag"), "missing ETag: {r:?}");
    r.assert_no_header("last-modified");

    let text = r.text();
    let body = String::from_utf8_lossy(py_strip(text.as_bytes())).into_owned();
    let sockjs_url = body
        .strip_prefix(BEFORE_URL)
        .and_then(|rest| rest.strip_suffix(AFTER_URL))
        .filter(|url| !url.contains('"'))
        .unwrap_or_else(|| panic!("{url}: iframe body does not match the template:\n{body}"));
    assert!(
        sockjs_url.starts_with('/') || sockjs_url.starts_with("http"),
        "sockjs_url {sockjs_url:?} must be a url"
    );
    r.verify_no_cookie();
    r
}

#[actix_web::test]
async fn test_simple_url() {
    let s = suite().await;
    verify(&format!("{}/iframe.html", s.base)).await;
}

#[actix_web::test]
async fn test_versioned_url() {
    let s = suite().await;
    for suffix in [
        "/iframe-a.html",
        "/iframe-.html",
        "/iframe-0.1.2.html",
        "/iframe-0.1.2abc-dirty.2144.html",
    ] {
        verify(&format!("{}{suffix}", s.base)).await;
    }
}

#[actix_web::test]
async fn test_queried_url() {
    let s = suite().await;
    for suffix in [
        "/iframe-a.html?t=1234",
        "/iframe-0.1.2.html?t=123414",
        "/iframe-0.1.2abc-dirty.2144.html?t=qweqweq123",
    ] {
        verify(&format!("{}{suffix}", s.base)).await;
    }
}

#[actix_web::test]
async fn test_invalid_url() {
    let s = suite().await;
    for suffix in [
        "/iframe.htm",
        "/iframe",
        "/IFRAME.HTML",
        "/IFRAME",
        "/iframe.HTML",
        "/iframe.xml",
        "/iframe-/.html",
    ] {
        get(&format!("{}{suffix}", s.base), &[]).await.verify404();
    }
}

#[actix_web::test]
async fn test_cacheability() {
    let s = suite().await;
    let url = format!("{}/iframe.html", s.base);
    let r1 = get(&url, &[]).await;
    let r2 = get(&url, &[]).await;
    assert_eq!(r1.header("etag"), r2.header("etag"));
    assert!(r1.has("etag"), "missing ETag");

    let etag = r1.must("etag");
    let r = get(&url, &[("If-None-Match", &etag)]).await;
    r.assert_status(304);
    r.assert_no_header("content-type");
    r.assert_empty_body();
}
