//! Prometheus metrics, on [`prometheus_client`].
//!
//! Every service counts, whether or not anything is registered: the hot
//! path only adds to atomics resolved when the service was made (no label
//! lookups, no locks). The families are the process's, one set for all
//! services, each sample labelled with its service's name
//! ([`SockJs::name`](crate::SockJs::name), `default` when unnamed).
//! [`register`] puts them in your [`Registry`] once; [`route`] serves it.
//! The names and labels are listed in `docs/production.md` (a
//! Grafana-ready table).
//!
//! ```
//! use std::sync::Arc;

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::error::CloseReason;
use crate::protocol::transport::Transport;

type L2 = Vec<(&'static str, String)>;

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
    ClusterUnavailable,
    TooLarge,
    BodyTimeout,
    SendInProgress,
    BadRequest,
    NotFound,
    Other,
}

impl Refused {
    const ALL: [Refused; 11] = [
        Refused::Origin,
        Refused::Accept,
        Refused::TooManySessions,
        Refused::ShuttingDown,
        Refused::ClusterUnavailable,
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
            Refused::ClusterUnavailable => "cluster_unavailable",
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

/// One service's metrics: handles resolved from the process's families.
pub(crate) struct Metrics {
    per: Vec<Arc<PerTransport>>,
    refused: Vec<Counter>,
    resumes: Counter,
    resume_failures: Vec<Counter>,
    fallbacks: Vec<Counter>,
}

/// The process's families (one set, every service's samples labelled).
struct Families {
    open: Family<L2, Gauge>,
    opened: Family<L2, Counter>,
    closed: Family<L2, Counter>,
    messages_in: Family<L2, Counter>,
    messages_out: Family<L2, Counter>,
    bytes_in: Family<L2, Counter>,
    bytes_out: Family<L2, Counter>,
    refused: Family<L2, Counter>,
    broadcast_dropped: Family<L2, Counter>,
    resumes: Family<L2, Counter>,
    resume_failures: Family<L2, Counter>,
    fallbacks: Family<L2, Counter>,
}

fn families() -> &'static Families {
    static F: std::sync::OnceLock<Families> = std::sync::OnceLock::new();
    F.get_or_init(|| Families {
        open: Family::default(),
        opened: Family::default(),
        closed: Family::default(),
        messages_in: Family::default(),
        messages_out: Family::default(),
        bytes_in: Family::default(),
        bytes_out: Family::default(),
        refused: Family::default(),
        broadcast_dropped: Family::default(),
        resumes: Family::default(),
        resume_failures: Family::default(),
        fallbacks: Family::default(),
    })
}

/// The live services by name, for the metrics read at each scrape.
type Services = std::sync::Mutex<Vec<(String, std::sync::Weak<crate::session::Sessions>)>>;

fn services() -> &'static Services {
    static S: std::sync::OnceLock<Services> = std::sync::OnceLock::new();
    S.get_or_init(Default::default)
}

/// Makes a service's queue depths (and cluster link) visible at scrapes.
pub(crate) fn track(name: &str, sessions: &Arc<crate::session::Sessions>) {
    let mut list = services().lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|(_, w)| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(sessions)));
    list.push((name.to_owned(), Arc::downgrade(sessions)));
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// The handles of service `service`.
    pub fn new(service: &str) -> Metrics {
        let f = families();
        let l = |k: &'static str, v: &str| vec![("service", service.to_owned()), (k, v.to_owned())];
        let broadcast_dropped = f
            .broadcast_dropped
            .get_or_create_owned(&vec![("service", service.to_owned())]);
        let per = Transport::ALL
            .iter()
            .map(|t| {
                let name = transport_label(*t);
                let tl = l("transport", name);
                Arc::new(PerTransport {
                    open: f.open.get_or_create_owned(&tl),
                    opened: f.opened.get_or_create_owned(&tl),
                    closed: CLOSE_REASONS.map(|r| {
                        let mut ls = tl.clone();
                        ls.push(("reason", r.to_owned()));
                        f.closed.get_or_create_owned(&ls)
                    }),
                    messages_in: f.messages_in.get_or_create_owned(&tl),
                    messages_out: f.messages_out.get_or_create_owned(&tl),
                    bytes_in: f.bytes_in.get_or_create_owned(&tl),
                    bytes_out: f.bytes_out.get_or_create_owned(&tl),
                    broadcast_dropped: broadcast_dropped.clone(),
                })
            })
            .collect::<Vec<_>>();
        let refused = Refused::ALL
            .iter()
            .map(|r| f.refused.get_or_create_owned(&l("reason", r.label())))
            .collect();
        let resume_failures = RESUME_FAILURES
            .iter()
            .map(|r| f.resume_failures.get_or_create_owned(&l("reason", r)))
            .collect();
        let fallbacks = CLIENT_TRANSPORTS
            .iter()
            .flat_map(|t| FALLBACK_REASONS.iter().map(move |r| (*t, *r)))
            .map(|(t, r)| {
                let mut ls = l("transport", t);
                ls.push(("reason", r.to_owned()));
                f.fallbacks.get_or_create_owned(&ls)
            })
            .collect();
        Metrics {
            per,
            refused,
            resumes: f
                .resumes
                .get_or_create_owned(&vec![("service", service.to_owned())]),
            resume_failures,
            fallbacks,
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
}

/// Registers every service's metrics (`sockjs_*`, the process's families)
/// in `registry`: once per registry.
///
/// ```
/// let mut registry = prometheus_client::registry::Registry::default();
/// actix_sockjs::metrics::register(&mut registry);
/// ```
pub fn register(registry: &mut Registry) {
    let f = families();
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
        f.broadcast_dropped.clone(),
    );
    r.register(
        "resumes",
        "Sessions resumed after a dropped connection",
        f.resumes.clone(),
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
    r.register_collector(Box::new(QueueCollector));
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

/// Queue depths (and cluster links), read at each scrape, by service.
#[derive(Debug)]
struct QueueCollector;

impl Collector for QueueCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let live: Vec<(String, Arc<crate::session::Sessions>)> = services()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|(n, w)| Some((n.clone(), w.upgrade()?)))
            .collect();
        type Gauges<'a> = [(&'a str, &'a str, Vec<(String, i64)>); 3];
        let mut gauges: Gauges = [
            (
                "queued_bytes",
                "Bytes waiting in all queues: outbound (resumable: until acknowledged) and inbound (not yet read by the handler)",
                Vec::new(),
            ),
            (
                "queue_max_messages",
                "Messages in the deepest outbound queue",
                Vec::new(),
            ),
            (
                "queue_max_bytes",
                "Bytes in the deepest outbound queue",
                Vec::new(),
            ),
        ];
        #[cfg(feature = "redis")]
        let mut cluster: Vec<(String, i64, u64)> = Vec::new();
        for (name, sessions) in &live {
            let (m, b) = sessions.deepest_queue();
            gauges[0].2.push((name.clone(), sessions.buffered() as i64));
            gauges[1].2.push((name.clone(), m as i64));
            gauges[2].2.push((name.clone(), b as i64));
            #[cfg(feature = "redis")]
            if let Some(link) = &sessions.cluster {
                cluster.push((
                    name.clone(),
                    i64::from(link.node.is_up()),
                    link.node
                        .failures
                        .load(std::sync::atomic::Ordering::Relaxed),
                ));
            }
        }
        for (metric, help, values) in &gauges {
            let family: Family<L2, Gauge> = Family::default();
            for (svc, v) in values {
                family
                    .get_or_create(&vec![("service", svc.clone())])
                    .set(*v);
            }
            let m = encoder.encode_descriptor(metric, help, None, family.metric_type())?;
            family.encode(m)?;
        }
        #[cfg(feature = "redis")]
        if !cluster.is_empty() {
            let up: Family<L2, Gauge> = Family::default();
            let failures: Family<L2, Counter> = Family::default();
            for (svc, u, f) in &cluster {
                up.get_or_create(&vec![("service", svc.clone())]).set(*u);
                failures
                    .get_or_create(&vec![("service", svc.clone())])
                    .inc_by(*f);
            }
            let m = encoder.encode_descriptor(
                "cluster_up",
                "1 while both links to Redis are up",
                None,
                up.metric_type(),
            )?;
            up.encode(m)?;
            let m = encoder.encode_descriptor(
                "cluster_failures",
                "Cross-node work refused or lost while Redis was unreachable",
                None,
                failures.metric_type(),
            )?;
            failures.encode(m)?;
        }
        Ok(())
    }
}
