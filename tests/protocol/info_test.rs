//! `InfoTest`: `/info`.

use serde_json::Value;

use crate::{common::client::*, suite};

fn json(r: &Response) -> Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("info is not JSON ({e}): {:?}", r.text()))
}

fn is_integer(v: &Value) -> bool {
    v.is_u64() || v.is_i64()
}

#[actix_web::test]
async fn test_basic() {
    let s = suite().await;
    let r = get(&format!("{}/info", s.base), &[("Origin", "test")]).await;
    r.assert_status(200);
    r.verify_content_type("application/json;charset=UTF-8");
    r.verify_no_cookie();
    r.verify_not_cached();
    r.verify_cors(Some("test"));

    let data = json(&r);
    assert_eq!(data["websocket"], Value::Bool(true));
    assert!(
        data["cookie_needed"].is_boolean(),
        "cookie_needed: {:?}",
        data["cookie_needed"]
    );
    assert_eq!(data["origins"], serde_json::json!(["*:*"]));
    assert!(
        is_integer(&data["entropy"]),
        "entropy: {:?}",
        data["entropy"]
    );
}

#[actix_web::test]
async fn test_entropy() {
    let s = suite().await;
    let url = format!("{}/info", s.base);
    let data1 = json(&get(&url, &[]).await);
    let data2 = json(&get(&url, &[]).await);
    assert!(
        is_integer(&data1["entropy"]),
        "entropy: {:?}",
        data1["entropy"]
    );
    assert!(
        is_integer(&data2["entropy"]),
        "entropy: {:?}",
        data2["entropy"]
    );
    assert_ne!(data1["entropy"], data2["entropy"]);
}

#[actix_web::test]
async fn test_options() {
    let s = suite().await;
    verify_options(&format!("{}/info", s.base), "OPTIONS, GET").await;
}

#[actix_web::test]
async fn test_options_null_origin() {
    let s = suite().await;
    let r = options(
        &format!("{}/info", s.base),
        &[
            ("Origin", "null"),
            ("Access-Control-Request-Method", "POST"),
        ],
    )
    .await;
    r.assert_status_204_or_200();
    r.assert_empty_body();
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("null")
    );
}

#[actix_web::test]
async fn test_disabled_websocket() {
    let s = suite().await;
    let r = get(&format!("{}/info", s.wsoff), &[]).await;
    r.assert_status(200);
    assert_eq!(json(&r)["websocket"], Value::Bool(false));
}
