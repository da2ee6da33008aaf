//! The [`SockJs`] builder, its shared state, and the route table that sends
//! each request to the page or transport that answers it.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{fn_service, Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError, Scope};

use crate::accept::{Accepted, Refusal};
use crate::config::{AllowedOrigins, Config, Overflow};
use crate::http::{headers, limits, origin, RequestError};
use crate::pages::{self, Pages};
use crate::session::{Accept, Handler, Session, Sessions};
use crate::transport::http::{receive, send, HttpReceiver};
use crate::transport::{websocket, SessionRequest, Transport::*};
use crate::MessageStream;

/// A SockJS service: one session registry and one handler, mounted into an
/// actix-web `App` with [`SockJs::scope`].
///
/// Build it **once, outside the `HttpServer::new` closure**: that closure
/// runs once per worker thread, and every worker must share the same
/// sessions (a client's polls may land on any worker). Cloning is cheap and
/// every clone shares the sessions.
///
/// # Panics
/// The setters panic when the service has been cloned or mounted: a
/// setter on one of several clones could only configure that clone, which
/// would silently give it sessions of its own. Configure it first.
///
/// ```no_run
/// use actix_sockjs::{MessageStream, Session, SockJs};
/// use actix_web::{App, HttpServer};
///
/// async fn echo(session: Session, mut messages: MessageStream) {
///     while let Some(text) = messages.recv().await {
///         if session.send(text).await.is_err() {
///             break;
///         }
///     }
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let sockjs = SockJs::new(echo);
///     HttpServer::new(move || App::new().service(sockjs.scope("/echo")))
///         .h1_allow_half_closed(false) // notice aborted polls at once
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
#[derive(Clone)]
#[must_use]
pub struct SockJs {
    inner: Arc<Service>,
}

/// What every route of a service shares.
struct Service {
    sessions: Arc<Sessions>,
    pages: Pages,
    /// Page origins refused so far (the first of each is logged at warn).
    refused: origin::Warned,
    /// Refusals at a limit (logged at warn, rate-limited).
    limits: limits::LimitLog,
    /// Named groups ([`SockJs::group`]).
    groups: std::sync::Mutex<crate::broadcast::Named<crate::Group>>,
}

impl std::fmt::Debug for SockJs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockJs")
            .field("config", &self.inner.sessions.config)
            .field("sessions", &self.inner.sessions.len())
            .finish()
    }
}

impl SockJs {
    /// A service that runs `handler` once per SockJS session, with the
    /// session's handle and its stream of incoming messages. When the
    /// handler returns, the session is closed with 3000 "Go away!" if it is
    /// still open; if it panics, with 1011 "Internal server error".
    ///
    /// ```
    /// use actix_sockjs::{MessageStream, Session, SockJs};
    ///
    /// let echo = SockJs::new(|session: Session, mut messages: MessageStream| async move {
    ///     while let Some(text) = messages.recv().await {
    ///         if session.send(text).await.is_err() {
    ///             break;
    ///         }
    ///     }
    /// });
    /// # drop(echo);
    /// ```
    pub fn new<F, Fut>(handler: F) -> Self
    where
        F: Fn(Session, MessageStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let config = Config::default();
        let handler: Arc<Handler> = Arc::new(move |s, m| Box::pin(handler(s, m)));
        SockJs {
            inner: Arc::new(Service {
                pages: Pages::new(&config),
                sessions: Arc::new(Sessions::new(config, handler, None)),
                refused: origin::Warned::default(),
                limits: limits::LimitLog::default(),
                groups: Default::default(),
            }),
        }
    }

    /// Changes the configuration of a service nobody shares yet.
    fn configure(mut self, change: impl FnOnce(&mut Config)) -> Self {
        let service = Arc::get_mut(&mut self.inner)
            .and_then(|s| Arc::get_mut(&mut s.sessions).map(|sessions| (sessions, &mut s.pages)));
        let Some((sessions, pages)) = service else {
            panic!(
                "SockJs: configure the service before cloning or mounting it \
                 (a setter on one clone cannot reach the others)"
            );
        };
        let mut config = sessions.config.clone();
        change(&mut config);
        *pages = Pages::new(&config);
        sessions.reconfigure(config);
        self
    }

    /// Sees the request that opens each new session (its query, cookies,
    /// headers) before any frame is sent, and decides: let it in
    /// ([`Accepted`], with the user it belongs to and any data for the
    /// handler), or refuse it ([`Refusal`]: the client gets the status and
    /// the reason, and no session is created). It may await, for example a
    /// database or an identity service. Resumed sessions are not asked again.
    ///
    /// ```
    /// use actix_sockjs::{Accepted, Refusal, SockJs};
    ///
    /// struct User { name: String }
    ///
    /// let sockjs = SockJs::new(|session, _messages| async move {
    ///     let name = session.data::<User>().map(|u| u.name.clone());
    ///     session.send(format!("hello, {}", name.unwrap_or_default())).await.ok();
    /// })
    /// .accept(|req| async move {
    ///     let token = req.query_string().strip_prefix("token=").unwrap_or("");
    ///     match token {
    ///         "ada-secret" => Ok(Accepted::new().user("ada").data(User { name: "Ada".into() })),
    ///         _ => Err(Refusal::unauthorized("A valid token is required.")),
    ///     }
    /// });
    /// # drop(sockjs);
    /// ```
    pub fn accept<F, Fut>(mut self, accept: F) -> Self
    where
        F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Accepted, Refusal>> + 'static,
    {
        let accept: Arc<Accept> = Arc::new(move |req| Box::pin(accept(req)));
        let sessions = Arc::get_mut(&mut self.inner).and_then(|s| Arc::get_mut(&mut s.sessions));
        match sessions {
            Some(sessions) => sessions.set_accept(accept),
            None => panic!("SockJs: set the accept hook before cloning or mounting the service"),
        }
        self
    }

    /// Interval between heartbeat frames while a receiver is attached.
    /// Defaults to 25 s ([`DEFAULT_HEARTBEAT`](crate::config::DEFAULT_HEARTBEAT)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).heartbeat(Duration::from_secs(10));
    /// # drop(s);
    /// ```
    pub fn heartbeat(self, interval: Duration) -> Self {
        self.configure(|c| c.heartbeat = interval)
    }

    /// How long a session lives with no receiver attached (between
    /// polls, after a stream ended) before it is dropped. Defaults to 5 s
    /// ([`DEFAULT_DISCONNECT_DELAY`](crate::config::DEFAULT_DISCONNECT_DELAY)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).disconnect_delay(Duration::from_secs(10));
    /// # drop(s);
    /// ```
    pub fn disconnect_delay(self, delay: Duration) -> Self {
        self.configure(|c| c.disconnect_delay = delay)
    }

    /// Bytes of frames a streaming response (xhr_streaming, eventsource,
    /// htmlfile) carries before it ends and the client opens a new one,
    /// so browsers can free what they buffered. Defaults to 128 KiB
    /// ([`DEFAULT_RESPONSE_LIMIT`](crate::config::DEFAULT_RESPONSE_LIMIT)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).response_limit(4096);
    /// # drop(s);
    /// ```
    pub fn response_limit(self, bytes: usize) -> Self {
        self.configure(|c| c.response_limit = bytes)
    }

    /// Whether the WebSocket transports are offered (`/info` says so,
    /// and the WebSocket routes answer 404 when off). Defaults to `true`.
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).websocket(false);
    /// # drop(s);
    /// ```
    pub fn websocket(self, enabled: bool) -> Self {
        self.configure(|c| c.websocket = enabled)
    }

    /// The largest HTTP body (`xhr_send`, `jsonp_send`) and WebSocket
    /// message accepted; larger ones get 413 (HTTP) or close the socket
    /// with 1009 (WebSocket). Defaults to 256 KiB
    /// ([`DEFAULT_MAX_MESSAGE_SIZE`](crate::config::DEFAULT_MAX_MESSAGE_SIZE)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).max_message_size(1 << 20);
    /// # drop(s);
    /// ```
    pub fn max_message_size(self, bytes: usize) -> Self {
        self.configure(|c| c.max_message_size = bytes)
    }

    /// How long a request body (`xhr_send`, `jsonp_send`), and the 8-byte
    /// key of a hixie-76 handshake, may take to arrive; a body that does not
    /// end in time gets 408 and its connection is closed. Defaults to 5 s
    /// ([`DEFAULT_BODY_TIMEOUT`](crate::config::DEFAULT_BODY_TIMEOUT)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).body_timeout(Duration::from_secs(15));
    /// # drop(s);
    /// ```
    pub fn body_timeout(self, timeout: Duration) -> Self {
        self.configure(|c| c.body_timeout = timeout)
    }

    /// What [`Session::send`] does when the session's outbound queue is
    /// full. Defaults to [`Overflow::Wait`].
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).overflow(actix_sockjs::Overflow::Refuse);
    /// # drop(s);
    /// ```
    pub fn overflow(self, overflow: Overflow) -> Self {
        self.configure(|c| c.overflow = overflow)
    }

    /// Which page origins may use the service, on every route including
    /// WebSocket upgrades. Defaults to [`AllowedOrigins::SameOrigin`].
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {})
    ///     .allowed_origins(actix_sockjs::AllowedOrigins::Any);
    /// # drop(s);
    /// ```
    pub fn allowed_origins(self, origins: AllowedOrigins) -> Self {
        self.configure(|c| c.origins = origins)
    }

    /// The JSESSIONID option: `/info` says `cookie_needed: true` and
    /// every session answer sets `JSESSIONID` (the client's value, else
    /// `dummy`) so load balancers can pin a client to one server.
    /// Defaults to `false`.
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).cookie_needed(true);
    /// # drop(s);
    /// ```
    pub fn cookie_needed(self, needed: bool) -> Self {
        self.configure(|c| c.cookie_needed = needed)
    }

    /// The most sessions alive at once; further sessions get 503.
    /// Defaults to 100,000 ([`DEFAULT_MAX_SESSIONS`](crate::config::DEFAULT_MAX_SESSIONS)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).max_sessions(10_000);
    /// # drop(s);
    /// ```
    pub fn max_sessions(self, max: usize) -> Self {
        self.configure(|c| c.max_sessions = max)
    }

    /// The most bytes a session keeps of its opening request for its life
    /// ([`Session::request`](crate::Session::request)): its headers (names,
    /// values and a byte of each separator, the opening connection's own
    /// headers not counted), path and query string. A request that would
    /// open a session keeping more is refused, and no session is made: 431
    /// `Request headers too large: ...` when its headers alone are over the
    /// bound, else 414 `Request URL too long: ...`. So `max_sessions` times
    /// this bounds what sessions keep of requests (actix-web itself takes
    /// request heads of up to about 128 KiB). Defaults to 16 KiB
    /// ([`DEFAULT_MAX_REQUEST_BYTES`](crate::config::DEFAULT_MAX_REQUEST_BYTES)),
    /// Node's bound on a whole request head: what a browser sends, cookies
    /// included, is far below it.
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).max_request_bytes(8 * 1024);
    /// # drop(s);
    /// ```
    pub fn max_request_bytes(self, max: usize) -> Self {
        self.configure(|c| c.max_request_bytes = max)
    }

    /// Keeps only these headers of a session's opening request for its
    /// life ([`Session::request`](crate::Session::request)), in any case;
    /// an empty list keeps none. By default a session keeps every header but
    /// the opening connection's own (see [`Headers`](crate::Headers)): about
    /// 500 bytes for a browser's request, a quarter of a session parked
    /// between polls. An application that reads the request in its accept
    /// hook ([`SockJs::accept`], which sees every header either way), or
    /// reads only a few headers in its handler, keeps just those.
    /// [`SockJs::max_request_bytes`] then counts only the headers kept.
    ///
    /// ```
    /// // What sockjs-node keeps of a request (its `conn.headers`).
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).keep_headers([
    ///     "referer", "x-client-ip", "x-forwarded-for", "x-cluster-client-ip", "via",
    ///     "x-real-ip", "x-forwarded-proto", "x-ssl", "dnt", "host", "user-agent",
    ///     "accept-language",
    /// ]);
    /// // None at all.
    /// let t = actix_sockjs::SockJs::new(|_, _| async {}).keep_headers([] as [&str; 0]);
    /// # drop((s, t));
    /// ```
    pub fn keep_headers<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Box<[Box<str>]> = names
            .into_iter()
            .map(|n| n.as_ref().to_ascii_lowercase().into_boxed_str())
            .collect();
        self.configure(|c| c.keep_headers = Some(names))
    }

    /// Bounds the outbound queue of each session: at most `messages`
    /// messages and `bytes` bytes of text wait for the client (an empty
    /// queue takes one message of any size). Defaults to 1024 messages and
    /// 1 MiB ([`DEFAULT_QUEUE_MESSAGES`](crate::config::DEFAULT_QUEUE_MESSAGES),
    /// [`DEFAULT_QUEUE_BYTES`](crate::config::DEFAULT_QUEUE_BYTES)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).queue_limit(64, 64 * 1024);
    /// # drop(s);
    /// ```
    pub fn queue_limit(self, messages: usize, bytes: usize) -> Self {
        self.configure(|c| {
            c.queue_messages = messages.max(1);
            c.queue_bytes = bytes;
        })
    }

    /// Bounds what one client has sent and the handler has not read yet:
    /// at most `messages` messages and `bytes` bytes of text (a single
    /// larger message still passes, alone). Past it, the client's sends
    /// wait. Defaults to 256 messages and 1 MiB
    /// ([`DEFAULT_INBOUND_MESSAGES`](crate::config::DEFAULT_INBOUND_MESSAGES),
    /// [`DEFAULT_INBOUND_BYTES`](crate::config::DEFAULT_INBOUND_BYTES)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).inbound_limit(32, 64 * 1024);
    /// # drop(s);
    /// ```
    pub fn inbound_limit(self, messages: usize, bytes: usize) -> Self {
        self.configure(|c| {
            c.inbound_messages = messages.max(1);
            c.inbound_bytes = bytes;
        })
    }

    /// Whether the resume extension is offered (`docs/resume.md`): clients
    /// that ask for it (client-js does) keep their session across dropped
    /// connections, on every transport, with nothing lost, duplicated or
    /// reordered. Plain SockJS clients never see it. Defaults to `true`.
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).resume(false);
    /// # drop(s);
    /// ```
    pub fn resume(self, offered: bool) -> Self {
        self.configure(|c| c.resume = offered)
    }

    /// How long a resumable session waits for its client to come back
    /// after a drop (it replaces the disconnect delay for those sessions).
    /// Defaults to 30 s ([`DEFAULT_RESUME_WINDOW`](crate::config::DEFAULT_RESUME_WINDOW)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).resume_window(Duration::from_secs(120));
    /// # drop(s);
    /// ```
    pub fn resume_window(self, window: Duration) -> Self {
        self.configure(|c| c.resume_window = window)
    }

    /// Client heartbeats of resumable sessions: clients show they are alive
    /// every `interval`, and a client silent for `timeout` while connected
    /// has its connection taken for dead (the session then waits for it to
    /// come back, for the resume window). Defaults to 5 s and 15 s
    /// ([`DEFAULT_CLIENT_HEARTBEAT`](crate::config::DEFAULT_CLIENT_HEARTBEAT),
    /// [`DEFAULT_CLIENT_TIMEOUT`](crate::config::DEFAULT_CLIENT_TIMEOUT)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let s = actix_sockjs::SockJs::new(|_, _| async {})
    ///     .client_heartbeat(Duration::from_secs(2), Duration::from_secs(6));
    /// # drop(s);
    /// ```
    pub fn client_heartbeat(self, interval: Duration, timeout: Duration) -> Self {
        self.configure(|c| {
            c.client_heartbeat = interval;
            c.client_timeout = timeout;
        })
    }

    /// The bytes all sessions of the service may hold in their queues
    /// together: outbound (waiting messages, and resumable sessions'
    /// unacknowledged ones) and inbound (what clients sent that the
    /// handlers have not read). Past it every queue counts as full: an
    /// outbound one under the overflow policy, an inbound one by making
    /// the client's send (or socket) wait, as at
    /// [`SockJs::inbound_limit`]. An empty queue still takes one message,
    /// so every session keeps moving. Defaults to 256 MiB
    /// ([`DEFAULT_BUFFER_BUDGET`](crate::config::DEFAULT_BUFFER_BUDGET)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).buffer_budget(64 << 20);
    /// # drop(s);
    /// ```
    pub fn buffer_budget(self, bytes: usize) -> Self {
        self.configure(|c| c.buffer_budget = bytes)
    }

    /// The client script the iframe page loads. sockjs-client's iframe
    /// transports (`iframe-eventsource`, `iframe-htmlfile`,
    /// `iframe-xhr-polling`, for cross-origin pages in old browsers) run
    /// inside that page, started by its `SockJS.bootstrap_iframe()`: the
    /// script must provide it. sockjs-client 1.x does (it must then be the
    /// version the page uses), and so does this crate's iframe bundle,
    /// served with [`client_js::iframe_script`](crate::client_js::iframe_script),
    /// which works with any sockjs-client 1.x page and needs no CDN. Defaults to
    /// sockjs-client 1.x on jsDelivr
    /// ([`DEFAULT_SOCKJS_URL`](crate::config::DEFAULT_SOCKJS_URL)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).sockjs_url("/static/sockjs.min.js");
    /// # drop(s);
    /// ```
    pub fn sockjs_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.configure(|c| c.sockjs_url = url)
    }

    /// Live sessions (HTTP and WebSocket).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {});
    /// assert_eq!(s.session_count(), 0);
    /// ```
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Bytes all sessions hold in their queues now, outbound and inbound
    /// (see [`SockJs::buffer_budget`]).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {});
    /// assert_eq!(s.buffered_bytes(), 0);
    /// ```
    pub fn buffered_bytes(&self) -> usize {
        self.inner.sessions.buffered()
    }

    /// The live HTTP session the client named `id` (the second segment of
    /// its URLs). WebSocket sessions are not found by id: the protocol lets
    /// two sockets carry the same one.
    ///
    /// ```no_run
    /// # async fn demo(sockjs: actix_sockjs::SockJs) {
    /// if let Some(session) = sockjs.session("a1b2c3d4") {
    ///     session.try_send("found you").ok();
    /// }
    /// # }
    /// ```
    pub fn session(&self, id: &str) -> Option<Session> {
        self.inner.sessions.get(id).map(|inner| Session { inner })
    }

    /// The open sessions the accept hook gave to `user`
    /// ([`Accepted::user`]).
    ///
    /// ```no_run
    /// # async fn demo(sockjs: actix_sockjs::SockJs) {
    /// for session in sockjs.sessions_of("ada") {
    ///     session.try_send("you have mail").ok();
    /// }
    /// # }
    /// ```
    pub fn sessions_of(&self, user: &str) -> Vec<Session> {
        self.inner
            .sessions
            .of_user(user)
            .into_iter()
            .map(|inner| Session { inner })
            .filter(|s| !s.is_closed())
            .collect()
    }

    /// Closes every session of `user` with `c[code,"reason"]` (a user
    /// logged out, or was banned); returns how many.
    ///
    /// ```no_run
    /// # fn demo(sockjs: actix_sockjs::SockJs) {
    /// let n = sockjs.close_user("mallory", 4001, "Banned");
    /// println!("closed {n} sessions");
    /// # }
    /// ```
    pub fn close_user(&self, user: &str, code: u16, reason: &str) -> usize {
        let sessions = self.sessions_of(user);
        sessions.iter().for_each(|s| s.close(code, reason));
        sessions.len()
    }

    /// Closes every live session with `c[code,"reason"]`; returns how many.
    ///
    /// ```no_run
    /// # fn demo(sockjs: actix_sockjs::SockJs) {
    /// sockjs.close_all(3000, "Maintenance");
    /// # }
    /// ```
    pub fn close_all(&self, code: u16, reason: &str) -> usize {
        let all = self.inner.sessions.all();
        for inner in &all {
            inner.close(crate::CloseReason::Server {
                code,
                reason: reason.to_owned(),
            });
        }
        all.len()
    }

    /// Shuts the service down gracefully: new sessions are refused (503
    /// `Server shutting down.`), every session is closed with
    /// `c[1012,"Server restarting"]`, and this waits until each has sent
    /// that frame to its client (open sockets and streams get it at once,
    /// a polling client with its next poll) or `drain` has passed. Returns
    /// how many sessions had not been told by then (clients gone, mostly).
    ///
    /// client-js takes 1012 as a dropped connection: a resumable session
    /// comes back where it lives on (another node), and a plain one
    /// reconnects under its `reconnect` option. Call it before stopping
    /// actix-web, so that its own graceful stop does not wait on long-lived
    /// responses; see [`shutdown_signal`](crate::shutdown_signal) for the
    /// whole sequence.
    ///
    /// ```no_run
    /// # async fn demo(sockjs: actix_sockjs::SockJs) {
    /// let untold = sockjs.shutdown(std::time::Duration::from_secs(5)).await;
    /// println!("{untold} sessions did not hear of it");
    /// # }
    /// ```
    pub async fn shutdown(&self, drain: Duration) -> usize {
        let sessions = &self.inner.sessions;
        sessions.shut_down();
        let closed = self.close_all(1012, "Server restarting");
        tracing::info!("shutting down: {closed} sessions closed with 1012");
        let deadline = tokio::time::Instant::now() + drain;
        // In a cluster, a resumable session moves to another node as soon
        // as its client was told (its next request lands there), the rest
        // once the drain is over.
        // (What is left of the drain, at least 1 s, for Redis to confirm.)
        #[cfg(feature = "redis")]
        let within = || {
            deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .max(Duration::from_secs(1))
        };
        #[cfg(feature = "redis")]
        let mut handed = 0;
        let untold = loop {
            #[cfg(feature = "redis")]
            {
                handed += sessions.hand_over(|s| s.told_close(), within()).await;
            }
            let untold = sessions.all().iter().filter(|s| !s.told_close()).count();
            if untold == 0 || tokio::time::Instant::now() >= deadline {
                if untold > 0 {
                    tracing::info!("shutdown: {untold} sessions not told within {drain:?}");
                }
                break untold;
            }
            // Shutdown only: a short poll, nothing on the hot path.
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        #[cfg(feature = "redis")]
        {
            handed += sessions.hand_over(|_| true, within()).await;
            if handed > 0 {
                tracing::info!("shutdown: {handed} resumable sessions handed over through Redis");
            }
        }
        untold
    }

    /// The named group `name` of this service, the same one each time it is
    /// asked for. Without a cluster it is a [`Group`](crate::Group) like any
    /// other; in a cluster (`SockJs::cluster`, feature `redis`) its broadcasts reach its
    /// members on every node. A group with no member and no handle but the
    /// service's is forgotten as new names come (asked for again, it is a
    /// new empty group, which is the same): names clients choose do not
    /// grow the service for its life.
    ///
    /// ```
    /// let chat = actix_sockjs::SockJs::new(|_, _| async {});
    /// let lobby = chat.group("lobby");
    /// assert!(lobby.is_empty());
    /// ```
    pub fn group(&self, name: &str) -> crate::Group {
        let mut groups = self.inner.groups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = groups.by_name.get(name) {
            return g.clone();
        }
        // A group with no member and no handle but the map's is empty and
        // unreachable: asked for again, a new empty one is the same.
        groups.forget_unused(crate::Group::unused);
        #[cfg(feature = "redis")]
        let g = match &self.inner.sessions.cluster {
            Some(link) => crate::Group::clustered(link.node.clone(), link.svc.clone(), name),
            None => crate::Group::new(),
        };
        #[cfg(not(feature = "redis"))]
        let g = crate::Group::new();
        groups.by_name.insert(name.to_owned(), g.clone());
        g
    }

    /// How many named groups the service keeps now.
    #[cfg(test)]
    fn named_groups(&self) -> usize {
        let groups = self.inner.groups.lock().unwrap_or_else(|e| e.into_inner());
        groups.by_name.len()
    }

    /// Joins this service to a cluster of nodes on Redis (cargo feature
    /// `redis`) under `name` (the same on every node): any request of a
    /// session may land on any node (it is relayed to the node that owns
    /// the session), named groups ([`SockJs::group`]) and
    /// [`SockJs::broadcast`] reach every node, and resumable sessions
    /// survive the loss of their node. See the README's "Many nodes".
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let cluster = actix_sockjs::Cluster::new("redis://127.0.0.1:6379")?;
    /// let chat = actix_sockjs::SockJs::new(|_, _| async {}).cluster(&cluster, "chat");
    /// # drop(chat);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    pub fn cluster(self, cluster: &crate::Cluster, name: &str) -> Self {
        let mut this = self.name(name);
        let link = crate::cluster::relay::Link::new(cluster.inner.clone(), name);
        let sessions = Arc::get_mut(&mut this.inner).and_then(|s| Arc::get_mut(&mut s.sessions));
        match sessions {
            Some(sessions) => sessions.set_cluster(link),
            None => panic!("SockJs: join the cluster before cloning or mounting the service"),
        }
        this
    }

    /// The service's name: the `service` label of its metrics (default
    /// `default`), and its name in a cluster (`SockJs::cluster`, feature `redis`, sets it
    /// too).
    ///
    /// ```
    /// let echo = actix_sockjs::SockJs::new(|_, _| async {}).name("echo");
    /// # drop(echo);
    /// ```
    pub fn name(mut self, name: &str) -> Self {
        let sessions = Arc::get_mut(&mut self.inner).and_then(|s| Arc::get_mut(&mut s.sessions));
        match sessions {
            Some(sessions) => sessions.set_name(name),
            None => panic!("SockJs: name the service before cloning or mounting it"),
        }
        self
    }

    /// Sends `message` to every live session of this service, encoding its
    /// frame once. Never waits: a session whose queue is full drops the
    /// message (or, under [`Overflow::Close`], is closed); the report counts
    /// both.
    ///
    /// ```no_run
    /// # async fn demo(sockjs: actix_sockjs::SockJs) {
    /// let report = sockjs.broadcast("server restarting in 1 minute");
    /// println!("{} delivered, {} dropped", report.queued, report.dropped);
    /// # }
    /// ```
    pub fn broadcast(&self, message: impl Into<crate::Message>) -> crate::BroadcastReport {
        let message = message.into();
        #[cfg(feature = "redis")]
        if let Some(link) = &self.inner.sessions.cluster {
            link.node.publish(&link.svc, "*", message.as_str());
        }
        let sessions = self.inner.sessions.all();
        crate::broadcast::send_all(sessions.iter().map(|i| &**i), message)
    }

    /// The service's routes under `path`, for `App::service`.
    ///
    /// ```
    /// use actix_web::App;
    /// let sockjs = actix_sockjs::SockJs::new(|_, _| async {});
    /// let app = App::new().service(sockjs.scope("/echo"));
    /// # drop(app);
    /// ```
    pub fn scope(&self, path: &str) -> Scope {
        // Mounted: its metrics are read at scrapes, its cluster finds it.
        self.inner.sessions.announce();
        let service = self.inner.clone();
        web::scope(path).default_service(fn_service(move |req: ServiceRequest| {
            let service = service.clone();
            async move { Ok::<_, actix_web::Error>(dispatch(service, req).await) }
        }))
    }
}

// ------------------------------------------------------------------ routes

type PageFn = fn(&Pages, &Config, &HttpRequest) -> HttpResponse;

/// Where a route is, under the service's prefix.
enum Path {
    Exact(&'static str),
    /// `/iframe.html`, `/iframe-<version>.html`.
    Iframe,
    /// `/<server>/<session>/<name>`.
    Session(&'static str),
}

enum Answer {
    Page(PageFn),
    Session(SessionRoute),
}

/// The transport a session route goes to. (Matched in [`route`], so its
/// future is part of the request's, not a box of its own.)
#[derive(Clone, Copy)]
enum SessionRoute {
    RawWebsocket,
    Websocket,
    Receive(HttpReceiver),
    /// `xhr_send`, or `jsonp_send` with `jsonp`.
    Send {
        jsonp: bool,
    },
}

/// The routes: path, the methods it takes (its `Allow`; `OPTIONS` means a
/// CORS preflight), and what answers it.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    (Path::Exact(""),                    "GET, HEAD",     Answer::Page(pages::greeting)),
    (Path::Exact("/"),                   "GET, HEAD",     Answer::Page(pages::greeting)),
    (Path::Exact("/info"),               "OPTIONS, GET",  Answer::Page(pages::info)),
    (Path::Iframe,                       "GET, HEAD",     Answer::Page(pages::iframe)),
    (Path::Exact("/websocket"),          "GET",           Answer::Session(SessionRoute::RawWebsocket)),
    (Path::Session(Websocket.name()),    "GET",           Answer::Session(SessionRoute::Websocket)),
    (Path::Session(XhrPolling.name()),   "OPTIONS, POST", Answer::Session(SessionRoute::Receive(HttpReceiver::XhrPolling))),
    (Path::Session(XhrStreaming.name()), "OPTIONS, POST", Answer::Session(SessionRoute::Receive(HttpReceiver::XhrStreaming))),
    (Path::Session(EventSource.name()),  "OPTIONS, GET",  Answer::Session(SessionRoute::Receive(HttpReceiver::EventSource))),
    (Path::Session(HtmlFile.name()),     "OPTIONS, GET",  Answer::Session(SessionRoute::Receive(HttpReceiver::HtmlFile))),
    (Path::Session(JsonpPolling.name()), "OPTIONS, GET",  Answer::Session(SessionRoute::Receive(HttpReceiver::Jsonp))),
    (Path::Session("xhr_send"),          "OPTIONS, POST", Answer::Session(SessionRoute::Send { jsonp: false })),
    (Path::Session("jsonp_send"),        "OPTIONS, POST", Answer::Session(SessionRoute::Send { jsonp: true })),
];

/// `/<server>/<session>/<name>`: ids non-empty, without `.`, at most
/// [`MAX_ID_LEN`](crate::config::MAX_ID_LEN) bytes. Returns (where the
/// session id is in `tail`, name).
fn parse_session_path(tail: &str) -> Option<(Range<usize>, &str)> {
    let mut parts = tail.strip_prefix('/')?.split('/');
    let (server, session, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let valid = |s: &str| !s.is_empty() && s.len() <= crate::config::MAX_ID_LEN && !s.contains('.');
    let start = 1 + server.len() + 1;
    (valid(server) && valid(session)).then_some((start..start + session.len(), name))
}

/// A route: path, the methods it takes, what answers it.
type Route = (Path, &'static str, Answer);

/// The route for `tail`, and where the session id is in `tail` (empty for
/// routes without one).
fn find(tail: &str) -> Option<(&'static Route, Range<usize>)> {
    let session = parse_session_path(tail);
    ROUTES.iter().find_map(|route| {
        let hit = match route.0 {
            Path::Exact(p) => (p == tail).then_some(0..0),
            Path::Iframe => pages::is_iframe_path(tail).then_some(0..0),
            Path::Session(name) => session
                .clone()
                .filter(|(_, n)| *n == name)
                .map(|(id, _)| id),
        };
        hit.map(|id| (route, id))
    })
}

async fn dispatch(service: Arc<Service>, mut req: ServiceRequest) -> ServiceResponse {
    websocket::normalize_version(&mut req);
    let (http, payload) = req.into_parts();
    let response = match route(&service, &http, payload).await {
        Ok(mut response) => {
            if http.head().upgrade() && response.status() != StatusCode::SWITCHING_PROTOCOLS {
                // An upgrade asked of an HTTP route (a proxy that sends
                // `Connection: upgrade` on every request, say): answered as
                // plain HTTP, closing the connection after, instead of an
                // answer that says `Connection: upgrade`.
                response
                    .head_mut()
                    .set_connection_type(ConnectionType::Close);
            }
            response
        }
        Err(e) => {
            service.sessions.metrics.refused(e.metric());
            if e.operational() {
                service.limits.log(&http, &e, &service.sessions.config);
            } else {
                tracing::debug!("{} {}: {} {e}", http.method(), http.path(), e.status_code());
            }
            let mut response = e.error_response();
            headers::refusal(response.headers_mut(), &http);
            response
        }
    };
    ServiceResponse::new(http, response)
}

async fn route(
    service: &Arc<Service>,
    req: &HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, RequestError> {
    // The path under the service's prefix.
    let tail = req.match_info().unprocessed();
    let config = &service.sessions.config;
    if let Err(refused) = origin::check(&config.origins, req) {
        service.refused.log(req, &refused);
        return Err(RequestError::OriginRefused);
    }
    let Some(((_, allow, answer), id)) = find(tail) else {
        return Err(RequestError::NotFound);
    };
    let method = req.method();
    if *method == Method::OPTIONS && allow.starts_with("OPTIONS") {
        return Ok(headers::preflight(req, allow));
    }
    if !allow.split(", ").any(|m| m == method.as_str()) {
        return Err(RequestError::MethodNotAllowed(allow));
    }
    match answer {
        Answer::Page(page) => Ok(page(&service.pages, config, req)),
        Answer::Session(to) => {
            let r = SessionRequest::new(service.sessions.clone(), req.clone(), payload, id);
            match *to {
                SessionRoute::RawWebsocket => websocket::raw(r).await,
                SessionRoute::Websocket => websocket::framed(r).await,
                SessionRoute::Receive(receiver) => receive(r, receiver).await,
                SessionRoute::Send { jsonp } => send(r, jsonp).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_groups_nobody_uses_are_forgotten() {
        let svc = SockJs::new(|_, _| async {});
        let kept = svc.group("kept");
        for i in 0..100_000 {
            drop(svc.group(&format!("room {i}")));
        }
        assert!(svc.named_groups() < 200, "{} kept", svc.named_groups());
        // A group someone holds stays the same group.
        assert!(kept.same_as(&svc.group("kept")));
    }

    #[test]
    fn session_paths() {
        let parsed = |tail: &'static str| parse_session_path(tail).map(|(id, n)| (&tail[id], n));
        assert_eq!(parsed("/000/abc/xhr"), Some(("abc", "xhr")));
        assert_eq!(parsed("/a/a%20b/xhr"), Some(("a%20b", "xhr")));
        for bad in [
            "//a/xhr",
            "/a./a/xhr",
            "/a/a./xhr",
            "/./././xhr",
            "/a/a",
            "/a/a/xhr/x",
            "///xhr",
        ] {
            assert_eq!(parse_session_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_session_route_is_found() {
        for name in [
            "websocket",
            "xhr",
            "xhr_streaming",
            "eventsource",
            "htmlfile",
            "jsonp",
            "xhr_send",
            "jsonp_send",
        ] {
            let tail = format!("/0/abc/{name}");
            let (route, id) = find(&tail).expect(name);
            assert!(matches!(route.0, Path::Session(n) if n == name));
            assert_eq!(&tail[id], "abc");
        }
        assert!(find("/0/abc/nope").is_none());
        assert!(matches!(
            find("/websocket"),
            Some(((Path::Exact(_), "GET", _), id)) if id.is_empty()
        ));
    }
}
