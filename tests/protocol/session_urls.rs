//! `SessionURLs`: `/<server>/<session>/<transport>` parsing.

use crate::{common::client::*, suite};

/// The suite's `verify(session_part)`: a new xhr session opens.
async fn verify(base: &str, session_part: &str) {
    let r = post(&format!("{base}{session_part}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");
}

#[actix_web::test]
async fn test_any_value() {
    let s = suite().await;
    let r = fastrand::u32(0..=1024).to_string();
    verify(&s.base, &format!("/a/a{r}")).await;
    for session_part in [
        format!("/_/_{r}"),
        format!("/1/{r}"),
        format!("/abcdefgh_i-j%20/abcdefg_i-j%20{r}"),
    ] {
        verify(&s.base, &session_part).await;
    }
}

#[actix_web::test]
async fn test_invalid_paths() {
    let s = suite().await;
    for suffix in ["//", "/a./a", "/a/a.", "/./.", "/", "///"] {
        let url = format!("{}{suffix}/xhr", s.base);
        get(&url, &[]).await.verify404();
        post(&url, &[], "").await.verify404();
    }
}

#[actix_web::test]
async fn test_ignoring_server_id() {
    let s = suite().await;
    let session_id = uuid();
    let r = post(&format!("{}/000/{session_id}/xhr", s.base), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");

    let r = post(
        &format!("{}/000/{session_id}/xhr_send", s.base),
        &[],
        r#"["a"]"#,
    )
    .await;
    r.assert_status(204);
    r.assert_empty_body();

    let r = post(&format!("{}/999/{session_id}/xhr", s.base), &[], "").await;
    r.assert_status(200);
    r.assert_body("a[\"a\"]\n");
}
