//! `XhrPolling`: `/*/*/xhr` and `/*/*/xhr_send`.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_options() {
    let s = suite().await;
    for suffix in ["/xhr", "/xhr_send"] {
        verify_options(&format!("{}/abc/abc{suffix}", s.base), "OPTIONS, POST").await;
    }
}

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = post(&format!("{url}/xhr"), &[("Origin", "test")], "").await;
    r.assert_status(200);
    r.assert_body("o\n");
    r.verify_content_type("application/javascript;charset=UTF-8");
    r.verify_cors(Some("test"));
    r.verify_not_cached();

    let r = post(
        &format!("{url}/xhr_send"),
        &[("Origin", "test")],
        r#"["x"]"#,
    )
    .await;
    r.assert_status(204);
    r.assert_empty_body();
    // text/plain even on a 204 (Firefox/Firebug would assume XML otherwise).
    r.verify_content_type("text/plain;charset=UTF-8");
    r.verify_cors(Some("test"));
    r.verify_not_cached();

    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("a[\"x\"]\n");
}

#[actix_web::test]
async fn test_invalid_session() {
    let s = suite().await;
    let url = session_url(&s.base);
    post(&format!("{url}/xhr_send"), &[], r#"["x"]"#)
        .await
        .verify404();
}

#[actix_web::test]
async fn test_invalid_json() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");

    let r = post(&format!("{url}/xhr_send"), &[], r#"["x"#).await;
    r.assert_status(500);
    r.assert_body_contains("Broken JSON encoding.");

    let r = post(&format!("{url}/xhr_send"), &[], "").await;
    r.assert_status(500);
    r.assert_body_contains("Payload expected.");

    let r = post(&format!("{url}/xhr_send"), &[], r#"["a"]"#).await;
    r.assert_empty_body();
    r.assert_status(204);

    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_body("a[\"a\"]\n");
    r.assert_status(200);
}

#[actix_web::test]
async fn test_content_types() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_body("o\n");

    let ctypes = [
        "text/plain",
        "T",
        "application/json",
        "application/xml",
        "",
        "application/json; charset=utf-8",
        "text/xml; charset=utf-8",
        "text/xml",
    ];
    for ct in ctypes {
        let r = post(
            &format!("{url}/xhr_send"),
            &[("Content-Type", ct)],
            r#"["a"]"#,
        )
        .await;
        r.assert_status(204);
        r.assert_empty_body();
    }

    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body(&format!("a[{}]\n", vec![r#""a""#; ctypes.len()].join(",")));
}

#[actix_web::test]
async fn test_request_headers_cors() {
    let s = suite().await;
    let preflight = [
        ("Origin", "test"),
        ("Access-Control-Request-Method", "POST"),
    ];

    let url = session_url(&s.base);
    let mut headers = preflight.to_vec();
    headers.push(("Access-Control-Request-Headers", "a, b, c"));
    let r = options(&format!("{url}/xhr"), &headers).await;
    r.assert_status_204_or_200();
    r.verify_cors(Some("test"));
    assert_eq!(
        r.header("access-control-allow-headers").as_deref(),
        Some("a, b, c")
    );

    let url = session_url(&s.base);
    let mut headers = preflight.to_vec();
    headers.push(("Access-Control-Request-Headers", ""));
    let r = options(&format!("{url}/xhr"), &headers).await;
    r.assert_status_204_or_200();
    r.verify_cors(Some("test"));
    r.assert_no_header("access-control-allow-headers");

    let url = session_url(&s.base);
    let r = options(&format!("{url}/xhr"), &preflight).await;
    r.assert_status_204_or_200();
    r.verify_cors(Some("test"));
    r.assert_no_header("access-control-allow-headers");
}

#[actix_web::test]
async fn test_sending_empty_frame() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");

    // A frame without messages is allowed (clients use it as a heartbeat).
    let r = post(&format!("{url}/xhr_send"), &[], "[]").await;
    r.assert_status(204);

    let r = post(&format!("{url}/xhr_send"), &[], r#"["a"]"#).await;
    r.assert_status(204);

    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_body("a[\"a\"]\n");
    r.assert_status(200);
}
