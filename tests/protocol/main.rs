//! The SockJS protocol conformance suite (`sockjs-protocol.py`, protocol 0.3.x) as Rust tests:
//! one module per suite class, one test per suite method, each making the suite's assertions.
//! Requests and expected answers follow the suite byte for byte (see each module).

#[path = "../common/mod.rs"]
mod common;

mod base_url_greeting;
mod event_source;
mod handling_close;
mod html_file;
mod http10;
mod http11;
mod iframe_page;
mod info_test;
mod jsessionid_cookie;
mod json_encoding;
mod json_polling;
mod protocol;
mod raw_websocket;
mod session_urls;
mod websocket_hixie76;
mod websocket_http_errors;
mod websocket_hybi10;
mod xhr_polling;
mod xhr_streaming;

/// A freshly started conformance server and the suite's service urls on it.
pub struct Suite {
    /// Keeps the server running for the duration of the test.
    pub _server: common::Server,
    /// `…/echo` (`base_url`).
    pub base: String,
    /// `…/close` (`close_base_url`).
    pub close: String,
    /// `…/disabled_websocket_echo` (`wsoff_base_url`).
    pub wsoff: String,
    /// `…/cookie_needed_echo` (`cookie_base_url`).
    pub cookie: String,
}

impl Suite {
    /// `ws://…` form of an `http://…` url.
    pub fn ws(&self, http_url: &str) -> String {
        http_url.replacen("http://", "ws://", 1)
    }
}

pub async fn suite() -> Suite {
    let server = common::start().await;
    let top = server.base();
    Suite {
        base: format!("{top}/echo"),
        close: format!("{top}/close"),
        wsoff: format!("{top}/disabled_websocket_echo"),
        cookie: format!("{top}/cookie_needed_echo"),
        _server: server,
    }
}
