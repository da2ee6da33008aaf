//! The transports' names: in URLs, and as sockjs-client calls them.

use std::fmt;

/// The transports a SockJS session can use.
///
/// ```
/// use actix_sockjs::Transport;
///
/// assert_eq!(Transport::XhrStreaming.name(), "xhr_streaming");
/// assert_eq!(Transport::from_name("eventsource"), Some(Transport::EventSource));
/// assert_eq!(Transport::XhrPolling.to_string(), "xhr-polling");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// SockJS-framed WebSocket (`/<server>/<session>/websocket`).
    Websocket,
    /// Plain WebSocket with no SockJS framing (`/websocket`).
    RawWebsocket,
    /// XHR long-polling (`xhr` + `xhr_send`).
    XhrPolling,
    /// XHR streaming (`xhr_streaming` + `xhr_send`).
    XhrStreaming,
    /// Server-sent events (`eventsource` + `xhr_send`).
    EventSource,
    /// The forever-iframe (`htmlfile` + `xhr_send`).
    HtmlFile,
    /// JSONP polling (`jsonp` + `jsonp_send`).
    JsonpPolling,
}

impl Transport {
    /// Every transport.
    pub(crate) const ALL: [Transport; 7] = [
        Transport::Websocket,
        Transport::RawWebsocket,
        Transport::XhrPolling,
        Transport::XhrStreaming,
        Transport::EventSource,
        Transport::HtmlFile,
        Transport::JsonpPolling,
    ];

    /// The name in SockJS URLs (for [`Transport::RawWebsocket`]: `websocket`,
    /// its path). The router's table is made of these.
    pub const fn name(self) -> &'static str {
        match self {
            Transport::Websocket | Transport::RawWebsocket => "websocket",
            Transport::XhrPolling => "xhr",
            Transport::XhrStreaming => "xhr_streaming",
            Transport::EventSource => "eventsource",
            Transport::HtmlFile => "htmlfile",
            Transport::JsonpPolling => "jsonp",
        }
    }

    /// The receiving transport named by a SockJS URL's last segment.
    ///
    /// ```
    /// use actix_sockjs::Transport;
    /// assert_eq!(Transport::from_name("xhr"), Some(Transport::XhrPolling));
    /// assert_eq!(Transport::from_name("nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Transport> {
        Transport::ALL
            .into_iter()
            .find(|t| *t != Transport::RawWebsocket && t.name() == name)
    }
}

/// The name sockjs-client uses (`xhr-polling`, `jsonp-polling`, ...).
impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Websocket => "websocket",
            Transport::RawWebsocket => "raw-websocket",
            Transport::XhrPolling => "xhr-polling",
            Transport::XhrStreaming => "xhr-streaming",
            Transport::EventSource => "eventsource",
            Transport::HtmlFile => "htmlfile",
            Transport::JsonpPolling => "jsonp-polling",
        })
    }
}
