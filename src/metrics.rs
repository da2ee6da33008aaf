//! Prometheus metrics, on [`prometheus_client`].
//!
//! Every service counts, whether or not it is registered: the hot path only
//! adds to atomics resolved when the service was made (no label lookups, no
//! locks), so registering costs nothing per message. Register a service's
//! metrics into your [`Registry`] with [`SockJs::register_metrics`](crate::SockJs::register_metrics)
//! and serve the registry with [`route`]. The names and labels are listed in
//! `docs/production.md` (a Grafana-ready table).
//!
//! ```
//! use std::sync::Arc;
//! use actix_web::App;
//! use actix_sockjs::{metrics, SockJs};
//! use prometheus_client::registry::Registry;
//!
//! let echo = SockJs::new(|_session, _messages| async {});
//! let mut registry = Registry::default();
//! echo.register_metrics(&mut registry);
//! let registry = Arc::new(registry);
//! let app = App::new()
//!     .service(echo.scope("/echo"))
//!     .route("/metrics", metrics::route(registry));
//! # drop(app);
//! ```

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use crate::error::CloseReason;
use crate::protocol::transport::Transport;

type L1 = [(&'static str, &'static str); 1];
type L2 = [(&'static str, &'static str); 2];

/// A `GET` route that serves `registry` in the OpenMetrics text format, for
/// `App::route("/metrics", ...)`.
///
/// ```
/// # use std::sync::Arc;
/// let registry = Arc::new(prometheus_client::registry::Registry::default());
/// let app = actix_web::App::new().route("/metrics", actix_sockjs::metrics::route(registry));
/// # drop(app);
/// ```
pub fn route(registry: Arc<Registry>) -> actix_web::Route {
    web::get().to(move || {
        let registry = registry.clone();
        async move {
            let mut out = String::new();
            match prometheus_client::encoding::text::encode(&mut out, &registry) {
                Ok(()) => HttpResponse::Ok()
                    .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
                    .body(out),
                Err(_) => HttpResponse::InternalServerError().body("metrics encoding failed"),
            }
        }
    })
}

/// Why a request was refused: the `reason` label of `sockjs_refused_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Origin,
    Accept,
    TooManySessions,
    ShuttingDown,
    TooLarge,
    BodyTimeout,
    SendInProgress,
    BadRequest,
    NotFound,
    Other,
}

impl Refused {
    const ALL: [Refused; 10] = [
        Refused::Origin,
        Refused::Accept,
        Refused::TooManySessions,
        Refused::ShuttingDown,
        Refused::TooLarge,
        Refused::BodyTimeout,
        Refused::SendInProgress,
        Refused::BadRequest,
        Refused::NotFound,
        Refused::Other,
    ];

    fn label(self) -> &'static str {
        match self {
            Refused::Origin => "origin",
            Refused::Accept => "accept",
            Refused::TooManySessions => "too_many_sessions",
            Refused::ShuttingDown => "shutting_down",
            Refused::TooLarge => "too_large",
            Refused::BodyTimeout => "body_timeout",
            Refused::SendInProgress => "send_in_progress",
            Refused::BadRequest => "bad_request",
            Refused::NotFound => "not_found",
            Refused::Other => "other",
        }
    }
}

/// The `reason` label of `sockjs_sessions_closed_total`.
const CLOSE_REASONS: [&str; 8] = [
    "application",
    "client",
    "interrupted",
    "timeout",
    "overflow",
    "protocol_error",
    "shutdown",
    "handler_panicked",
];

fn close_index(reason: &CloseReason) -> usize {
    match reason {
        CloseReason::Server { code: 1012, .. } => 6,
        CloseReason::Server { code: 1011, .. } => 7,
        CloseReason::Server { .. } => 0,
        CloseReason::Client { .. } => 1,
        CloseReason::Interrupted => 2,
        CloseReason::Timeout => 3,
        CloseReason::Overflow => 4,
        CloseReason::ProtocolError => 5,
    }
}

/// The `reason` label of `sockjs_resume_failures_total`.
const RESUME_FAILURES: [&str; 4] = [
    "session_expired",
    "server_restarted",
    "messages_missing",
    "session_id_taken",
];

/// The transports a client may report it fell back from, and why.
const CLIENT_TRANSPORTS: [&str; 6] = [
    "websocket",
    "xhr-streaming",
    "eventsource",
    "xhr-polling",
    "jsonp-polling",
    "other",
];
const FALLBACK_REASONS: [&str; 3] = ["timeout", "error", "other"];

/// What one transport's sessions count (resolved handles).
pub(crate) struct PerTransport {
    open: Gauge,
    opened: Counter,
    closed: [Counter; CLOSE_REASONS.len()],
    pub messages_in: Counter,
    pub messages_out: Counter,
    pub bytes_in: Counter,
    pub bytes_out: Counter,
    /// The service's (shared by every transport).
    pub broadcast_dropped: Counter,
}

impl PerTransport {
    /// A session of this transport started.
    pub fn opened(&self) {
        self.opened.inc();
        self.open.inc();
    }

    /// A session of this transport ended (removed) for `reason`.
    pub fn closed(&self, reason: Option<&CloseReason>) {
        self.open.dec();
        let i = reason.map_or(3, close_index);
        self.closed[i].inc();
    }

    /// A message queued for the client.
    #[inline]
    pub fn sent(&self, bytes: usize) {
        self.messages_out.inc();
        self.bytes_out.inc_by(bytes as u64);
    }

    /// A message from the client handed to the handler's queue.
    #[inline]
    pub fn received(&self, bytes: usize) {
        self.messages_in.inc();
        self.bytes_in.inc_by(bytes as u64);
    }
}

/// One service's metrics.
pub(crate) struct Metrics {
    per: Vec<Arc<PerTransport>>,
    refused: Vec<Counter>,
    broadcast_dropped: Counter,
    resumes: Counter,
    resume_failures: Vec<Counter>,
    fallbacks: Vec<Counter>,
    families: Families,
}

/// The families, kept to be registered.
struct Families {
    open: Family<L1, Gauge>,
    opened: Family<L1, Counter>,
    closed: Family<L2, Counter>,
    messages_in: Family<L1, Counter>,
    messages_out: Family<L1, Counter>,
    bytes_in: Family<L1, Counter>,
    bytes_out: Family<L1, Counter>,
    refused: Family<L1, Counter>,
    resume_failures: Family<L1, Counter>,
    fallbacks: Family<L2, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let f = Families {
            open: Family::default(),
            opened: Family::default(),
            closed: Family::default(),
            messages_in: Family::default(),
            messages_out: Family::default(),
            bytes_in: Family::default(),
            bytes_out: Family::default(),
            refused: Family::default(),
            resume_failures: Family::default(),
            fallbacks: Family::default(),
        };
        let broadcast_dropped = Counter::default();
        let per = Transport::ALL
            .iter()
            .map(|t| {
                let name = transport_label(*t);
                let l = [("transport", name)];
                Arc::new(PerTransport {
                    open: f.open.get_or_create_owned(&l),
                    opened: f.opened.get_or_create_owned(&l),
                    closed: CLOSE_REASONS.map(|r| {
                        f.closed
                            .get_or_create_owned(&[("transport", name), ("reason", r)])
                    }),
                    messages_in: f.messages_in.get_or_create_owned(&l),
                    messages_out: f.messages_out.get_or_create_owned(&l),
                    bytes_in: f.bytes_in.get_or_create_owned(&l),
                    bytes_out: f.bytes_out.get_or_create_owned(&l),
                    broadcast_dropped: broadcast_dropped.clone(),
                })
            })
            .collect::<Vec<_>>();
        let refused = Refused::ALL
            .iter()
            .map(|r| f.refused.get_or_create_owned(&[("reason", r.label())]))
            .collect();
        let resume_failures = RESUME_FAILURES
            .iter()
            .map(|r| f.resume_failures.get_or_create_owned(&[("reason", r)]))
            .collect();
        let fallbacks = CLIENT_TRANSPORTS
            .iter()
            .flat_map(|t| FALLBACK_REASONS.iter().map(move |r| (*t, *r)))
            .map(|(t, r)| {
                f.fallbacks
                    .get_or_create_owned(&[("transport", t), ("reason", r)])
            })
            .collect();
        Metrics {
            per,
            refused,
            broadcast_dropped,
            resumes: Counter::default(),
            resume_failures,
            fallbacks,
            families: f,
        }
    }

    /// The handles of `transport`'s sessions.
    pub fn transport(&self, transport: Transport) -> Arc<PerTransport> {
        let i = Transport::ALL
            .iter()
            .position(|t| *t == transport)
            .unwrap_or(0);
        self.per[i].clone()
    }

    pub fn refused(&self, why: Refused) {
        let i = Refused::ALL.iter().position(|r| *r == why).unwrap_or(0);
        self.refused[i].inc();
    }

    pub fn resumed(&self) {
        self.resumes.inc();
    }

    /// A resume refused with `c[2011, reason]`.
    pub fn resume_failed(&self, reason: &str) {
        let i = RESUME_FAILURES
            .iter()
            .position(|r| reason.ends_with(&r.replace('_', " ")))
            .unwrap_or(0);
        self.resume_failures[i].inc();
    }

    /// Counts a new session's `fallback` query parameter: client-js names
    /// the transports that failed to open before this one, as
    /// `name.code,...`. Unknown names and codes count as `other`, and at
    /// most 8 items are read, so a client cannot grow the label set.
    pub fn fallbacks(&self, query: &str) {
        let Some(list) = crate::session::query_param(query, "fallback") else {
            return;
        };
        for item in list.split(',').take(8) {
            let (name, code) = item.split_once('.').unwrap_or((item, ""));
            let t = CLIENT_TRANSPORTS
                .iter()
                .position(|n| *n == name)
                .unwrap_or(CLIENT_TRANSPORTS.len() - 1);
            let r = match code {
                "2007" => 0,
                "1006" | "1002" | "1011" | "1015" => 1,
                _ => 2,
            };
            self.fallbacks[t * FALLBACK_REASONS.len() + r].inc();
        }
    }

    /// Registers the families (and `queue`, read at each scrape) in `registry`.
    pub fn register(&self, registry: &mut Registry, queue: Box<dyn Collector>) {
        let f = &self.families;
        let r = registry.sub_registry_with_prefix("sockjs");
        r.register(
            "sessions_open",
            "Live sessions, by the transport they opened with",
            f.open.clone(),
        );
        r.register(
            "sessions_opened",
            "Sessions opened, by transport",
            f.opened.clone(),
        );
        r.register(
            "sessions_closed",
            "Sessions ended, by transport and reason",
            f.closed.clone(),
        );
        r.register(
            "messages_received",
            "Messages from clients handed to the handler",
            f.messages_in.clone(),
        );
        r.register(
            "messages_sent",
            "Messages queued for clients (broadcasts included)",
            f.messages_out.clone(),
        );
        r.register(
            "received_bytes",
            "Bytes of messages from clients",
            f.bytes_in.clone(),
        );
        r.register(
            "sent_bytes",
            "Bytes of messages queued for clients",
            f.bytes_out.clone(),
        );
        r.register("refused", "Requests refused, by reason", f.refused.clone());
        r.register(
            "broadcast_dropped",
            "Broadcast deliveries dropped at a full queue",
            self.broadcast_dropped.clone(),
        );
        r.register(
            "resumes",
            "Sessions resumed after a dropped connection",
            self.resumes.clone(),
        );
        r.register(
            "resume_failures",
            "Resumes refused, by reason",
            f.resume_failures.clone(),
        );
        r.register(
            "client_fallbacks",
            "Transports client-js failed to open before the one it used, and why",
            f.fallbacks.clone(),
        );
        r.register_collector(queue);
    }
}

/// The transport label: sockjs-client's name.
fn transport_label(t: Transport) -> &'static str {
    match t {
        Transport::Websocket => "websocket",
        Transport::RawWebsocket => "raw-websocket",
        Transport::XhrPolling => "xhr-polling",
        Transport::XhrStreaming => "xhr-streaming",
        Transport::EventSource => "eventsource",
        Transport::HtmlFile => "htmlfile",
        Transport::JsonpPolling => "jsonp-polling",
    }
}

/// Queue depths, read at each scrape: what all queues hold, and the
/// deepest queue.
pub(crate) struct QueueCollector {
    pub sessions: std::sync::Weak<crate::session::Sessions>,
}

impl std::fmt::Debug for QueueCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueueCollector")
    }
}

impl Collector for QueueCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(sessions) = self.sessions.upgrade() else {
            return Ok(());
        };
        let (max_messages, max_bytes) = sessions.deepest_queue();
        let gauges = [
            (
                "queued_bytes",
                "Bytes waiting in all outbound queues (resumable: until acknowledged)",
                sessions.buffered() as i64,
            ),
            (
                "queue_max_messages",
                "Messages in the deepest outbound queue",
                max_messages as i64,
            ),
            (
                "queue_max_bytes",
                "Bytes in the deepest outbound queue",
                max_bytes as i64,
            ),
        ];
        for (name, help, value) in gauges {
            let g = ConstGauge::new(value);
            let m = encoder.encode_descriptor(name, help, None, g.metric_type())?;
            g.encode(m)?;
        }
        Ok(())
    }
}
