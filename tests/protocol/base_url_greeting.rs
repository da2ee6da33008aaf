//! `BaseUrlGreeting`: the greeting at the service's base url.

use crate::{common::client::*, suite};

#[actix_web::test]
async fn test_greeting() {
    let s = suite().await;
    for url in [s.base.clone(), format!("{}/", s.base)] {
        let r = get(&url, &[]).await;
        r.assert_status(200);
        r.verify_content_type("text/plain;charset=UTF-8");
        r.assert_body("Welcome to SockJS!\n");
        r.verify_no_cookie();
    }
}

#[actix_web::test]
async fn test_not_found() {
    let s = suite().await;
    for suffix in ["/a", "/a.html", "//", "///", "/a/a", "/a/a/", "/a", "/a/"] {
        get(&format!("{}{suffix}", s.base), &[]).await.verify404();
    }
}
