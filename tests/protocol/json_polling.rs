//! `JsonPolling`: `/*/*/jsonp?c=<callback>` and `/*/*/jsonp_send`.

use crate::{common::client::*, suite};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

#[actix_web::test]
async fn test_transport() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = get(&format!("{url}/jsonp?c=%63allback"), &[]).await;
    r.assert_status(200);
    r.verify_content_type("application/javascript;charset=UTF-8");
    r.verify_not_cached();
    r.assert_body("/**/callback(\"o\");\r\n");

    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%22x%22%5D").await;
    // `ok` rather than a 204 (Konqueror).
    r.assert_body("ok");
    r.assert_status(200);
    r.verify_content_type("text/plain;charset=UTF-8");
    r.verify_not_cached();

    let r = get(&format!("{url}/jsonp?c=%63allback"), &[]).await;
    r.assert_status(200);
    r.assert_body("/**/callback(\"a[\\\"x\\\"]\");\r\n");
}

#[actix_web::test]
async fn test_no_callback() {
    let s = suite().await;
    let r = get(&format!("{}/a/a/jsonp", s.base), &[]).await;
    r.assert_status(500);
    r.assert_body_contains("\"callback\" parameter required");
}

#[actix_web::test]
async fn test_invalid_callback() {
    let s = suite().await;
    for callback in ["%20", "*", "abc(", "abc%28"] {
        let r = get(&format!("{}/a/a/jsonp?c={callback}", s.base), &[]).await;
        r.assert_status(500);
        r.assert_body_contains("invalid \"callback\" parameter");
    }
}

#[actix_web::test]
async fn test_invalid_json() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_body("/**/x(\"o\");\r\n");

    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%22x").await;
    r.assert_status(500);
    r.assert_body_contains("Broken JSON encoding.");

    for data in ["", "d=", "p=p"] {
        let r = post(&format!("{url}/jsonp_send"), &[FORM], data).await;
        r.assert_status(500);
        r.assert_body_contains("Payload expected.");
    }

    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%22b%22%5D").await;
    r.assert_body("ok");

    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_status(200);
    r.assert_body("/**/x(\"a[\\\"b\\\"]\");\r\n");
}

#[actix_web::test]
async fn test_content_types() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_body("/**/x(\"o\");\r\n");

    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%22abc%22%5D").await;
    r.assert_body("ok");
    // A text/plain body is the JSON itself, not url-decoded.
    let r = post(
        &format!("{url}/jsonp_send"),
        &[("Content-Type", "text/plain")],
        r#"["%61bc"]"#,
    )
    .await;
    r.assert_body("ok");

    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_status(200);
    r.assert_body("/**/x(\"a[\\\"abc\\\",\\\"%61bc\\\"]\");\r\n");
}

#[actix_web::test]
async fn test_close() {
    let s = suite().await;
    let url = session_url(&s.close);
    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_body("/**/x(\"o\");\r\n");

    for _ in 0..2 {
        let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
        r.assert_body("/**/x(\"c[3000,\\\"Go away!\\\"]\");\r\n");
    }
}

#[actix_web::test]
async fn test_sending_empty_frame() {
    let s = suite().await;
    let url = session_url(&s.base);
    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_body("/**/x(\"o\");\r\n");

    // A frame without messages is allowed.
    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%5D").await;
    r.assert_body("ok");

    let r = post(&format!("{url}/jsonp_send"), &[FORM], "d=%5B%22x%22%5D").await;
    r.assert_body("ok");

    let r = get(&format!("{url}/jsonp?c=x"), &[]).await;
    r.assert_status(200);
    r.assert_body("/**/x(\"a[\\\"x\\\"]\");\r\n");
}
