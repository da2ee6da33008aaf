//! The bundled browser client (`client-js/`), embedded in the crate so a
//! page needs no CDN and `cargo build` needs no Node.
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//!
//! # async fn run() -> std::io::Result<()> {
//! HttpServer::new(|| {
//!     App::new()
//!         // <script src="/sockjs.min.js"></script> → window.SockJS
//!         .service(actix_sockjs::client_js::script("/sockjs.min.js"))
//!         // import SockJS from "/sockjs.mjs"
//!         .service(actix_sockjs::client_js::module("/sockjs.mjs"))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await
//! # }
//! ```

use actix_web::{web, HttpRequest, Resource};

/// The minified UMD bundle (ES5 syntax, for `<script>` tags; defines
/// `window.SockJS`).
pub const SCRIPT: &[u8] = include_bytes!("../client-js/dist/sockjs.min.js");

/// The ES module (for `<script type="module">` and bundlers).
pub const MODULE: &[u8] = include_bytes!("../client-js/dist/index.mjs");

/// The iframe page's client (UMD, ES5; defines `SockJS.bootstrap_iframe`):
/// serve it and name it as [`SockJs::sockjs_url`](crate::SockJs::sockjs_url)
/// so that sockjs-client's iframe transports work with no CDN.
pub const IFRAME: &[u8] = include_bytes!("../client-js/dist/sockjs-iframe.min.js");

/// A resource serving [`SCRIPT`] at `path`, with an ETag and a one-year
/// public cache (the content only changes with the crate's version).
///
/// ```
/// let resource = actix_sockjs::client_js::script("/sockjs.min.js");
/// # drop(resource);
/// ```
pub fn script(path: &str) -> Resource {
    asset(path, SCRIPT)
}

/// A resource serving [`MODULE`] at `path`, cached like [`script`].
///
/// ```
/// let resource = actix_sockjs::client_js::module("/static/sockjs.mjs");
/// # drop(resource);
/// ```
pub fn module(path: &str) -> Resource {
    asset(path, MODULE)
}

/// A resource serving [`IFRAME`] at `path`, cached like [`script`].
///
/// ```
/// let resource = actix_sockjs::client_js::iframe_script("/sockjs-iframe.min.js");
/// let sockjs = actix_sockjs::SockJs::new(|_, _| async {}).sockjs_url("/sockjs-iframe.min.js");
/// # drop((resource, sockjs));
/// ```
pub fn iframe_script(path: &str) -> Resource {
    asset(path, IFRAME)
}

/// `GET` (and `HEAD`, the same answer without its body) of `body`.
fn asset(path: &str, body: &'static [u8]) -> Resource {
    let etag = crate::http::headers::etag(body);
    let answer = move |req: HttpRequest| {
        let etag = etag.clone();
        async move {
            crate::http::headers::cached_asset(
                &req,
                &etag,
                "application/javascript; charset=UTF-8",
                body,
            )
        }
    };
    web::resource(path)
        .route(web::get().to(answer.clone()))
        .route(web::head().to(answer))
}
