//! `Protocol`: sessions and framing, explained with xhr-polling.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_simple_session() {
    let s = suite().await;
    let trans_url = session_url(&s.base);
    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");

    let r = post(&format!("{trans_url}/xhr_send"), &[], r#"["a"]"#).await;
    r.assert_status(204);
    r.assert_empty_body();

    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("a[\"a\"]\n");

    let r = post(
        &format!("{}/000/bad_session/xhr_send", s.base),
        &[],
        r#"["a"]"#,
    )
    .await;
    r.verify404();

    // Two receiving connections on one session: the second gets the 2010 close frame.
    let r1 = post_pending(&format!("{trans_url}/xhr")).await;
    s.attached(&trans_url).await;
    let r2 = post(&format!("{trans_url}/xhr"), &[], "").await;
    r2.assert_body("c[2010,\"Another connection still open\"]\n");
    r2.assert_status(200);
    r1.abort();
}

#[actix_web::test]
async fn test_close_session() {
    let s = suite().await;
    let trans_url = session_url(&s.close);
    let r = post(&format!("{trans_url}/xhr"), &[], "").await;
    r.assert_status(200);
    r.assert_body("o\n");

    // Until the session times out, every request gets the close frame.
    for _ in 0..2 {
        let r = post(&format!("{trans_url}/xhr"), &[], "").await;
        r.assert_status(200);
        r.assert_body("c[3000,\"Go away!\"]\n");
    }
}
