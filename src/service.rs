//! The [`SockJs`] builder and its actix-web routes.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, Scope};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;

use crate::config::{AllowedOrigins, Config, Overflow};
use crate::error::CloseReason;
use crate::protocol::inbound::{self, PayloadError};
use crate::session::{Inner, MessageStream, Registry, RequestInfo, Session};
use crate::transport::http::{self as http_transport, Framing};
use crate::transport::{hixie76, websocket, Transport};

type Handler = dyn Fn(Session, MessageStream) -> LocalBoxFuture<'static, ()> + Send + Sync;
type Accept = dyn Fn(&HttpRequest) -> Result<(), actix_web::Error> + Send + Sync;

const NO_CACHE: &str = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
const ONE_YEAR: u64 = 365 * 24 * 3600;
const TEXT_PLAIN: &str = "text/plain; charset=UTF-8";

/// A SockJS service: one session registry and one handler, mounted into an
/// actix-web `App` with [`SockJs::scope`].
///
/// Build it **once, outside the `HttpServer::new` closure**: that closure
/// runs once per worker thread, and every worker must share the same
/// sessions (a client's polls may land on any worker). Cloning is cheap.
/// Configure it before cloning it: a setter called on one of several clones
/// gives that clone a registry of its own.
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
    inner: Arc<ServiceInner>,
}

pub(crate) struct ServiceInner {
    pub config: Config,
    pub registry: Registry,
    handler: Arc<Handler>,
    accept: Option<Arc<Accept>>,
    iframe: Iframe,
}

impl Clone for ServiceInner {
    /// A copy with the same settings and a registry of its own.
    fn clone(&self) -> Self {
        ServiceInner {
            config: self.config.clone(),
            registry: Registry::new(self.config.max_sessions),
            handler: self.handler.clone(),
            accept: self.accept.clone(),
            iframe: self.iframe.clone(),
        }
    }
}

impl std::fmt::Debug for SockJs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockJs")
            .field("config", &self.inner.config)
            .field("sessions", &self.inner.registry.len())
            .finish()
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty => $field:ident) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.config_mut().$field = value.into();
            self
        }
    };
}

impl SockJs {
    /// A service that runs `handler` once per SockJS session, with the
    /// session's handle and its stream of incoming messages. When the
    /// handler returns, the session is closed with 3000 "Go away!" if it is
    /// still open; if it panics, with 1011 "Internal server error".
    pub fn new<F, Fut>(handler: F) -> Self
    where
        F: Fn(Session, MessageStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let config = Config::default();
        let handler: Arc<Handler> = Arc::new(move |s, m| Box::pin(handler(s, m)));
        SockJs {
            inner: Arc::new(ServiceInner {
                registry: Registry::new(config.max_sessions),
                iframe: Iframe::new(&config.sockjs_url),
                config,
                handler,
                accept: None,
            }),
        }
    }

    fn service_mut(&mut self) -> &mut ServiceInner {
        Arc::make_mut(&mut self.inner)
    }

    fn config_mut(&mut self) -> &mut Config {
        &mut self.service_mut().config
    }

    /// Sees the request that opens each new session (its query, cookies,
    /// headers) before any frame is sent, and may refuse it with an error:
    /// the client gets that error's response and no session is created.
    ///
    /// ```
    /// use actix_sockjs::SockJs;
    ///
    /// let sockjs = SockJs::new(|_session, _messages| async {}).accept(|req| {
    ///     match req.query_string().contains("token=secret") {
    ///         true => Ok(()),
    ///         false => Err(actix_web::error::ErrorForbidden("a valid token is required")),
    ///     }
    /// });
    /// # drop(sockjs);
    /// ```
    pub fn accept<F>(mut self, accept: F) -> Self
    where
        F: Fn(&HttpRequest) -> Result<(), actix_web::Error> + Send + Sync + 'static,
    {
        self.service_mut().accept = Some(Arc::new(accept));
        self
    }

    setter! {
        /// Interval between heartbeat frames while a receiver is attached.
        /// Defaults to 25 s ([`DEFAULT_HEARTBEAT`](crate::config::DEFAULT_HEARTBEAT)).
        ///
        /// ```
        /// # use std::time::Duration;
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).heartbeat(Duration::from_secs(10));
        /// # drop(s);
        /// ```
        heartbeat: Duration => heartbeat
    }

    setter! {
        /// How long a session lives with no receiver attached (between
        /// polls, after a stream ended) before it is dropped. Defaults to 5 s
        /// ([`DEFAULT_DISCONNECT_DELAY`](crate::config::DEFAULT_DISCONNECT_DELAY)).
        ///
        /// ```
        /// # use std::time::Duration;
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).disconnect_delay(Duration::from_secs(10));
        /// # drop(s);
        /// ```
        disconnect_delay: Duration => disconnect_delay
    }

    setter! {
        /// Bytes of frames a streaming response (xhr_streaming, eventsource,
        /// htmlfile) carries before it ends and the client opens a new one,
        /// so browsers can free what they buffered. Defaults to 128 KiB
        /// ([`DEFAULT_RESPONSE_LIMIT`](crate::config::DEFAULT_RESPONSE_LIMIT)).
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).response_limit(4096);
        /// # drop(s);
        /// ```
        response_limit: usize => response_limit
    }

    setter! {
        /// Whether the WebSocket transports are offered (`/info` says so,
        /// and the WebSocket routes answer 404 when off). Defaults to `true`.
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).websocket(false);
        /// # drop(s);
        /// ```
        websocket: bool => websocket
    }

    setter! {
        /// The largest HTTP body (`xhr_send`, `jsonp_send`) and WebSocket
        /// message accepted; larger ones get 413 (HTTP) or close the socket
        /// with 1009 (WebSocket). Defaults to 256 KiB
        /// ([`DEFAULT_MAX_MESSAGE_SIZE`](crate::config::DEFAULT_MAX_MESSAGE_SIZE)).
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).max_message_size(1 << 20);
        /// # drop(s);
        /// ```
        max_message_size: usize => max_message_size
    }

    setter! {
        /// What [`Session::send`] does when the session's outbound queue is
        /// full. Defaults to [`Overflow::Wait`].
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).overflow(actix_sockjs::Overflow::Refuse);
        /// # drop(s);
        /// ```
        overflow: Overflow => overflow
    }

    setter! {
        /// Which page origins may use the service, on every route including
        /// WebSocket upgrades. Defaults to [`AllowedOrigins::SameOrigin`].
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {})
        ///     .allowed_origins(actix_sockjs::AllowedOrigins::Any);
        /// # drop(s);
        /// ```
        allowed_origins: AllowedOrigins => origins
    }

    setter! {
        /// The JSESSIONID option: `/info` says `cookie_needed: true` and
        /// every session answer sets `JSESSIONID` (the client's value, else
        /// `dummy`) so load balancers can pin a client to one server.
        /// Defaults to `false`.
        ///
        /// ```
        /// let s = actix_sockjs::SockJs::new(|_, _| async {}).cookie_needed(true);
        /// # drop(s);
        /// ```
        cookie_needed: bool => cookie_needed
    }

    /// The most sessions alive at once; further sessions get 503.
    /// Defaults to 100,000 ([`DEFAULT_MAX_SESSIONS`](crate::config::DEFAULT_MAX_SESSIONS)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).max_sessions(10_000);
    /// # drop(s);
    /// ```
    pub fn max_sessions(mut self, max: usize) -> Self {
        let service = self.service_mut();
        service.config.max_sessions = max;
        service.registry = Registry::new(max);
        self
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
    pub fn queue_limit(mut self, messages: usize, bytes: usize) -> Self {
        let c = self.config_mut();
        c.queue_messages = messages.max(1);
        c.queue_bytes = bytes;
        self
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
    pub fn inbound_limit(mut self, messages: usize, bytes: usize) -> Self {
        let c = self.config_mut();
        c.inbound_messages = messages.max(1);
        c.inbound_bytes = bytes;
        self
    }

    /// The client script the iframe page loads. sockjs-client's iframe
    /// transports (`iframe-eventsource`, `iframe-htmlfile`,
    /// `iframe-xhr-polling`, for cross-origin pages in old browsers) run
    /// inside that page, started by its `SockJS.bootstrap_iframe()`: the
    /// script must provide it. sockjs-client 1.x does (it must then be the
    /// version the page uses), and so does this crate's own client, served
    /// with [`client_js::script`](crate::client_js::script), which works
    /// with any sockjs-client 1.x page and needs no CDN. Defaults to
    /// sockjs-client 1.x on jsDelivr
    /// ([`DEFAULT_SOCKJS_URL`](crate::config::DEFAULT_SOCKJS_URL)).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {}).sockjs_url("/static/sockjs.min.js");
    /// # drop(s);
    /// ```
    pub fn sockjs_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        let service = self.service_mut();
        service.iframe = Iframe::new(&url);
        service.config.sockjs_url = url;
        self
    }

    /// Live sessions (HTTP and WebSocket).
    ///
    /// ```
    /// let s = actix_sockjs::SockJs::new(|_, _| async {});
    /// assert_eq!(s.session_count(), 0);
    /// ```
    pub fn session_count(&self) -> usize {
        self.inner.registry.len()
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
        self.inner.registry.get(id).map(|inner| Session { inner })
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
        let sessions = self.inner.registry.all();
        crate::broadcast::send_all(sessions.iter().map(|i| &**i), message.into())
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
        let inner = self.inner.clone();
        web::scope(path).default_service(fn_service(move |req: ServiceRequest| {
            let inner = inner.clone();
            async move { Ok::<_, actix_web::Error>(dispatch(inner, req).await) }
        }))
    }
}

/// The iframe page, rendered once per `sockjs_url`.
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
            etag: crate::cache::etag(body.as_bytes()),
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

async fn dispatch(service: Arc<ServiceInner>, mut req: ServiceRequest) -> ServiceResponse {
    // hybi-07 and -08 frame exactly like RFC 6455 (13), which is all
    // actix-ws accepts: let them through.
    if let Some(v) = req.headers().get(header::SEC_WEBSOCKET_VERSION) {
        if v == "7" || v == "8" {
            req.headers_mut().insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
    }
    let tail = req.match_info().unprocessed().to_owned();
    let (http_req, payload) = req.into_parts();
    let response = route(&service, &http_req, payload, &tail).await;
    ServiceResponse::new(http_req, response)
}

async fn route(
    service: &Arc<ServiceInner>,
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    tail: &str,
) -> HttpResponse {
    if !origin_allowed(&service.config.origins, req) {
        log::debug!("refused origin {:?} on {}", origin(req), req.path());
        return HttpResponse::Forbidden()
            .content_type(TEXT_PLAIN)
            .body("Origin not allowed.");
    }
    let method = req.method();
    match tail {
        "" | "/" => match *method {
            Method::GET | Method::HEAD => HttpResponse::Ok()
                .content_type(TEXT_PLAIN)
                .body("Welcome to SockJS!\n"),
            _ => method_not_allowed("GET, HEAD"),
        },
        "/info" => match *method {
            Method::GET => info(service, req),
            Method::OPTIONS => options(req, "OPTIONS, GET"),
            _ => method_not_allowed("OPTIONS, GET"),
        },
        "/websocket" => websocket_route(service, req, payload, None).await,
        _ if is_iframe_path(tail) => match *method {
            Method::GET | Method::HEAD => iframe(service, req),
            _ => method_not_allowed("GET, HEAD"),
        },
        _ => match parse_session_path(tail) {
            Some((session, transport)) => {
                session_route(service, req, payload, session, transport).await
            }
            None => {
                log::debug!("{} {}: no such route", method, req.path());
                not_found()
            }
        },
    }
}

fn is_iframe_path(tail: &str) -> bool {
    tail == "/iframe.html"
        || tail
            .strip_prefix("/iframe-")
            .and_then(|rest| rest.strip_suffix(".html"))
            .is_some_and(|v| !v.contains('/'))
}

/// `/<server>/<session>/<transport>`: ids non-empty, without `.`, at most
/// [`MAX_ID_LEN`](crate::config::MAX_ID_LEN) bytes.
fn parse_session_path(tail: &str) -> Option<(&str, &str)> {
    let mut parts = tail.strip_prefix('/')?.split('/');
    let (server, session, transport) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let valid = |s: &str| !s.is_empty() && s.len() <= crate::config::MAX_ID_LEN && !s.contains('.');
    (valid(server) && valid(session)).then_some((session, transport))
}

async fn session_route(
    service: &Arc<ServiceInner>,
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    session_id: &str,
    transport: &str,
) -> HttpResponse {
    let method = req.method();
    let (receive, allow): (Option<Transport>, &str) = match transport {
        "websocket" => return websocket_route(service, req, payload, Some(session_id)).await,
        "xhr" => (Some(Transport::XhrPolling), "OPTIONS, POST"),
        "xhr_streaming" => (Some(Transport::XhrStreaming), "OPTIONS, POST"),
        "eventsource" => (Some(Transport::EventSource), "OPTIONS, GET"),
        "htmlfile" => (Some(Transport::HtmlFile), "OPTIONS, GET"),
        "jsonp" => (Some(Transport::JsonpPolling), "OPTIONS, GET"),
        "xhr_send" | "jsonp_send" => (None, "OPTIONS, POST"),
        _ => {
            log::debug!("{}: unknown transport {transport:?}", req.path());
            return not_found();
        }
    };
    if *method == Method::OPTIONS {
        return options(req, allow);
    }
    if !allow.split(", ").any(|m| m == method.as_str()) {
        return method_not_allowed(allow);
    }
    match receive {
        Some(t) => receive_route(service, req, session_id, t).await,
        None => send_route(service, req, payload, session_id, transport == "jsonp_send").await,
    }
}

/// Common headers of session and info answers: no caching, CORS.
fn session_headers(req: &HttpRequest, status: StatusCode) -> HttpResponseBuilder {
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

fn cors(b: &mut HttpResponseBuilder, req: &HttpRequest) {
    match origin(req) {
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

fn jsessionid(b: &mut HttpResponseBuilder, service: &ServiceInner, req: &HttpRequest) {
    if !service.config.cookie_needed {
        return;
    }
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

fn origin(req: &HttpRequest) -> Option<&HeaderValue> {
    req.headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get("sec-websocket-origin"))
}

fn origin_allowed(allowed: &AllowedOrigins, req: &HttpRequest) -> bool {
    let Some(origin) = origin(req) else {
        return true;
    };
    let origin = match origin.to_str() {
        Ok(o) => normalize_origin(o),
        Err(_) => return matches!(allowed, AllowedOrigins::Any),
    };
    match allowed {
        AllowedOrigins::Any => true,
        AllowedOrigins::SameOrigin => origin == own_origin(req),
        AllowedOrigins::List(list) => {
            origin == own_origin(req) || list.iter().any(|o| normalize_origin(o) == origin)
        }
    }
}

fn own_origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    normalize_origin(&format!("{}://{}", info.scheme(), info.host()))
}

/// Lowercase, without a trailing slash or the scheme's default port.
fn normalize_origin(o: &str) -> String {
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

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type(TEXT_PLAIN)
        .body("Not found.")
}

fn method_not_allowed(allow: &'static str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow))
        .finish()
}

fn error_500(req: &HttpRequest, text: &'static str) -> HttpResponse {
    log::debug!("{} {}: {text}", req.method(), req.path());
    session_headers(req, StatusCode::INTERNAL_SERVER_ERROR)
        .content_type(TEXT_PLAIN)
        .body(text)
}

fn year_cache(b: &mut HttpResponseBuilder) {
    let expires = SystemTime::now() + Duration::from_secs(ONE_YEAR);
    b.insert_header((header::CACHE_CONTROL, format!("public, max-age={ONE_YEAR}")));
    b.insert_header(header::Expires(expires.into()));
}

fn options(req: &HttpRequest, allow: &'static str) -> HttpResponse {
    let mut b = HttpResponse::NoContent();
    cors(&mut b, req);
    year_cache(&mut b);
    b.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, allow));
    b.insert_header((header::ACCESS_CONTROL_MAX_AGE, ONE_YEAR.to_string()));
    b.finish()
}

fn info(service: &ServiceInner, req: &HttpRequest) -> HttpResponse {
    let body = format!(
        r#"{{"websocket":{},"cookie_needed":{},"origins":["*:*"],"entropy":{}}}"#,
        service.config.websocket,
        service.config.cookie_needed,
        fastrand::u32(..),
    );
    session_headers(req, StatusCode::OK)
        .content_type("application/json; charset=UTF-8")
        .body(body)
}

fn iframe(service: &ServiceInner, req: &HttpRequest) -> HttpResponse {
    let page = &service.iframe;
    if crate::cache::not_modified(req, &page.etag) {
        return HttpResponse::NotModified().finish();
    }
    let mut b = HttpResponse::Ok();
    year_cache(&mut b);
    b.insert_header((header::ETAG, page.etag.clone()))
        .content_type("text/html; charset=UTF-8")
        .body(page.body.clone())
}

/// The first query parameter `name`, percent-decoded.
fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    crate::session::query_param(req.query_string(), name)
}

async fn receive_route(
    service: &Arc<ServiceInner>,
    req: &HttpRequest,
    session_id: &str,
    transport: Transport,
) -> HttpResponse {
    let callback = if matches!(transport, Transport::HtmlFile | Transport::JsonpPolling) {
        match query_param(req, "c") {
            None => return error_500(req, "\"callback\" parameter required"),
            Some(c) if !http_transport::valid_callback(&c) => {
                return error_500(req, "invalid \"callback\" parameter")
            }
            Some(c) => Some(c),
        }
    } else {
        None
    };
    let framing = Framing::new(transport, callback.as_deref());

    let inner = match open_session(service, req, session_id, transport) {
        Ok(inner) => inner,
        Err(response) => return response,
    };
    let mut b = session_headers(req, StatusCode::OK);
    b.content_type(HeaderValue::from_static(framing.content_type()));
    jsessionid(&mut b, service, req);
    match inner.attach() {
        Some(mut attachment) => {
            // A poll answers one frame with a sized body, written together
            // with the head once the frame is ready: a head sent ahead of a
            // late body would wait for the client's delayed ACK under Nagle
            // (actix-web's default), 40 ms per message. If the client goes
            // away meanwhile, actix drops this future and the attachment's
            // drop interrupts the session, as a dropped body would.
            if !framing.streaming() {
                let out = match attachment.try_next() {
                    Some(out) => out,
                    None => attachment.next(service.config.heartbeat).await,
                };
                attachment.complete();
                drop(attachment);
                return b.body(framing.wrap(&http_transport::frame_of(out)));
            }
            streaming(
                req,
                b,
                http_transport::receiver_body(
                    attachment,
                    framing,
                    service.config.heartbeat,
                    service.config.response_limit,
                ),
            )
        }
        None => {
            let busy = r#"c[2010,"Another connection still open"]"#;
            if framing.streaming() {
                let chunks = framing
                    .one_frame(busy)
                    .into_iter()
                    .map(Ok::<_, std::convert::Infallible>);
                streaming(req, b, futures_util::stream::iter(chunks))
            } else {
                b.body(framing.wrap(busy))
            }
        }
    }
}

/// A streamed answer. HTTP/1.0 has no chunked encoding: the body then ends
/// by closing the connection.
fn streaming<S>(req: &HttpRequest, mut b: HttpResponseBuilder, body: S) -> HttpResponse
where
    S: futures_core::Stream<Item = Result<bytes::Bytes, std::convert::Infallible>> + 'static,
{
    let http10 = req.version() < actix_web::http::Version::HTTP_11;
    if http10 {
        b.force_close();
    }
    let mut response = b.streaming(body);
    if http10 {
        response.head_mut().no_chunking(true);
    }
    response
}

/// Finds the session, or creates it (after the accept hook) and starts its
/// handler.
#[allow(clippy::result_large_err)] // the error is the answer, built once
fn open_session(
    service: &Arc<ServiceInner>,
    req: &HttpRequest,
    session_id: &str,
    transport: Transport,
) -> Result<Arc<Inner>, HttpResponse> {
    if let Some(inner) = service.registry.get(session_id) {
        return Ok(inner);
    }
    accept(service, req)?;
    let made = service.registry.get_or_insert(session_id, |key| {
        Inner::new(
            key,
            session_id,
            transport,
            RequestInfo::from_request(req),
            &service.config,
        )
    });
    match made {
        Ok((inner, Some(stream))) => {
            spawn_session(service.clone(), inner.clone(), stream, true);
            Ok(inner)
        }
        Ok((inner, None)) => Ok(inner),
        Err(_) => Err(too_many_sessions()),
    }
}

#[allow(clippy::result_large_err)] // the error is the answer, built once
fn accept(service: &ServiceInner, req: &HttpRequest) -> Result<(), HttpResponse> {
    match &service.accept {
        Some(accept) => accept(req).map_err(|e| {
            log::debug!("accept hook refused {}: {e}", req.path());
            let mut response = e.error_response();
            if let Some(o) = origin(req) {
                let h = response.headers_mut();
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
            response
        }),
        None => Ok(()),
    }
}

fn too_many_sessions() -> HttpResponse {
    log::debug!("session limit reached");
    HttpResponse::ServiceUnavailable()
        .content_type(TEXT_PLAIN)
        .body("Too many sessions.")
}

/// Runs the handler of a new session; HTTP sessions also get the watchdog
/// that expires them `disconnect_delay` after their last receiver left.
fn spawn_session(
    service: Arc<ServiceInner>,
    inner: Arc<Inner>,
    stream: MessageStream,
    watchdog: bool,
) {
    let session = Session {
        inner: inner.clone(),
    };
    let handler = (service.handler)(session, stream);
    actix_rt::spawn(async move {
        let run = async {
            // A panicking handler must not take the session's clean-up with
            // it: the client gets 1011 and the session expires as usual.
            use futures_util::FutureExt;
            let (code, reason) = match std::panic::AssertUnwindSafe(handler).catch_unwind().await {
                Ok(()) => (3000, "Go away!"),
                Err(_) => {
                    log::error!("session {}: handler panicked", inner.id());
                    (1011, "Internal server error")
                }
            };
            inner.close(CloseReason::Server {
                code,
                reason: reason.to_owned(),
            });
        };
        if watchdog {
            futures_util::future::join(run, expire(&service, &inner)).await;
        } else {
            run.await;
        }
    });
}

/// Waits until the session has had no receiver for the disconnect delay,
/// then closes it (if still open) and removes it from the registry: the
/// one removal path of HTTP sessions.
async fn expire(service: &ServiceInner, inner: &Arc<Inner>) {
    let delay = service.config.disconnect_delay;
    loop {
        let changed = inner.changed();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let deadline = inner.lock().deadline(delay);
        match deadline {
            None => changed.await,
            Some(at) => {
                let sleep = tokio::time::sleep_until(at.into());
                tokio::pin!(sleep);
                if let futures_util::future::Either::Left(_) =
                    futures_util::future::select(sleep, changed).await
                {
                    if inner.expire_if_due(Instant::now(), delay) {
                        service.registry.remove(inner);
                        return;
                    }
                }
            }
        }
    }
}

async fn send_route(
    service: &ServiceInner,
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    session_id: &str,
    jsonp: bool,
) -> HttpResponse {
    let Some(inner) = service.registry.get(session_id) else {
        log::debug!("send to unknown session {session_id:?}");
        return not_found();
    };
    let body = match read_body(req, payload, service.config.max_message_size).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let parsed = if jsonp && is_form(req) {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map_err(|_| PayloadError::Broken)
            .and_then(|form| match form.into_iter().find(|(k, _)| k == "d") {
                Some((_, d)) if !d.is_empty() => inbound::parse_array(d.as_bytes()),
                _ => Err(PayloadError::Empty),
            })
    } else {
        inbound::parse_array(&body)
    };
    let messages = match parsed {
        Ok(m) => m,
        Err(PayloadError::Empty) => return error_500(req, "Payload expected."),
        Err(PayloadError::Broken) => return error_500(req, "Broken JSON encoding."),
    };
    inner.deliver(messages).await;
    let mut b = session_headers(
        req,
        if jsonp {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        },
    );
    b.content_type(HeaderValue::from_static(TEXT_PLAIN));
    jsessionid(&mut b, service, req);
    if jsonp {
        b.body("ok")
    } else {
        b.finish()
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Reads a request body of at most `limit` bytes; a larger one gets 413.
async fn read_body(
    req: &HttpRequest,
    mut payload: actix_web::dev::Payload,
    limit: usize,
) -> Result<bytes::Bytes, HttpResponse> {
    let too_large = || {
        log::debug!("{}: body over {limit} bytes", req.path());
        session_headers(req, StatusCode::PAYLOAD_TOO_LARGE)
            .content_type(TEXT_PLAIN)
            .body(format!("Payload too large: the limit is {limit} bytes."))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            log::debug!("{}: body read failed: {e}", req.path());
            HttpResponse::BadRequest()
                .content_type(TEXT_PLAIN)
                .body("Incomplete request body.")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn bad_request(text: &'static str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type(TEXT_PLAIN)
        .body(text)
}

async fn websocket_route(
    service: &Arc<ServiceInner>,
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    session_id: Option<&str>,
) -> HttpResponse {
    if !service.config.websocket {
        return not_found();
    }
    if req.method() != Method::GET {
        return method_not_allowed("GET");
    }
    let upgrade_ok = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
    if !upgrade_ok {
        return bad_request("Can \"Upgrade\" only to \"WebSocket\".");
    }
    let connection_ok = req
        .headers()
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if !connection_ok {
        return bad_request("\"Connection\" must be \"Upgrade\".");
    }
    let raw = session_id.is_none();
    let transport = if raw {
        Transport::RawWebsocket
    } else {
        Transport::Websocket
    };
    let mut payload = payload;
    let payload = match web::Payload::from_request(req, &mut payload).await {
        Ok(p) => p,
        Err(e) => return e.error_response(),
    };

    let key1 = req.headers().get("sec-websocket-key1");
    let key2 = req.headers().get("sec-websocket-key2");
    let hixie = match (key1, key2) {
        (Some(k1), Some(k2)) if !req.headers().contains_key(header::SEC_WEBSOCKET_VERSION) => {
            let key = |v: &HeaderValue| v.to_str().ok().and_then(hixie76::key_value);
            match (key(k1), key(k2)) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => return bad_request("Malformed Sec-WebSocket-Key1/Key2."),
            }
        }
        _ => None,
    };

    if let Err(response) = accept(service, req) {
        return response;
    }
    let Ok(key) = service.registry.insert_anonymous() else {
        return too_many_sessions();
    };
    let id = session_id.unwrap_or_default();
    let (inner, stream) = Inner::new(
        key,
        id,
        transport,
        RequestInfo::from_request(req),
        &service.config,
    );
    let max = service.config.max_message_size;
    service.registry.register_anonymous(&inner);

    let response = if let Some(keys) = hixie {
        let (body, sink, input) = hixie76::connect(keys, payload, max);
        let host = req.connection_info().host().to_owned();
        let location = match req.uri().path_and_query() {
            Some(pq) => format!("ws://{host}{pq}"),
            None => format!("ws://{host}{}", req.path()),
        };
        let mut b = HttpResponse::SwitchingProtocols();
        b.upgrade("WebSocket")
            .insert_header(("Sec-WebSocket-Location", location));
        if let Some(o) = req.headers().get(header::ORIGIN) {
            b.insert_header(("Sec-WebSocket-Origin", o.clone()));
        }
        actix_rt::spawn(websocket::pump(
            service.clone(),
            inner.clone(),
            sink,
            input,
            raw,
        ));
        b.streaming(body)
    } else {
        match actix_ws::handle(req, payload) {
            Ok((response, sink, messages)) => {
                let input = websocket::actix_input(
                    messages
                        .max_frame_size(max)
                        .aggregate_continuations()
                        .max_continuation_size(max),
                );
                actix_rt::spawn(websocket::pump(
                    service.clone(),
                    inner.clone(),
                    sink,
                    input,
                    raw,
                ));
                response
            }
            Err(e) => {
                service.registry.remove(&inner);
                log::debug!("websocket handshake failed: {e}");
                let mut response = e.error_response();
                if response.status() == StatusCode::METHOD_NOT_ALLOWED {
                    return method_not_allowed("GET");
                }
                *response.status_mut() = StatusCode::BAD_REQUEST;
                return response;
            }
        }
    };
    spawn_session(service.clone(), inner, stream, false);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_paths() {
        assert_eq!(parse_session_path("/000/abc/xhr"), Some(("abc", "xhr")));
        assert_eq!(parse_session_path("/a/a%20b/xhr"), Some(("a%20b", "xhr")));
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

    #[test]
    fn origins_normalize() {
        assert_eq!(
            normalize_origin("HTTP://Example.com:80/"),
            "http://example.com"
        );
        assert_eq!(normalize_origin("https://a.b:443"), "https://a.b");
        assert_eq!(normalize_origin("http://a.b:8080"), "http://a.b:8080");
    }
}
