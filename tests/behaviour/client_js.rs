use crate::common::client::get;

#[actix_web::test]
async fn the_crate_serves_the_bundled_client_with_caching() {
    let server = crate::common::serve(|cfg| {
        cfg.service(actix_sockjs::client_js::script("/sockjs.min.js"))
            .service(actix_sockjs::client_js::module("/sockjs.mjs"));
    });
    let r = get(&format!("{}/sockjs.min.js", server.base()), &[]).await;
    r.assert_status(200);
    assert_eq!(r.body, actix_sockjs::client_js::SCRIPT);
    assert_eq!(
        r.body,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/client-js/dist/sockjs.min.js"
        ))
        .expect("dist bundle"),
        "the crate embeds the committed dist/ bundle"
    );
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/javascript; charset=UTF-8")
    );
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("public, max-age=31536000")
    );
    let etag = r.must("etag");
    let again = get(
        &format!("{}/sockjs.min.js", server.base()),
        &[("If-None-Match", &etag)],
    )
    .await;
    again.assert_status(304);
    again.assert_empty_body();

    let m = get(&format!("{}/sockjs.mjs", server.base()), &[]).await;
    m.assert_status(200);
    assert_eq!(m.body, actix_sockjs::client_js::MODULE);
    assert_ne!(m.must("etag"), etag);
}
