//! The SockJS protocol conformance suite as Rust tests: `sockjs-protocol.py` at the head of
//! sockjs/sockjs-protocol (68 methods in 18 classes), one module per suite class, one test per
//! suite method (named after it in snake case), each making the suite's assertions. Requests and
//! expected answers follow the suite byte for byte (see each module). `older_suite` keeps the
//! checks of the older `sockjs-protocol-dev.py` that still matter to clients in use.

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
mod older_suite;
mod protocol;
mod raw_websocket;
mod session_urls;
mod websocket;
mod websocket_http_errors;
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
    /// The services, to observe sessions from the server side.
    services: Vec<(&'static str, actix_sockjs::SockJs)>,
}

impl Suite {
    /// `ws://…` form of an `http://…` url.
    pub fn ws(&self, http_url: &str) -> String {
        http_url.replacen("http://", "ws://", 1)
    }

    /// Waits until the session of `trans_url` (`<service>/<server>/<session>`)
    /// has a receiver attached. The suite sleeps 0.25 s for this; a poll that
    /// waits now sends nothing at all until its frame is ready (head and body
    /// leave together), so the server's own view is the signal.
    pub async fn attached(&self, trans_url: &str) {
        self.until(trans_url, "a receiver attached", |s| {
            s.is_some_and(|s| s.is_connected())
        })
        .await;
    }

    /// Waits until the server has seen a client abort on the session of
    /// `trans_url`: no receiver is attached any more. A new request racing
    /// the abort's FIN could otherwise still find the old receiver.
    pub async fn detached(&self, trans_url: &str) {
        self.until(trans_url, "the receiver gone", |s| {
            s.is_none_or(|s| !s.is_connected())
        })
        .await;
    }

    /// Polls the server's view of a session every millisecond until `done`,
    /// bounded by the client timeout.
    async fn until(
        &self,
        trans_url: &str,
        what: &str,
        done: impl Fn(Option<actix_sockjs::Session>) -> bool,
    ) {
        let (prefix, session) = trans_url.rsplit_once('/').expect("a session url");
        let (service_url, _server) = prefix.rsplit_once('/').expect("a session url");
        let path = &service_url[service_url.rfind('/').expect("a service path")..];
        let (_, service) = self
            .services
            .iter()
            .find(|(p, _)| *p == path)
            .expect("a conformance service");
        let deadline = tokio::time::Instant::now() + common::client::TIMEOUT;
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(1));
        while !done(service.session(session)) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{trans_url}: timed out waiting for {what}"
            );
            tick.tick().await;
        }
    }
}

pub async fn suite() -> Suite {
    let services = common::conformance::services(&Default::default());
    let server = common::serve_services(1, services.clone());
    let top = server.base();
    Suite {
        base: format!("{top}/echo"),
        close: format!("{top}/close"),
        wsoff: format!("{top}/disabled_websocket_echo"),
        cookie: format!("{top}/cookie_needed_echo"),
        _server: server,
        services,
    }
}
