//! The sessions of one service and each session's life: opening (after the
//! accept hook), running the handler, the supervisor that keeps the
//! session's time (heartbeats, expiry), and removal, which happens in one
//! place: when the supervisor finds the session over.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
#[cfg(feature = "redis")]
use std::{collections::HashMap, sync::Mutex};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use tokio::time::Instant;

use super::registry::Registry;
use super::state::{Budget, ResumeTiming, State, Timeout, Timing};
use super::{AttachMode, Inner, MessageStream, RequestInfo, Session};
use crate::accept::{Accepted, Refusal};
use crate::config::Config;
use crate::error::CloseReason;
use crate::http::RequestError;
use crate::metrics::Metrics;
use crate::protocol::transport::Transport;

/// The application's per-session handler, type-erased.
pub(crate) type Handler =
    dyn Fn(Session, MessageStream) -> LocalBoxFuture<'static, ()> + Send + Sync;
/// The application's accept hook.
pub(crate) type Accept =
    dyn Fn(HttpRequest) -> LocalBoxFuture<'static, Result<Accepted, Refusal>> + Send + Sync;

/// What a receiving request asks of the resume extension (`docs/resume.md`),
/// from its query: `resume=1` opens a resumable session, `resume=<token>`
/// comes back to one; `ack` is what the client has received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResumeAsk {
    pub kind: ResumeKind,
    pub ack: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum ResumeKind {
    #[default]
    Plain,
    New,
    Token(String),
}

impl ResumeAsk {
    /// Reads `resume` and `ack` from a query string.
    pub fn from_query(query: &str) -> ResumeAsk {
        if !query.contains("resume=") && !query.contains("ack=") {
            return ResumeAsk::default();
        }
        let kind = match super::query_value(query, "resume") {
            None => ResumeKind::Plain,
            Some(v) if v == "1" => ResumeKind::New,
            Some(token) => ResumeKind::Token(token.into_owned()),
        };
        let ack = super::query_value(query, "ack").and_then(|a| a.parse().ok());
        ResumeAsk { kind, ack }
    }
}

/// What opening a session gave.
pub(crate) enum Open {
    /// The session, and how the request comes to it.
    Session(Arc<Inner>, AttachMode),
    /// A resume that cannot be honoured: answer `c[2011,reason]`.
    ResumeFailed(&'static str),
}

/// What opening a WebSocket's session gave.
pub(crate) enum Socket {
    /// The session, with the socket as its receiver.
    Attached(Arc<Inner>, super::Attachment),
    /// A resume that cannot be honoured: answer `c[2011,reason]`.
    Refused(&'static str),
}

/// A service's sessions, with what they are made from.
pub(crate) struct Sessions {
    pub config: Config,
    registry: Registry,
    handler: Arc<Handler>,
    accept: Option<Arc<Accept>>,
    /// What all the sessions' queues hold together.
    budget: Arc<Budget>,
    pub metrics: Arc<Metrics>,
    /// [`Sessions::shut_down`] was called: no new sessions.
    shutting_down: AtomicBool,
    /// The service's name (metrics, cluster).
    name: String,
    /// The service's place in a cluster, when it has one.
    #[cfg(feature = "redis")]
    pub cluster: Option<crate::cluster::relay::Link>,
    /// Take-overs under way on this node, by token: a request that comes
    /// for the same session meanwhile waits for it.
    #[cfg(feature = "redis")]
    taking: Mutex<HashMap<Arc<str>, Arc<tokio::sync::Notify>>>,
}

impl Sessions {
    pub fn new(config: Config, handler: Arc<Handler>, accept: Option<Arc<Accept>>) -> Self {
        Sessions {
            registry: Registry::new(config.max_sessions),
            budget: Budget::new(config.buffer_budget),
            config,
            handler,
            accept,
            metrics: Arc::new(Metrics::new("default")),
            shutting_down: AtomicBool::new(false),
            name: "default".to_owned(),
            #[cfg(feature = "redis")]
            cluster: None,
            #[cfg(feature = "redis")]
            taking: Default::default(),
        }
    }

    /// Names the service in metrics (the builder, before any session).
    pub fn set_name(&mut self, name: &str) {
        self.metrics = Arc::new(Metrics::new(name));
        self.name = name.to_owned();
    }

    /// Makes the mounted service known: to the metrics read at scrapes,
    /// and to its cluster (relayed requests, broadcasts). Idempotent.
    pub fn announce(self: &Arc<Self>) {
        crate::metrics::track(&self.name, self);
        #[cfg(feature = "redis")]
        if let Some(link) = &self.cluster {
            link.node.add_service(&link.svc, self);
        }
    }

    /// Joins a cluster (the builder, before any session).
    #[cfg(feature = "redis")]
    pub fn set_cluster(&mut self, link: crate::cluster::relay::Link) {
        self.cluster = Some(link);
    }

    /// The request carries the resume token of a session that is here.
    #[cfg(feature = "redis")]
    pub fn has_token(&self, ask: &ResumeAsk) -> bool {
        matches!(&ask.kind, ResumeKind::Token(t) if self.registry.by_token(t).is_some())
    }

    /// Replaces the configuration (the builder, before any session).
    pub fn reconfigure(&mut self, config: Config) {
        self.registry = Registry::new(config.max_sessions);
        self.budget = Budget::new(config.buffer_budget);
        self.config = config;
    }

    /// Bytes all sessions hold in their queues, outbound and inbound.
    pub fn buffered(&self) -> usize {
        self.budget.used()
    }

    /// Sets the accept hook (the builder, before any session).
    pub fn set_accept(&mut self, accept: Arc<Accept>) {
        self.accept = Some(accept);
    }

    /// Live sessions.
    pub fn len(&self) -> usize {
        self.registry.len()
    }

    /// The live HTTP session `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Inner>> {
        self.registry.get(id)
    }

    /// Every live session, cloned out of the registry.
    pub fn all(&self) -> Vec<Arc<Inner>> {
        self.registry.all()
    }

    /// The live sessions the accept hook gave to `user`.
    pub fn of_user(&self, user: &str) -> Vec<Arc<Inner>> {
        self.registry.of_user(user)
    }

    /// The deepest outbound queue: (messages, bytes).
    pub fn deepest_queue(&self) -> (usize, usize) {
        self.registry
            .all()
            .iter()
            .map(|s| s.lock().queued())
            .fold((0, 0), |(m, b), (m2, b2)| (m.max(m2), b.max(b2)))
    }

    /// From now on, new sessions are refused (503).
    pub fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    /// [`Sessions::shut_down`] was called.
    #[cfg(feature = "redis")]
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Shutting down in a cluster: the resumable sessions here that `which`
    /// picks are handed over through Redis (see `Mirror::hand_over`; once
    /// each), waited for up to `within`, so that another node takes each
    /// over at its client's next request instead of once this node's
    /// liveness lapses. A session handed over no longer answers here to
    /// its ids or its token (a request for it is told to come back, and
    /// finds it on the node that took it over), so that two nodes never
    /// serve it; it stays only until it is over. How many were, this time.
    #[cfg(feature = "redis")]
    pub async fn hand_over(&self, which: impl Fn(&Inner) -> bool, within: Duration) -> usize {
        let Some(link) = &self.cluster else {
            return 0;
        };
        let all = self.registry.all();
        let handing = all
            .iter()
            .filter(|s| which(s))
            .filter_map(|s| s.mirror.get().map(|m| (s, m)))
            .map(|(s, m)| async move {
                if !m.hand_over().await {
                    return false;
                }
                self.registry.unname(s);
                release_ids(link, s);
                true
            });
        let handed = tokio::time::timeout(within, futures_util::future::join_all(handing)).await;
        handed.map_or(0, |done| done.into_iter().filter(|ok| *ok).count())
    }

    /// Runs the accept hook for a request that would open a new session
    /// (`id`'s, or a socket's: `None`): `Ok(None)` when it comes to an
    /// existing one, `Ok(Some)` with what the hook said, or its refusal.
    pub async fn admit(
        &self,
        req: &HttpRequest,
        id: Option<&str>,
        ask: &ResumeAsk,
    ) -> Result<Option<Accepted>, RequestError> {
        if matches!(ask.kind, ResumeKind::Token(_))
            || id.is_some_and(|id| self.registry.get(id).is_some())
        {
            return Ok(None);
        }
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(RequestError::ShuttingDown);
        }
        // What the session would keep of the request, bounded.
        let limit = self.config.max_request_bytes;
        let headers = super::request::kept_header_bytes(req, self.config.keep_headers.as_deref());
        if headers > limit {
            return Err(RequestError::HeadersTooLarge(limit));
        }
        if headers + req.path().len() + req.query_string().len() > limit {
            return Err(RequestError::UrlTooLong(limit));
        }
        match &self.accept {
            None => Ok(Some(Accepted::default())),
            Some(accept) => accept(req.clone())
                .await
                .map(Some)
                .map_err(RequestError::Refused),
        }
    }

    /// The HTTP session `id`, the resumable session a token names, or a new
    /// one: the accept hook sees the request first, then the handler starts.
    /// The session `id`, or the resumable session a token names (which
    /// answers to `id` from then on), or why that resume fails; `None` when
    /// the request would make a new session.
    pub fn find(&self, id: &str, _transport: Transport, ask: &ResumeAsk) -> Option<Open> {
        if let Some(inner) = self.registry.get(id) {
            // `resume=1` without `ack`: the client never got the open frame.
            let mode = match (&ask.kind, ask.ack) {
                (ResumeKind::New, None) => AttachMode::Reopen,
                _ => AttachMode::Continue,
            };
            return Some(Open::Session(inner, mode));
        }
        let ResumeKind::Token(token) = &ask.kind else {
            return None;
        };
        let open = match self.registry.by_token(token) {
            // It answers to this URL from now on.
            Some(inner) => match self.registry.alias(id, &inner) {
                Some(aliased) => {
                    self.metrics.resumed();
                    #[cfg(feature = "redis")]
                    if let Some(link) = &self.cluster {
                        link.claim(id);
                        if let Some(old) = &aliased.forgotten {
                            link.release(old);
                        }
                    }
                    #[cfg(not(feature = "redis"))]
                    let _ = aliased;
                    return Some(Open::Session(inner, AttachMode::Resumed));
                }
                None => Open::ResumeFailed("Resume failed: session id taken"),
            },
            None => Open::ResumeFailed(self.unknown_token(token)),
        };
        if let Open::ResumeFailed(why) = &open {
            self.metrics.resume_failed(why);
        }
        Some(open)
    }

    /// Why a token is not known: expired, or from another run of the server.
    fn unknown_token(&self, token: &str) -> &'static str {
        #[cfg(feature = "redis")]
        if self.cluster.is_some() {
            // Other nodes issue tokens too.
            return "Resume failed: session expired";
        }
        unknown_token(token)
    }

    /// `admitted` is what [`Sessions::admit`] said.
    pub fn open(
        self: &Arc<Self>,
        req: &HttpRequest,
        id: &str,
        transport: Transport,
        ask: &ResumeAsk,
        admitted: Option<Accepted>,
    ) -> Result<Open, RequestError> {
        if let Some(open) = self.find(id, transport, ask) {
            return Ok(open);
        }
        // The session was there when the hook was skipped, and is gone.
        let Some(identity) = admitted else {
            return Err(RequestError::NotFound);
        };
        let resumable = self.resumable(ask);
        let metrics = self.metrics.transport(transport);
        let made = self.registry.get_or_insert(id, |key| {
            Inner::new(
                key,
                id,
                transport,
                RequestInfo::from_request(req, self.config.keep_headers.as_deref()),
                &self.config,
                self.state(
                    self.linger(resumable, self.config.disconnect_delay),
                    resumable,
                ),
                identity,
                metrics,
            )
        });
        match made {
            Ok((inner, Some(stream))) => {
                // The lock is let go before `durable` takes it again.
                let token = inner.lock().token().cloned();
                if let Some(token) = token {
                    #[cfg(feature = "redis")]
                    self.durable(&inner, &token, id);
                    self.registry.register_token(token, &inner);
                }
                self.registry.register_user(&inner);
                self.metrics.fallbacks(req.query_string());
                self.start(inner.clone(), stream, None);
                Ok(Open::Session(inner, AttachMode::Continue))
            }
            Ok((inner, None)) => Ok(Open::Session(inner, AttachMode::Continue)),
            Err(_) => Err(RequestError::TooManySessions),
        }
    }

    /// A WebSocket's session: a new one (the protocol lets two sockets carry
    /// one id, so it is not registered under it), after the accept hook, or
    /// the resumable session a token names; the socket becomes its receiver.
    /// A plain one lives as long as its socket. `reader` (the socket's
    /// reading side, given the receiver's id) runs in the session's task
    /// beside the handler, or in a task of its own for a socket that came
    /// back to a session.
    #[allow(clippy::too_many_arguments)]
    pub fn open_socket(
        self: &Arc<Self>,
        req: &HttpRequest,
        id: &str,
        transport: Transport,
        ask: &ResumeAsk,
        admitted: Option<Accepted>,
        reader: impl FnOnce(Arc<Inner>, u64) -> LocalBoxFuture<'static, ()>,
    ) -> Result<Socket, RequestError> {
        if let ResumeKind::Token(token) = &ask.kind {
            let Some(inner) = self.registry.by_token(token) else {
                let why = self.unknown_token(token);
                self.metrics.resume_failed(why);
                return Ok(Socket::Refused(why));
            };
            return Ok(match inner.attach(ask.ack, AttachMode::Resumed) {
                Ok(attachment) => {
                    self.metrics.resumed();
                    actix_rt::spawn(reader(inner.clone(), attachment.id()));
                    Socket::Attached(inner, attachment)
                }
                Err(_) => {
                    let why = "Resume failed: messages missing";
                    self.metrics.resume_failed(why);
                    Socket::Refused(why)
                }
            });
        }
        let Some(identity) = admitted else {
            return Err(RequestError::NotFound);
        };
        let key = self
            .registry
            .insert_anonymous()
            .map_err(|_| RequestError::TooManySessions)?;
        let resumable = self.resumable(ask);
        let (inner, stream) = Inner::new(
            key,
            id,
            transport,
            RequestInfo::from_request(req, self.config.keep_headers.as_deref()),
            &self.config,
            self.state(self.linger(resumable, Duration::ZERO), resumable),
            identity,
            self.metrics.transport(transport),
        );
        self.registry.register_anonymous(&inner);
        // The lock is let go before `durable` takes it again.
        let token = inner.lock().token().cloned();
        if let Some(token) = token {
            #[cfg(feature = "redis")]
            self.durable(&inner, &token, id);
            self.registry.register_token(token, &inner);
        }
        self.registry.register_user(&inner);
        self.metrics.fallbacks(req.query_string());
        // A new session has no receiver: this attaches.
        let attachment = match inner.attach(None, AttachMode::Continue) {
            Ok(a) => a,
            Err(_) => {
                self.registry.remove(&inner);
                return Err(RequestError::BadRequest("Session busy."));
            }
        };
        let reader = reader(inner.clone(), attachment.id());
        self.start(inner.clone(), stream, Some(reader));
        Ok(Socket::Attached(inner, attachment))
    }

    /// In a cluster, a new resumable session is kept in Redis too (it then
    /// outlives its node).
    #[cfg(feature = "redis")]
    fn durable(&self, inner: &Arc<Inner>, token: &Arc<str>, sid: &str) {
        let Some(link) = &self.cluster else { return };
        link.claim_token(token);
        inner.lock().make_durable();
        let m = crate::cluster::mirror::Mirror::new(
            link.clone(),
            token.clone(),
            inner,
            self.config.resume_window,
        );
        // The token frame waits for this (the token's claim, fired first,
        // is in Redis by then too).
        let recorded = Arc::downgrade(inner);
        m.created(sid, inner.user().map(|u| &**u), 1, 0, move |ok| {
            if let Some(inner) = recorded.upgrade() {
                if !ok {
                    tracing::debug!("session {}: not recorded in Redis", inner.id());
                }
                inner.recorded();
            }
        });
        let _ = inner.mirror.set(Box::new(m));
    }

    /// Takes over the resumable session `token` of the lost node `owner`:
    /// made here again from what Redis kept (its messages not yet
    /// acknowledged, how many of the client's its handler took), with a new
    /// run of the handler (the accept hook sees the resuming request). True
    /// when it is here now; false when there was nothing to take over.
    ///
    /// Runs to its end as a task of its own: a client that goes away in the
    /// middle (after the claim in Redis) does not leave the session claimed
    /// and nowhere.
    #[cfg(feature = "redis")]
    pub async fn take_over(
        self: &Arc<Self>,
        req: &HttpRequest,
        token: &str,
        owner: &str,
        transport: Transport,
    ) -> Result<bool, RequestError> {
        if self.taken_over_here(token).await {
            return Ok(true);
        }
        let token: Arc<str> = token.into();
        let done = Arc::new(tokio::sync::Notify::new());
        let busy = {
            let mut taking = super::registry::lock(&self.taking);
            let busy = taking.contains_key(&token);
            if !busy {
                taking.insert(token.clone(), done.clone());
            }
            busy
        };
        if busy {
            return Ok(self.taken_over_here(&token).await);
        }
        let (this, req, owner) = (self.clone(), req.clone(), owner.to_owned());
        let task = actix_web::rt::spawn(async move {
            let taken = this.take_over_here(&req, &token, &owner, transport).await;
            super::registry::lock(&this.taking).remove(&token);
            done.notify_waiters();
            taken
        });
        task.await.unwrap_or(Err(RequestError::ClusterUnavailable))
    }

    /// Where the resumable session `token` (not on this node's registry)
    /// is served: `Some(node)` when another live node has it; `None` when
    /// it is to be answered here, which it now is if its node was lost
    /// (taken over here, or the take-over under way here waited for), or
    /// it is unknown; [`RequestError::SessionMoving`] when its node is
    /// lost and it is not yet seen on another, or Redis cannot be asked.
    #[cfg(feature = "redis")]
    pub async fn find_resumable(
        self: &Arc<Self>,
        req: &HttpRequest,
        token: &str,
        transport: Transport,
    ) -> Result<Option<Arc<str>>, RequestError> {
        use crate::cluster::relay::Owner;
        let Some(link) = self.cluster.clone() else {
            return Ok(None);
        };
        let mut located = link.locate_token(token).await;
        // Its node is lost: taken over here, unless another node took it
        // over first (it is there now).
        if let Ok(Owner::Lost(owner)) = &located {
            if owner.is_empty() || self.take_over(req, token, owner, transport).await? {
                return Ok(None);
            }
            located = link.locate_token(token).await;
        }
        match located {
            Ok(Owner::Node(owner)) => Ok(Some(owner)),
            // Here, unless this node is stopping and the session is gone
            // from it: handed over, and the note saying so is still on its
            // way to Redis. The client is to find it elsewhere, never be
            // told it expired.
            Ok(Owner::Here) => {
                if self.taken_over_here(token).await || !self.shutting_down.load(Ordering::Relaxed)
                {
                    return Ok(None);
                }
                Err(RequestError::SessionMoving)
            }
            // Not in Redis (expired, or from another run): answered here.
            Ok(Owner::Lost(owner)) if owner.is_empty() => Ok(None),
            // Its node is lost, the take-over was not this node's, and no
            // live node has it yet (the winner's claim, or a node whose
            // liveness key came back, is still to be seen); or Redis cannot
            // say. The session is not gone: the client comes back.
            Ok(Owner::Lost(_)) | Err(_) => Err(RequestError::SessionMoving),
        }
    }

    /// Waits for a take-over of `token` under way on this node, if any.
    /// True when the session is here (now).
    #[cfg(feature = "redis")]
    pub async fn taken_over_here(&self, token: &str) -> bool {
        let pending = super::registry::lock(&self.taking).get(token).cloned();
        if let Some(done) = pending {
            let notified = done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if super::registry::lock(&self.taking).contains_key(token) {
                notified.await;
            }
        }
        self.registry.by_token(token).is_some()
    }

    #[cfg(feature = "redis")]
    async fn take_over_here(
        self: &Arc<Self>,
        req: &HttpRequest,
        token: &str,
        owner: &str,
        transport: Transport,
    ) -> Result<bool, RequestError> {
        let Some(link) = self.cluster.clone() else {
            return Ok(false);
        };
        // A stopping node takes nothing over; the session lives on, so the
        // client is told to come back (504), not refused (503 is final to
        // client-js).
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(RequestError::SessionMoving);
        }
        let kept = match crate::cluster::mirror::take_over(&link, token, owner).await {
            Ok(Some(k)) => k,
            Ok(None) => return Ok(false),
            Err(_) => return Err(RequestError::ClusterUnavailable),
        };
        let mut identity = self
            .admit(req, None, &ResumeAsk::default())
            .await?
            .unwrap_or_default();
        if identity.user.is_none() {
            identity.user = kept.user.as_deref().map(Arc::from);
        }
        let now = Instant::now();
        let mut state = State::new(
            now,
            self.timing(self.config.resume_window),
            self.budget.clone(),
        );
        let token: Arc<str> = token.into();
        state.make_resumable(
            token.clone(),
            ResumeTiming {
                ack_delay: crate::config::ACK_DELAY,
                silence: self.config.client_timeout,
            },
            now,
        );
        let messages = kept.messages.into_iter().map(crate::Message::new).collect();
        state.restore(kept.base, messages, kept.taken);
        let metrics = self.metrics.transport(transport);
        let sid = kept.sid.clone();
        let made = self.registry.get_or_insert(&sid, |key| {
            Inner::new(
                key,
                &sid,
                transport,
                RequestInfo::from_request(req, self.config.keep_headers.as_deref()),
                &self.config,
                state,
                identity,
                metrics,
            )
        });
        let (inner, stream) = match made {
            Ok((inner, Some(stream))) => (inner, stream),
            Ok((_, None)) => return Ok(true),
            Err(_) => return Err(RequestError::TooManySessions),
        };
        let m = crate::cluster::mirror::Mirror::new(
            link.clone(),
            token.clone(),
            &inner,
            self.config.resume_window,
        );
        m.created(
            &sid,
            inner.user().map(|u| &**u),
            kept.base,
            kept.taken,
            |_| {},
        );
        let _ = inner.mirror.set(Box::new(m));
        link.claim(&sid);
        self.registry.register_token(token, &inner);
        self.registry.register_user(&inner);
        tracing::info!("session {sid}: taken over from lost node {owner}");
        self.start(inner, stream, None);
        Ok(true)
    }

    fn resumable(&self, ask: &ResumeAsk) -> bool {
        self.config.resume && ask.kind == ResumeKind::New
    }

    /// How long a session lives with no receiver: the resume window for a
    /// resumable one, else `plain`.
    fn linger(&self, resumable: bool, plain: Duration) -> Duration {
        match resumable {
            true => self.config.resume_window,
            false => plain,
        }
    }

    /// A new session's state.
    fn state(&self, linger: Duration, resumable: bool) -> State {
        let now = Instant::now();
        let mut state = State::new(now, self.timing(linger), self.budget.clone());
        if resumable {
            let timing = ResumeTiming {
                ack_delay: crate::config::ACK_DELAY,
                silence: self.config.client_timeout,
            };
            state.make_resumable(new_token(), timing, now);
        }
        state
    }

    fn timing(&self, linger: Duration) -> Timing {
        Timing {
            heartbeat: self.config.heartbeat,
            linger,
        }
    }

    /// Runs a new session's handler, its supervisor, and a WebSocket's
    /// reader, together in one task.
    fn start(
        self: &Arc<Self>,
        inner: Arc<Inner>,
        stream: MessageStream,
        reader: Option<LocalBoxFuture<'static, ()>>,
    ) {
        let handler = (self.handler)(
            Session {
                inner: inner.clone(),
            },
            stream,
        );
        inner.metrics.opened();
        // Everything the session's task logs carries its id, key and transport.
        let span = tracing::info_span!(
            "sockjs_session",
            id = %inner.id(),
            key = %Session { inner: inner.clone() }.key(),
            transport = %inner.transport,
        );
        // The task is the three futures joined, each owning what it uses: 272
        // bytes, so tokio's task cell (in steps of 128 bytes on x86-64, 104
        // of them its own) takes 384. An async block around the join (448
        // bytes: it kept room for the parts beside the join) took 640; a
        // `Notified` in the supervisor (64 bytes) and the span of a
        // subscriber that does not want it (40) took 512.
        // The supervisor is polled first: a session that is over is out of
        // the registry before its handler learns it ended.
        let supervise = self.clone().supervise(inner.clone());
        let run = async move {
            // A panicking handler must not take the session's clean-up
            // with it: the client gets 1011 and the session ends as usual.
            let (code, reason) = match std::panic::AssertUnwindSafe(handler).catch_unwind().await {
                Ok(()) => (3000, "Go away!"),
                Err(_) => {
                    tracing::error!("session {}: handler panicked", inner.id());
                    (1011, "Internal server error")
                }
            };
            inner.close(CloseReason::Server {
                code,
                reason: reason.to_owned(),
            });
        };
        let reader = futures_util::future::OptionFuture::from(reader);
        let task = futures_util::future::join3(supervise, run, reader);
        if span.is_disabled() {
            actix_rt::spawn(task);
        } else {
            actix_rt::spawn(tracing::Instrument::instrument(task, span));
        }
    }

    /// Keeps the session's time until it is over, then removes it: the one
    /// removal of every session. It sleeps until the state's next deadline
    /// and is woken only when a deadline moves earlier.
    async fn supervise(self: Arc<Self>, inner: Arc<Inner>) {
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        loop {
            let deadline = inner.lock().arm();
            if let Some(at) = deadline {
                sleep.as_mut().reset(at);
            }
            // Woken by its alarm (rung after `arm` is seen here: the alarm
            // keeps it) or at the deadline.
            std::future::poll_fn(|cx| {
                if inner.supervisor.rung(cx)
                    || (deadline.is_some() && sleep.as_mut().poll(cx).is_ready())
                {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            let due = {
                let mut state = inner.lock();
                let now = Instant::now();
                inner.flush_durable(&mut state, now);
                state.handle_timeout(now)
            };
            match due {
                Timeout::Nothing => {}
                Timeout::WakeReceiver => inner.wake_receiver(),
                Timeout::Expired => break,
            }
        }
        tracing::debug!("session {}: over, removed", inner.id());
        // Close hooks and waiters learn it (a no-op if already closed).
        inner.wake_all();
        self.registry.remove(&inner);
        inner.metrics.closed(inner.lock().reason());
        #[cfg(feature = "redis")]
        if let Some(link) = &self.cluster {
            release_ids(link, &inner);
            match inner.mirror.get() {
                // Closed by a shutdown: left for another node to take over.
                Some(m) if self.shutting_down.load(Ordering::Relaxed) => m.handed_over(),
                Some(m) => m.ended(),
                None => {
                    if let Some(token) = inner.lock().token().cloned() {
                        link.release_token(&token);
                    }
                }
            }
        }
    }
}

/// Redis forgets that this node owns the session ids `inner` answers to
/// (each only if still this node's).
#[cfg(feature = "redis")]
fn release_ids(link: &crate::cluster::relay::Link, inner: &Inner) {
    for id in inner.named_id().into_iter().chain(inner.aliases()) {
        link.release(&id);
    }
}

/// This process's part of every resume token it issues: a token from
/// another run of the server (restarted) is told from an expired one.
fn boot_id() -> &'static str {
    static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| format!("{:012x}", random_u64() & 0xffff_ffff_ffff))
}

fn random_u64() -> u64 {
    // The OS's generator; should it fail, a token from time and address
    // is still unique (if guessable), which only weakens, never breaks.
    getrandom::u64().unwrap_or_else(|_| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        t ^ (&t as *const u64 as u64)
    })
}

/// A new resume token: `<boot id>.<128 random bits>`, in hex.
fn new_token() -> Arc<str> {
    format!("{}.{:016x}{:016x}", boot_id(), random_u64(), random_u64()).into()
}

fn unknown_token(token: &str) -> &'static str {
    match token
        .strip_prefix(boot_id())
        .is_some_and(|r| r.starts_with('.'))
    {
        true => "Resume failed: session expired",
        false => "Resume failed: server restarted",
    }
}
