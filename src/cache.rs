//! Validators for the long-cached assets (the iframe page, the client bundle).

use actix_web::http::header;
use actix_web::HttpRequest;
use md5::{Digest, Md5};

/// A strong ETag for `body`: its MD5 in hex, quoted.
pub(crate) fn etag(body: &[u8]) -> String {
    let hex: String = Md5::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// True when the request's `If-None-Match` names `etag` (or `*`).
pub(crate) fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}
