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

/// A resource serving [`SCRIPT`] at `path`, with an ETag and a one-year
/// public cache (the content only changes with the crate's version).
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

fn asset(path: &str, body: &'static [u8]) -> Resource {
    let etag = crate::http::headers::etag(body);
    web::resource(path).route(web::get().to(move |req: HttpRequest| {
        let etag = etag.clone();
        async move {
            crate::http::headers::cached_asset(
                &req,
                &etag,
                "application/javascript; charset=UTF-8",
                body,
            )
        }
    }))
}
