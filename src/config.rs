//! Service configuration. Every default is written once, here, and quoted
//! in the docs of the [`SockJs`](crate::SockJs) builder setters.

use std::time::Duration;

/// Default interval between heartbeat frames while a receiver is attached: 25 s.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(25);
/// Default time a session survives with no receiver attached: 5 s.
pub const DEFAULT_DISCONNECT_DELAY: Duration = Duration::from_secs(5);
/// Default bytes of frames one streaming response carries before it ends
/// and the client opens a new one: 128 KiB.
pub const DEFAULT_RESPONSE_LIMIT: usize = 128 * 1024;
/// Default largest inbound HTTP body (`xhr_send`, `jsonp_send`) and
/// WebSocket message: 256 KiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 256 * 1024;
/// Default bound on messages waiting in one session's outbound queue: 1024.
pub const DEFAULT_QUEUE_MESSAGES: usize = 1024;
/// Default bound on bytes waiting in one session's outbound queue: 1 MiB.
pub const DEFAULT_QUEUE_BYTES: usize = 1024 * 1024;
/// Default bound on messages received and not yet read by the handler: 256.
pub const DEFAULT_INBOUND_MESSAGES: usize = 256;
/// Default bound on bytes received and not yet read by the handler: 1 MiB.
pub const DEFAULT_INBOUND_BYTES: usize = 1024 * 1024;
/// Default time a request body (`xhr_send`, `jsonp_send`) and the hixie-76
/// handshake key may take to arrive: 5 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time a resumable session (the resume extension) waits for its
/// client to come back after a drop: 30 s.
pub const DEFAULT_RESUME_WINDOW: Duration = Duration::from_secs(30);
/// Default interval at which clients of resumable sessions show they are
/// alive: 5 s.
pub const DEFAULT_CLIENT_HEARTBEAT: Duration = Duration::from_secs(5);
/// Default silence after which the connection of a resumable session's
/// client is taken for dead (and the session waits for it to come back): 15 s.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// How soon a resumable session acknowledges a client's messages when no
/// message frame carries the acknowledgement: 200 ms.
pub const ACK_DELAY: Duration = Duration::from_millis(200);
/// Default bound on the bytes all sessions of a service hold in their
/// queues together (outbound: messages waiting, or unacknowledged;
/// inbound: messages clients sent that handlers have not read): 256 MiB.
pub const DEFAULT_BUFFER_BUDGET: usize = 256 * 1024 * 1024;
/// The longest server or session id accepted in a URL: 128 bytes.
pub const MAX_ID_LEN: usize = 128;
/// Default bound on live sessions per service: 100,000.
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;
/// Default bound on what a session keeps of its opening request
/// ([`SockJs::max_request_bytes`](crate::SockJs::max_request_bytes)): 16 KiB,
/// Node's own bound on a whole request head.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 16 * 1024;
/// Default `sockjs_url` the iframe page loads.
pub const DEFAULT_SOCKJS_URL: &str =
    "https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js";

/// What happens when the application sends to a session whose outbound
/// queue is full (see [`SockJs::queue_limit`](crate::SockJs::queue_limit)).
///
/// ```
/// use actix_sockjs::{Overflow, SockJs};
///
/// let service = SockJs::new(|_session, _messages| async {}).overflow(Overflow::Close);
/// # drop(service);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overflow {
    /// [`Session::send`](crate::Session::send) waits for room;
    /// [`Session::try_send`](crate::Session::try_send) hands the message
    /// back as [`TrySendError::Full`](crate::TrySendError::Full). The default.
    #[default]
    Wait,
    /// Both `send` and `try_send` hand the message back at once as
    /// [`TrySendError::Full`](crate::TrySendError::Full).
    Refuse,
    /// The session is closed with `c[1008,"Send queue full"]`
    /// ([`CloseReason::Overflow`](crate::CloseReason::Overflow)) and the
    /// message handed back as [`TrySendError::Closed`](crate::TrySendError::Closed).
    Close,
}

/// Which `Origin`s may use the service.
///
/// ```
/// use actix_sockjs::{AllowedOrigins, SockJs};
///
/// let service = SockJs::new(|_session, _messages| async {})
///     .allowed_origins(AllowedOrigins::list(["https://app.example.com"]));
/// # drop(service);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AllowedOrigins {
    /// Only pages served from the same scheme, host and port as the service
    /// (and requests without an `Origin` header). The default: it stops
    /// cross-site WebSocket hijacking.
    #[default]
    SameOrigin,
    /// Any origin, including `null`.
    Any,
    /// The same origin plus these exact origins (`scheme://host[:port]`).
    List(Vec<String>),
}

impl AllowedOrigins {
    /// The same origin plus the given ones.
    ///
    /// ```
    /// use actix_sockjs::{AllowedOrigins, SockJs};
    /// let s = SockJs::new(|_, _| async {})
    ///     .allowed_origins(AllowedOrigins::list(["https://app.example.com"]));
    /// # drop(s);
    /// ```
    pub fn list<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        AllowedOrigins::List(
            origins
                .into_iter()
                .map(|o| o.into().trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        )
    }
}

/// The service's settings, filled in by the [`SockJs`](crate::SockJs) builder.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub heartbeat: Duration,
    pub disconnect_delay: Duration,
    pub response_limit: usize,
    pub websocket: bool,
    pub max_message_size: usize,
    pub body_timeout: Duration,
    pub queue_messages: usize,
    pub queue_bytes: usize,
    pub inbound_messages: usize,
    pub inbound_bytes: usize,
    pub overflow: Overflow,
    pub origins: AllowedOrigins,
    pub cookie_needed: bool,
    pub sockjs_url: String,
    pub max_sessions: usize,
    pub max_request_bytes: usize,
    /// The headers sessions keep (lowercase names); `None`: all but the
    /// connection's own.
    pub keep_headers: Option<Box<[Box<str>]>>,
    pub resume: bool,
    pub resume_window: Duration,
    pub client_heartbeat: Duration,
    pub client_timeout: Duration,
    pub buffer_budget: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            heartbeat: DEFAULT_HEARTBEAT,
            disconnect_delay: DEFAULT_DISCONNECT_DELAY,
            response_limit: DEFAULT_RESPONSE_LIMIT,
            websocket: true,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            queue_messages: DEFAULT_QUEUE_MESSAGES,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            inbound_messages: DEFAULT_INBOUND_MESSAGES,
            inbound_bytes: DEFAULT_INBOUND_BYTES,
            overflow: Overflow::Wait,
            origins: AllowedOrigins::SameOrigin,
            cookie_needed: false,
            sockjs_url: DEFAULT_SOCKJS_URL.to_owned(),
            max_sessions: DEFAULT_MAX_SESSIONS,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            keep_headers: None,
            resume: true,
            resume_window: DEFAULT_RESUME_WINDOW,
            client_heartbeat: DEFAULT_CLIENT_HEARTBEAT,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
            buffer_budget: DEFAULT_BUFFER_BUDGET,
        }
    }
}
