use actix_sockjs::{AllowedOrigins, MessageStream, Session, SockJs};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::client::{get, post, raw_request, session_url, Ws};
use crate::serve_one;

fn echo() -> SockJs {
    SockJs::new(|session: Session, mut messages: MessageStream| async move {
        while let Some(m) = messages.recv().await {
            let _ = session.send(m).await;
        }
    })
}

/// Every route of a service, as (method, path suffix).
const ROUTES: &[(&str, &str)] = &[
    ("GET", ""),
    ("GET", "/info"),
    ("OPTIONS", "/info"),
    ("GET", "/iframe.html"),
    ("POST", "/000/x/xhr"),
    ("POST", "/000/x/xhr_send"),
    ("POST", "/000/x/xhr_streaming"),
    ("GET", "/000/x/eventsource"),
    ("GET", "/000/x/htmlfile?c=cb"),
    ("GET", "/000/x/jsonp?c=cb"),
    ("POST", "/000/x/jsonp_send"),
];

async fn websocket_with_origin(url: &str, origin: &str) -> Result<(), u16> {
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Origin", origin.parse().expect("header"));
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(()),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("unexpected websocket error {e}"),
    }
}

#[actix_web::test]
async fn foreign_origin_is_refused_on_every_route_by_default() {
    let server = serve_one(echo());
    let base = format!("{}/s", server.base());
    for (method, path) in ROUTES {
        let r = raw_request(
            method,
            &format!("{base}{path}"),
            &[("Origin", "http://evil.example")],
            Some(""),
        )
        .await;
        assert_eq!(r.status, 403, "{method} {path}: {r:?}");
        r.assert_body_contains("Origin not allowed");
    }
    let ws = format!("{}/s/000/x/websocket", server.ws_base());
    assert_eq!(
        websocket_with_origin(&ws, "http://evil.example").await,
        Err(403)
    );
    let raw = format!("{}/s/websocket", server.ws_base());
    assert_eq!(
        websocket_with_origin(&raw, "http://evil.example").await,
        Err(403)
    );
    assert_eq!(echo_count(&server).await, 0, "no session was created");
}

async fn echo_count(server: &crate::common::Server) -> usize {
    // A session created by a refused request would still answer: a fresh
    // xhr on the same id would then not be `o`.
    let r = post(&format!("{}/s/000/x/xhr", server.base()), &[], "").await;
    usize::from(r.text() != "o\n")
}

#[actix_web::test]
async fn same_origin_and_listed_origins_are_allowed() {
    let server = serve_one(echo().allowed_origins(AllowedOrigins::list(["https://app.example"])));
    let own = server.base();
    let url = session_url(&format!("{}/s", server.base()));
    for origin in [
        own.as_str(),
        "https://app.example",
        "HTTPS://APP.EXAMPLE:443",
    ] {
        let r = get(&format!("{}/s/info", server.base()), &[("Origin", origin)]).await;
        r.assert_status(200);
        assert_eq!(
            r.header("access-control-allow-origin").as_deref(),
            Some(origin)
        );
    }
    post(&format!("{url}/xhr"), &[("Origin", own.as_str())], "")
        .await
        .assert_body("o\n");
    let ws = format!("{}/s/000/x/websocket", server.ws_base());
    assert_eq!(websocket_with_origin(&ws, &own).await, Ok(()));
    assert_eq!(
        websocket_with_origin(&ws, "https://app.example").await,
        Ok(())
    );
    assert_eq!(
        websocket_with_origin(&ws, "https://other.example").await,
        Err(403)
    );
    // No Origin header at all (non-browser clients) is allowed.
    let mut plain = Ws::connect(&ws).await;
    assert_eq!(plain.recv_text().await, "o");
}

#[actix_web::test]
async fn accept_hook_refuses_before_any_frame() {
    let service = echo().accept(|req| async move {
        if req.query_string() == "token=good" {
            Ok(actix_sockjs::Accepted::new())
        } else {
            Err(actix_sockjs::Refusal::unauthorized("bad token"))
        }
    });
    let server = serve_one(service);
    let url = session_url(&format!("{}/s", server.base()));
    let r = post(&format!("{url}/xhr?token=bad"), &[], "").await;
    r.assert_status(401);
    r.assert_body("bad token");
    // Nothing was created: a send finds no session.
    post(&format!("{url}/xhr_send"), &[], "[\"x\"]")
        .await
        .assert_status(404);
    post(&format!("{url}/xhr?token=good"), &[], "")
        .await
        .assert_body("o\n");
    // Later requests of an accepted session are not asked again.
    post(&format!("{url}/xhr_send"), &[], "[\"x\"]")
        .await
        .assert_status(204);
    post(&format!("{url}/xhr"), &[], "")
        .await
        .assert_body("a[\"x\"]\n");

    let ws = format!("{}/s/000/y/websocket?token=bad", server.ws_base());
    match tokio_tungstenite::connect_async(ws).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| ())),
    }
    let mut ok = Ws::connect(&format!(
        "{}/s/000/y/websocket?token=good",
        server.ws_base()
    ))
    .await;
    assert_eq!(ok.recv_text().await, "o");
}

#[actix_web::test]
async fn jsessionid_cookie_cannot_inject_attributes() {
    let server = serve_one(echo().cookie_needed(true));
    let url = session_url(&format!("{}/s", server.base()));
    let r = post(
        &format!("{url}/xhr"),
        &[("Cookie", "JSESSIONID=abc; Domain=evil")],
        "",
    )
    .await;
    assert_eq!(
        r.header("set-cookie").as_deref(),
        Some("JSESSIONID=abc; path=/")
    );
    let url = session_url(&format!("{}/s", server.base()));
    let r = raw_request(
        "POST",
        &format!("{url}/xhr"),
        &[("Cookie", "JSESSIONID=\"a;b\"")],
        Some(""),
    )
    .await;
    assert_eq!(
        r.header("set-cookie").as_deref(),
        Some("JSESSIONID=dummy; path=/")
    );
}

#[actix_web::test]
async fn htmlfile_frames_cannot_end_the_script_block() {
    let server = serve_one(echo().allowed_origins(AllowedOrigins::Any));
    let url = session_url(&format!("{}/s", server.base()));
    let mut page = crate::common::client::get_async(&format!("{url}/htmlfile?c=cb"), &[]).await;
    page.read().await;
    page.expect("<script>\np(\"o\");\n</script>\r\n").await;
    post(
        &format!("{url}/xhr_send"),
        &[],
        r#"["</script><img src=x onerror=alert(1)>\n\u2028"]"#,
    )
    .await
    .assert_status(204);
    let chunk = page.read_str().await;
    assert_eq!(
        chunk,
        "<script>\np(\"a[\\\"\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e\\\\n\\\\u2028\\\"]\");\n</script>\r\n"
    );
}

#[actix_web::test]
async fn script_transports_refuse_hostile_callbacks_and_frames_cannot_break_out() {
    let server = serve_one(echo().allowed_origins(AllowedOrigins::Any));
    let url = session_url(&format!("{}/s", server.base()));
    for bad in ["alert(1)//", "a%3Cscript%3E", "x%0Ay", &"a".repeat(65)] {
        let r = get(&format!("{url}/jsonp?c={bad}"), &[]).await;
        r.assert_status(500);
        r.assert_body_contains("invalid \"callback\" parameter");
    }
    let r = get(&format!("{url}/jsonp?c=cb"), &[]).await;
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    r.assert_body("/**/cb(\"o\");\r\n");
    post(
        &format!("{url}/jsonp_send"),
        &[],
        r#"["</script><script>alert(1)</script>\u2028\u2029"]"#,
    )
    .await
    .assert_body("ok");
    let r = get(&format!("{url}/jsonp?c=cb"), &[]).await;
    let body = r.text();
    assert!(
        !body.contains('<'),
        "markup must not pass through raw: {body}"
    );
    assert!(
        !body.contains('\u{2028}') && !body.contains('\u{2029}'),
        "{body:?}"
    );
}
