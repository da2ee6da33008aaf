//! The routes that are not sessions: the greeting, `/info` and the iframe
//! page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::config::Config;
use crate::http::headers::{self, TEXT_PLAIN};

/// `GET <prefix>` and `<prefix>/`.
pub(crate) fn greeting(_: &Pages, _: &Config, _: &HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(TEXT_PLAIN)
        .body("Welcome to SockJS!\n")
}

/// `GET /info`: what the server offers, and entropy for old clients'
/// random ids. Never cached.
pub(crate) fn info(_: &Pages, config: &Config, req: &HttpRequest) -> HttpResponse {
    let mut body = format!(
        r#"{{"websocket":{},"cookie_needed":{},"origins":["*:*"],"entropy":{}"#,
        config.websocket,
        config.cookie_needed,
        fastrand::u32(..),
    );
    if config.resume {
        // The resume extension (docs/resume.md); plain clients ignore it.
        body.push_str(&format!(
            r#","resume":{{"version":1,"window_ms":{},"heartbeat_ms":{},"timeout_ms":{},"ack_ms":{},"window_messages":{},"window_bytes":{}}}"#,
            config.resume_window.as_millis(),
            config.client_heartbeat.as_millis(),
            config.client_timeout.as_millis(),
            crate::config::ACK_DELAY.as_millis(),
            config.queue_messages,
            config.queue_bytes,
        ));
    }
    body.push('}');
    headers::session(req, StatusCode::OK)
        .content_type("application/json; charset=UTF-8")
        .body(body)
}

/// `/iframe.html`, `/iframe-<version>.html`: the page the iframe-based
/// transports run in, cached for a year with an ETag.
pub(crate) fn iframe(pages: &Pages, _: &Config, req: &HttpRequest) -> HttpResponse {
    let page = &pages.iframe;
    headers::cached_asset(
        req,
        &page.etag,
        "text/html; charset=UTF-8",
        page.body.clone(),
    )
}

/// The pages rendered once, when the service is configured.
#[derive(Clone)]
pub(crate) struct Pages {
    iframe: Iframe,
}

impl Pages {
    pub fn new(config: &Config) -> Self {
        Pages {
            iframe: Iframe::new(&config.sockjs_url),
        }
    }
}

/// The iframe page for one `sockjs_url`.
#[derive(Clone)]
struct Iframe {
    body: bytes::Bytes,
    etag: String,
}

impl Iframe {
    fn new(sockjs_url: &str) -> Self {
        let url = html_escape_attr(sockjs_url);
        let body = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n  <script src=\"{url}\"></script>\n  <script>\n    document.domain = document.domain;\n    SockJS.bootstrap_iframe();\n  </script>\n</head>\n<body>\n  <h2>Don't panic!</h2>\n  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>\n</body>\n</html>"
        );
        Iframe {
            etag: headers::etag(body.as_bytes()),
            body: body.into(),
        }
    }
}

fn html_escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `/iframe.html` or `/iframe-<anything without a slash>.html`.
pub(crate) fn is_iframe_path(tail: &str) -> bool {
    tail == "/iframe.html"
        || tail
            .strip_prefix("/iframe-")
            .and_then(|rest| rest.strip_suffix(".html"))
            .is_some_and(|v| !v.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iframe_paths() {
        for ok in [
            "/iframe.html",
            "/iframe-a.html",
            "/iframe-.html",
            "/iframe-0.1.2abc-dirty.2144.html",
        ] {
            assert!(is_iframe_path(ok), "{ok}");
        }
        for bad in [
            "/iframe.htm",
            "/iframe",
            "/IFRAME.HTML",
            "/iframe.HTML",
            "/iframe.xml",
            "/iframe-/.html",
        ] {
            assert!(!is_iframe_path(bad), "{bad}");
        }
    }
}
