//! Which pages may use a service: the origin check of every route.
//!
//! A request with an `Origin` header (XHR, EventSource, WebSocket, form
//! posts) is judged by it. A request without one is a script or frame load
//! (JSONP, htmlfile, the iframe page), a same-origin GET, or a client that
//! is not a browser: browsers mark the first kind with `Sec-Fetch-Site`
//! (and old ones send a `Referer`), so a page on another site cannot read a
//! session's frames through a `<script>` tag. Requests that carry neither
//! (non-browser clients) pass.

use std::collections::HashSet;
use std::sync::Mutex;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::HttpRequest;

use crate::config::AllowedOrigins;

/// hixie-76's `Origin`. The names not among `http`'s standard ones are
/// constants: a `&str` name is parsed, and a custom one copied, at each
/// lookup.
const SEC_WEBSOCKET_ORIGIN: HeaderName = HeaderName::from_static("sec-websocket-origin");
/// Fetch Metadata: where the request comes from.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The page's origin: `Origin`, or hixie-76's `Sec-WebSocket-Origin`.
pub(crate) fn header(req: &HttpRequest) -> Option<&HeaderValue> {
    req.headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(SEC_WEBSOCKET_ORIGIN))
}

/// A refused request: the page's origin as the browser gave it, and the
/// service's own origin as the request reached it.
#[derive(Debug)]
pub(crate) struct Refused {
    pub page: String,
    pub own: String,
}

/// Judges the request's page against `allowed`.
pub(crate) fn check(allowed: &AllowedOrigins, req: &HttpRequest) -> Result<(), Refused> {
    if matches!(allowed, AllowedOrigins::Any) {
        return Ok(());
    }
    let page = match header(req) {
        Some(origin) => match origin.to_str() {
            Ok(o) => normalize(o),
            Err(_) => String::from("(not text)"),
        },
        None => match site(req) {
            // A page on this origin, or the user's own navigation.
            Some("same-origin" | "none") => return Ok(()),
            // Another origin's page: only its `Referer` can say which.
            Some(_) => match referer_origin(req) {
                Some(o) => o,
                None => String::from("(a cross-site page without a Referer)"),
            },
            // No Fetch Metadata: an old browser tells by `Referer`, if at all.
            None => match referer_origin(req) {
                Some(o) => o,
                None => return Ok(()),
            },
        },
    };
    let own = own(req);
    let ok = page == own
        || matches!(allowed, AllowedOrigins::List(list) if list.iter().any(|o| normalize(o) == page));
    match ok {
        true => Ok(()),
        false => Err(Refused { page, own }),
    }
}

fn site(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(SEC_FETCH_SITE)
        .and_then(|v| v.to_str().ok())
}

/// The origin part of the `Referer` URL.
fn referer_origin(req: &HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let (scheme, rest) = referer.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(normalize(&format!("{scheme}://{authority}")))
}

/// The service's own origin, as the request reached it (`Host`, or the
/// `Forwarded` / `X-Forwarded-Host` / `X-Forwarded-Proto` a proxy adds).
fn own(req: &HttpRequest) -> String {
    let info = req.connection_info();
    normalize(&format!("{}://{}", info.scheme(), info.host()))
}

/// Lowercase, without a trailing slash or the scheme's default port.
pub(crate) fn normalize(o: &str) -> String {
    let o = o.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if o.starts_with(scheme) {
            if let Some(stripped) = o.strip_suffix(port) {
                return stripped.to_owned();
            }
        }
    }
    o
}

/// Remembers which page origins were refused, so the first refusal of each
/// is logged where an operator sees it (with what to change), and the rest
/// at debug. Bounded: past [`Warned::MAX`] origins, everything is debug.
#[derive(Debug, Default)]
pub(crate) struct Warned(Mutex<HashSet<String>>);

impl Warned {
    const MAX: usize = 64;

    /// Logs a refusal.
    pub(crate) fn log(&self, req: &HttpRequest, refused: &Refused) {
        let first = {
            let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
            seen.len() < Self::MAX && seen.insert(refused.page.clone())
        };
        let Refused { page, own } = refused;
        if first {
            tracing::warn!(
                "refused page origin {page} on {} (this service sees its own origin as {own}). \
                 If {page} is this service's public origin behind a proxy, forward the Host \
                 header (nginx: `proxy_set_header Host $host;` and \
                 `proxy_set_header X-Forwarded-Proto $scheme;`), or allow it: \
                 `.allowed_origins(AllowedOrigins::list([\"{page}\"]))`. Later refusals of \
                 this origin are logged at debug level.",
                req.path()
            );
        } else {
            tracing::debug!(
                "refused page origin {page} on {} (own origin {own})",
                req.path()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn origins_normalize() {
        assert_eq!(normalize("HTTP://Example.com:80/"), "http://example.com");
        assert_eq!(normalize("https://a.b:443"), "https://a.b");
        assert_eq!(normalize("http://a.b:8080"), "http://a.b:8080");
    }

    fn judge(allowed: &AllowedOrigins, headers: &[(&str, &str)]) -> bool {
        let mut req = TestRequest::default().insert_header(("host", "svc.example:8080"));
        for h in headers {
            req = req.insert_header(*h);
        }
        check(allowed, &req.to_http_request()).is_ok()
    }

    #[test]
    fn script_and_frame_loads_are_judged_by_fetch_metadata_and_referer() {
        let same = AllowedOrigins::SameOrigin;
        let listed = AllowedOrigins::list(["https://app.example"]);
        // Non-browser clients and same-origin loads pass.
        assert!(judge(&same, &[]));
        assert!(judge(&same, &[("sec-fetch-site", "same-origin")]));
        assert!(judge(&same, &[("sec-fetch-site", "none")]));
        // A cross-site <script>: refused, unless its page is listed.
        let cross = [
            ("sec-fetch-site", "cross-site"),
            ("referer", "https://app.example/page?x=1"),
        ];
        assert!(!judge(&same, &cross));
        assert!(judge(&listed, &cross));
        assert!(judge(&AllowedOrigins::Any, &cross));
        assert!(
            !judge(&listed, &[("sec-fetch-site", "cross-site")]),
            "no Referer"
        );
        // Old browsers: the Referer alone.
        assert!(!judge(&same, &[("referer", "http://evil.example/")]));
        assert!(judge(&same, &[("referer", "http://svc.example:8080/chat")]));
    }

    #[test]
    fn origin_headers_are_compared() {
        let same = AllowedOrigins::SameOrigin;
        assert!(judge(&same, &[("origin", "http://svc.example:8080")]));
        assert!(!judge(&same, &[("origin", "http://evil.example")]));
        assert!(!judge(&same, &[("origin", "null")]));
        assert!(judge(&AllowedOrigins::Any, &[("origin", "null")]));
    }
}
