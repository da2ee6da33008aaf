//! Which pages may use a service: the `Origin` check of every route.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::config::AllowedOrigins;

/// The page's origin: `Origin`, or hixie-76's `Sec-WebSocket-Origin`.
pub(crate) fn header(req: &HttpRequest) -> Option<&HeaderValue> {
    req.headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get("sec-websocket-origin"))
}

/// True when the request's origin may use the service. Requests without an
/// `Origin` header (non-browser clients, same-origin GETs) pass.
pub(crate) fn allowed(allowed: &AllowedOrigins, req: &HttpRequest) -> bool {
    let Some(origin) = header(req) else {
        return true;
    };
    let origin = match origin.to_str() {
        Ok(o) => normalize(o),
        Err(_) => return matches!(allowed, AllowedOrigins::Any),
    };
    match allowed {
        AllowedOrigins::Any => true,
        AllowedOrigins::SameOrigin => origin == own(req),
        AllowedOrigins::List(list) => {
            origin == own(req) || list.iter().any(|o| normalize(o) == origin)
        }
    }
}

/// The service's own origin, as the request reached it.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalize() {
        assert_eq!(normalize("HTTP://Example.com:80/"), "http://example.com");
        assert_eq!(normalize("https://a.b:443"), "https://a.b");
        assert_eq!(normalize("http://a.b:8080"), "http://a.b:8080");
    }
}
