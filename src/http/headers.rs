//! Response headers: the cache policies, CORS, `X-Content-Type-Options`,
//! JSESSIONID, and the CORS preflight answer.

use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use md5::{Digest, Md5};

/// `Cache-Control` of every session and info answer, and of refusals.
pub(crate) const NO_CACHE: &str = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
/// The long cache of the iframe page, the client bundle and preflights.
pub(crate) const ONE_YEAR: u64 = 365 * 24 * 3600;
/// `Cache-Control` for [`ONE_YEAR`].
pub(crate) const YEAR_CACHE: &str = "public, max-age=31536000";
/// The content type of plain-text answers.
pub(crate) const TEXT_PLAIN: &str = "text/plain; charset=UTF-8";

/// A builder with the headers of session and info answers: no caching,
/// no content sniffing, CORS.
pub(crate) fn session(req: &HttpRequest, status: StatusCode) -> HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    // Static header values: no validation or allocation per request.
    b.insert_header((header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)));
    b.insert_header((
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ));
    cors(&mut b, req);
    b
}

/// CORS for a page that may be on another origin: its `Origin` echoed with
/// credentials (so cookies work), else `*`; requested headers allowed.
pub(crate) fn cors(b: &mut HttpResponseBuilder, req: &HttpRequest) {
    match crate::http::origin::header(req) {
        Some(o) => {
            b.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone()));
            b.insert_header((
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            ));
        }
        None => {
            b.insert_header((
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ));
        }
    }
    if let Some(h) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        if !h.is_empty() {
            b.insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, h.clone()));
        }
    }
}

/// Adds what [`session`] adds to a response built elsewhere (a refusal),
/// leaving headers it already has.
pub(crate) fn refusal(headers: &mut HeaderMap, req: &HttpRequest) {
    let mut b = session(req, StatusCode::OK);
    for (name, value) in b.finish().headers() {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// `Cache-Control` and `Expires` for a year.
pub(crate) fn year_cache(b: &mut HttpResponseBuilder) {
    let expires = SystemTime::now() + Duration::from_secs(ONE_YEAR);
    b.insert_header((header::CACHE_CONTROL, HeaderValue::from_static(YEAR_CACHE)));
    b.insert_header(header::Expires(expires.into()));
}

/// The CORS preflight answer (OPTIONS on info and session URLs): 204,
/// the allowed methods, cached for a year.
pub(crate) fn preflight(req: &HttpRequest, allow: &'static str) -> HttpResponse {
    let mut b = HttpResponse::NoContent();
    cors(&mut b, req);
    year_cache(&mut b);
    b.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, allow));
    b.insert_header((header::ACCESS_CONTROL_MAX_AGE, ONE_YEAR.to_string()));
    b.finish()
}

/// With the JSESSIONID option: `JSESSIONID=<the client's value, else
/// dummy>; path=/`, so load balancers can pin a client.
pub(crate) fn jsessionid(b: &mut HttpResponseBuilder, req: &HttpRequest) {
    let value = req
        .cookie("JSESSIONID")
        .map(|c| c.value().to_owned())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 256
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b))
        })
        .unwrap_or_else(|| "dummy".to_owned());
    b.insert_header((header::SET_COOKIE, format!("JSESSIONID={value}; path=/")));
}

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

/// A long-cached asset (the iframe page, the client bundle): 304 when the
/// client has it, else the body with its ETag.
pub(crate) fn cached_asset(
    req: &HttpRequest,
    etag: &str,
    content_type: &'static str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    // A 304 carries the validators and cache headers a 200 would (RFC 9110
    // 15.4.5), without a body or a content type.
    let fresh = not_modified(req, etag);
    let mut b = match fresh {
        true => HttpResponse::NotModified(),
        false => HttpResponse::Ok(),
    };
    year_cache(&mut b);
    b.insert_header((header::ETAG, etag.to_owned()));
    match fresh {
        true => b.finish(),
        false => b.content_type(content_type).body(body),
    }
}
