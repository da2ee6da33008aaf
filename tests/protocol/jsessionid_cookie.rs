//! `JsessionidCookie`: the `JSESSIONID` cookie on the `cookie_needed_echo` service.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_basic() {
    let s = suite().await;
    let r = get(&format!("{}/info", s.cookie), &[]).await;
    r.assert_status(200);
    r.verify_no_cookie();
    let data: serde_json::Value = serde_json::from_slice(&r.body).expect("info is JSON");
    assert_eq!(data["cookie_needed"], serde_json::Value::Bool(true));
}

#[actix_web::test]
async fn test_xhr() {
    let s = suite().await;
    // Polling urls set the cookie.
    let url = session_url(&s.cookie);
    let r = post(&format!("{url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");
    r.verify_cookie("dummy");

    // An existing cookie is echoed back.
    let url = session_url(&s.cookie);
    let r = post(
        &format!("{url}/xhr"),
        &[("Cookie", "JSESSIONID=abcdef")],
        "",
    )
    .await;
    r.assert_status(200);
    r.assert_body("o\n");
    r.verify_cookie("abcdef");
}

#[actix_web::test]
async fn test_xhr_streaming() {
    let s = suite().await;
    let url = session_url(&s.cookie);
    let r = post_async(&format!("{url}/xhr_streaming"), &[]).await;
    r.assert_status(200);
    r.verify_cookie("dummy");
}

#[actix_web::test]
async fn test_eventsource() {
    let s = suite().await;
    let url = session_url(&s.cookie);
    let r = get_async(&format!("{url}/eventsource"), &[]).await;
    r.assert_status(200);
    r.verify_cookie("dummy");
}

#[actix_web::test]
async fn test_htmlfile() {
    let s = suite().await;
    let url = session_url(&s.cookie);
    let r = get_async(&format!("{url}/htmlfile?c=%63allback"), &[]).await;
    r.assert_status(200);
    r.verify_cookie("dummy");
}

#[actix_web::test]
async fn test_jsonp() {
    let s = suite().await;
    let url = session_url(&s.cookie);
    let r = get(&format!("{url}/jsonp?c=%63allback"), &[]).await;
    r.assert_status(200);
    r.verify_cookie("dummy");
    r.assert_body("/**/callback(\"o\");\r\n");

    let r = post(
        &format!("{url}/jsonp_send"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "d=%5B%22x%22%5D",
    )
    .await;
    r.assert_body("ok");
    r.assert_status(200);
    r.verify_cookie("dummy");
}
