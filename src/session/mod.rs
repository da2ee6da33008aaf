//! Sessions: the [`Session`] handle and [`MessageStream`] the application
//! uses, the receiver [`Attachment`] transports use, the registry, and the
//! [`Sessions`] of a service with each session's life (`lifecycle`).

mod attachment;
mod lifecycle;
mod registry;
mod request;
pub(crate) mod state;

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::task::AtomicWaker;
use tokio::sync::Notify;
use tokio::time::Instant;

pub(crate) use attachment::{AttachMode, Attachment, Outgoing};
#[cfg(feature = "redis")]
pub(crate) use lifecycle::ResumeKind;
pub(crate) use lifecycle::{Accept, Handler, Open, ResumeAsk, Sessions, Socket};
pub(crate) use registry::Key;
pub(crate) use request::{query_param, query_value};
pub use request::{Headers, RequestInfo};

use state::{InPush, Limits, Push};
pub(crate) use state::{ResumeError, State};

use crate::accept::Accepted;
use crate::config::{Config, Overflow};
use crate::error::{CloseReason, TrySendError};
use crate::metrics::PerTransport;
use crate::protocol::inbound::Texts;
use crate::protocol::message::Message;
use crate::protocol::transport::Transport;

/// The most URL ids a resumable session answers to beside its first: a
/// client that came back on more has left the oldest behind (client-js
/// takes a new URL at each resume), and a client that resumes on new URLs
/// forever cannot grow the registry.
pub(crate) const MAX_ALIASES: usize = 8;

/// What runs when a session closes.
pub(crate) type CloseHook = Box<dyn FnOnce() + Send>;

/// Shared innards of one session.
pub(crate) struct Inner {
    pub key: Key,
    /// Unique in this process, for every session: [`SessionKey`].
    serial: u64,
    /// What the accept hook said of it (user, data).
    identity: Accepted,
    /// Its transport's counters.
    pub(crate) metrics: Arc<PerTransport>,
    /// Shared with the registry key for HTTP sessions: stored once.
    id: Arc<str>,
    transport: Transport,
    request: RequestInfo,
    limits: Limits,
    overflow: Overflow,
    state: Mutex<State>,
    /// Wakes the attached receiver (there is one at a time): a message was
    /// queued, a heartbeat is due, the session closed, or its transport has
    /// something of its own to write.
    receiver: AtomicWaker,
    /// Wakes senders waiting for room.
    room: Notify,
    /// Wakes the session's supervisor: a deadline moved earlier, or the
    /// session closed.
    supervisor: Alarm,
    /// Wakes [`Session::closed`] waiters.
    closed: Notify,
    /// Bounds of the handler's inbound queue.
    inbound_limits: Limits,
    /// Wakes the handler's [`MessageStream`] (its single reader).
    inbound_ready: AtomicWaker,
    /// Wakes client sends waiting for room in the inbound queue.
    inbound_room: Notify,
    /// Run once when the session closes (group membership clean-up), each
    /// under the key of what it cleans up: one per key.
    on_close: Mutex<Vec<(usize, CloseHook)>>,
    /// An HTTP send (`xhr_send`, `jsonp_send`) is being read or delivered.
    sending: AtomicBool,
    /// Bytes of poll answers handed to their connections and not yet taken
    /// by them (see `transport::http::Unread`): while there are any, no
    /// receiver gets a frame.
    unread: AtomicUsize,
    /// More URL ids of a resumable session that came back on new URLs
    /// (boxed: most sessions have none, and an empty `Vec` is 24 bytes in
    /// every session where the box is 8).
    #[allow(clippy::box_collection)]
    aliases: Mutex<Option<Box<Vec<Arc<str>>>>>,
    /// A resumable session in a cluster: what Redis keeps of it (boxed:
    /// most sessions have none, and it is 112 bytes).
    #[cfg(feature = "redis")]
    pub(crate) mirror: std::sync::OnceLock<Box<crate::cluster::mirror::Mirror>>,
}

/// Wakes one task that waits for it, and is kept when it is rung before the
/// task looks (like [`Notify::notify_one`]'s permit). It takes no room in the
/// waiting future, where a `Notify`'s `Notified` takes 64 bytes: the
/// session's supervisor waits on one for its whole life.
#[derive(Default)]
pub(crate) struct Alarm {
    waker: AtomicWaker,
    rung: AtomicBool,
}

impl Alarm {
    /// Rings: the waiting task runs (now, or at its next look).
    pub(crate) fn ring(&self) {
        self.rung.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Whether it was rung since the last look (which it takes back);
    /// otherwise `cx`'s task is woken at the next ring.
    pub(crate) fn rung(&self, cx: &Context<'_>) -> bool {
        self.waker.register(cx.waker());
        self.rung.swap(false, Ordering::AcqRel)
    }
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    fn new(
        key: Key,
        id: &str,
        transport: Transport,
        request: RequestInfo,
        config: &Config,
        state: State,
        identity: Accepted,
        metrics: Arc<PerTransport>,
    ) -> (Arc<Inner>, MessageStream) {
        let id: Arc<str> = match &key {
            Key::Named(shared) => shared.clone(),
            Key::Anonymous(_) => id.into(),
        };
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let inner = Arc::new(Inner {
            key,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            identity,
            metrics,
            id,
            transport,
            request,
            limits: Limits {
                messages: config.queue_messages.max(1),
                bytes: config.queue_bytes,
            },
            overflow: config.overflow,
            state: Mutex::new(state),
            receiver: AtomicWaker::new(),
            room: Notify::new(),
            supervisor: Alarm::default(),
            closed: Notify::new(),
            inbound_limits: Limits {
                messages: config.inbound_messages.max(1),
                bytes: config.inbound_bytes,
            },
            inbound_ready: AtomicWaker::new(),
            inbound_room: Notify::new(),
            on_close: Mutex::new(Vec::new()),
            sending: AtomicBool::new(false),
            unread: AtomicUsize::new(0),
            aliases: Mutex::new(None),
            #[cfg(feature = "redis")]
            mirror: std::sync::OnceLock::new(),
        });
        let stream = MessageStream {
            inner: inner.clone(),
        };
        (inner, stream)
    }

    /// Locks the state. A panic elsewhere while it was held cannot leave it
    /// half-updated in a way that matters more than losing the session, so
    /// a poisoned lock is used as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the session and wakes everyone. Returns false if it was closed.
    pub(crate) fn close(&self, reason: CloseReason) -> bool {
        let first = self.lock().close(reason);
        if first {
            self.wake_all();
        }
        first
    }

    /// After a close: everyone waiting learns it, and the close hooks run.
    fn wake_all(&self) {
        self.receiver.wake();
        self.supervisor.ring();
        self.room.notify_waiters();
        self.closed.notify_waiters();
        self.inbound_ready.wake();
        self.inbound_room.notify_waiters();
        let hooks = std::mem::take(&mut *self.on_close.lock().unwrap_or_else(|e| e.into_inner()));
        for (_, hook) in hooks {
            hook();
        }
    }

    /// Keeps `hook` to run when the session closes, in place of any hook it
    /// has under `key`: a session that joins and leaves a group over and
    /// over keeps one hook for it, not one per join. A session already
    /// closed gives the hook back, for the caller to run (once its own
    /// locks are released).
    #[must_use]
    pub(crate) fn on_close(&self, key: usize, hook: CloseHook) -> Option<CloseHook> {
        let mut hooks = self.on_close.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the hooks lock: `wake_all` takes the hooks after
        // the state says closed, so a hook is never lost.
        if self.lock().reason().is_some() {
            return Some(hook);
        }
        match hooks.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = hook,
            None => hooks.push((key, hook)),
        }
        None
    }

    /// Drops the close hook under `key`, if any (the session left that
    /// group).
    pub(crate) fn forget_on_close(&self, key: usize) {
        self.on_close
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(k, _)| *k != key);
    }

    /// Queues a message for a broadcast: never waits.
    pub(crate) fn offer(&self, msg: Message) -> Result<(), TrySendError<Message>> {
        let sent = Session::offer(self, msg);
        if matches!(sent, Err(TrySendError::Full(_))) {
            self.metrics.broadcast_dropped.inc();
        }
        sent
    }

    /// A poll answer of `n` bytes was handed to its connection.
    pub(crate) fn add_unread(&self, n: usize) {
        self.unread.fetch_add(n, Ordering::AcqRel);
    }

    /// Its connection took `n` bytes of it (or went away): once all are
    /// taken the receiver waiting for them is woken.
    pub(crate) fn taken_unread(&self, n: usize) {
        if self.unread.fetch_sub(n, Ordering::AcqRel) == n {
            self.wake_receiver();
        }
    }

    /// A poll answer is still being taken by its connection.
    pub(crate) fn has_unread(&self) -> bool {
        self.unread.load(Ordering::Acquire) > 0
    }

    /// Wakes the attached receiver.
    pub(crate) fn wake_receiver(&self) {
        self.receiver.wake();
    }

    /// Registers the receiver's task to be woken by [`Inner::wake_receiver`].
    pub(crate) fn register_receiver(&self, cx: &Context<'_>) {
        self.receiver.register(cx.waker());
    }

    /// Tries to become the session's receiver: `Err(None)` when another is
    /// attached (answer 2010), `Err(Some)` for a resume that cannot be
    /// honoured. `ack` is what the client of a resumable session has
    /// received; `mode`, how the request comes.
    pub(crate) fn attach(
        self: &Arc<Self>,
        ack: Option<u64>,
        mode: AttachMode,
    ) -> Result<Attachment, Option<ResumeError>> {
        Attachment::new(self, ack, mode)
    }

    /// True for a session of the resume extension.
    pub(crate) fn resumable(&self) -> bool {
        self.lock().token().is_some()
    }

    /// Resumable: the client has received messages 1..=`ack`.
    pub(crate) fn acknowledge(&self, ack: u64) {
        let freed = {
            let mut state = self.lock();
            let freed = state.acknowledge(ack, Instant::now());
            self.trim(&mut state);
            freed
        };
        if freed {
            self.room.notify_waiters();
        }
    }

    /// Durable: tells Redis of acknowledged messages (under the state lock,
    /// so Redis sees the session's order).
    pub(crate) fn trim(&self, state: &mut State) {
        #[cfg(feature = "redis")]
        if let Some(m) = self.mirror.get() {
            if let Some((old, new)) = state.take_trim() {
                m.trim(old, new);
            }
        }
        #[cfg(not(feature = "redis"))]
        let _ = state;
    }

    /// Durable: the handler's count, when due (the supervisor's timer).
    pub(crate) fn flush_durable(&self, state: &mut State, now: Instant) {
        #[cfg(feature = "redis")]
        if let Some(m) = self.mirror.get() {
            if let Some(taken) = state.take_flush(now) {
                m.flush(taken);
            }
        }
        #[cfg(not(feature = "redis"))]
        let _ = (state, now);
    }

    /// Durable: Redis has the session's token and record (or could not be
    /// told): its token frame may go out.
    #[cfg(feature = "redis")]
    pub(crate) fn recorded(&self) {
        if self.lock().recorded() {
            self.receiver.wake();
        }
    }

    /// Durable: Redis confirmed messages up to `out` and the count `taken`.
    #[cfg(feature = "redis")]
    pub(crate) fn persisted(&self, out: Option<u64>, taken: u64) {
        let wake = self.lock().persisted(out, taken);
        if let Some(m) = self.mirror.get() {
            m.progress.notify_waiters();
        }
        if wake {
            self.receiver.wake();
        }
    }

    /// Durable: waits (at most `within`) until Redis counts the client's
    /// messages up to `n` as taken by the handler, so that a send answered
    /// as accepted survives this node. True at once for a session that is
    /// not durable; false when the session closed first (its client sends
    /// again wherever the session goes on).
    pub(crate) async fn durable_upto(&self, n: u64, within: std::time::Duration) -> bool {
        #[cfg(feature = "redis")]
        if let Some(m) = self.mirror.get() {
            let wait = async {
                loop {
                    let notified = m.progress.notified();
                    tokio::pin!(notified);
                    notified.as_mut().enable();
                    {
                        let state = self.lock();
                        if state.durable_in() >= n {
                            return true;
                        }
                        if state.reason().is_some() {
                            return false;
                        }
                    }
                    notified.await;
                }
            };
            return tokio::time::timeout(within, wait).await.unwrap_or(false);
        }
        let _ = (n, within);
        true
    }

    /// A sign of life from the client.
    pub(crate) fn heard(&self) {
        self.lock().heard(Instant::now());
    }

    /// Resumable: delivers a send whose first message is number `seq`,
    /// skipping those accepted already. False (and nothing delivered) when
    /// it starts past what was accepted.
    pub(crate) async fn deliver_from(&self, seq: u64, messages: Texts) -> bool {
        let skip = self.lock().accept_from(seq);
        match skip {
            None => false,
            Some(skip) => {
                let skip = usize::try_from(skip).unwrap_or(usize::MAX);
                self.deliver_messages(None, messages, skip).await;
                true
            }
        }
    }

    /// Remembers another URL id this session answers to; the oldest one it
    /// forgets, past [`MAX_ALIASES`].
    pub(crate) fn add_alias(&self, id: Arc<str>) -> Option<Arc<str>> {
        let mut aliases = self.aliases.lock().unwrap_or_else(|e| e.into_inner());
        let aliases = aliases.get_or_insert_with(Box::default);
        aliases.push(id);
        (aliases.len() > MAX_ALIASES).then(|| aliases.remove(0))
    }

    /// The URL ids this session came back on.
    pub(crate) fn aliases(&self) -> Vec<Arc<str>> {
        self.aliases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .cloned()
            .unwrap_or_default()
    }

    /// Hands messages from the client to the handler, waiting while its
    /// queue is full (by count or bytes). Messages for a closed session, or
    /// one whose handler dropped its stream, are discarded.
    pub(crate) async fn deliver(&self, messages: Texts) {
        self.deliver_messages(None, messages, 0).await
    }

    /// [`Inner::deliver`] for the reader of the socket whose receiver id is
    /// `socket` (see `State::push_inbound_from`).
    pub(crate) async fn deliver_from_socket(&self, socket: Option<u64>, messages: Texts) {
        self.deliver_messages(socket, messages, 0).await
    }

    /// Delivers `messages` from number `from` on. Each becomes a `String`
    /// only when its turn comes: a send waiting for room holds its packed
    /// text, not a `String` per message.
    async fn deliver_messages(&self, socket: Option<u64>, messages: Texts, from: usize) {
        for m in messages.into_owned_from(from) {
            // Fast path: room in the queue, no waiter set up.
            let mut m = match self.push_inbound(m, socket) {
                Ok(true) => continue,
                Ok(false) => return,
                Err(back) => back,
            };
            loop {
                let room = self.inbound_room.notified();
                tokio::pin!(room);
                room.as_mut().enable();
                match self.push_inbound(m, socket) {
                    Ok(true) => break,
                    Ok(false) => return,
                    Err(back) => m = back,
                }
                room.await;
            }
        }
    }

    /// Queues one inbound message: `Ok(true)` queued, `Ok(false)`
    /// discarded (closed, or nobody reads), `Err` handed back when full.
    fn push_inbound(&self, m: String, socket: Option<u64>) -> Result<bool, String> {
        let len = m.len();
        let pushed = self
            .lock()
            .push_inbound_from(m, self.inbound_limits, Instant::now(), socket);
        match pushed {
            InPush::Queued => {
                self.metrics.received(len);
                self.inbound_ready.wake();
                Ok(true)
            }
            InPush::Discard => Ok(false),
            InPush::Full(back) => Err(back),
        }
    }

    /// Claims the session's one HTTP send at a time (real clients send one
    /// batch and wait for its answer before the next): `None` when another
    /// is being read or delivered. The claim ends when the guard drops.
    pub(crate) fn begin_send(self: &Arc<Self>) -> Option<SendGuard> {
        match self.sending.swap(true, Ordering::AcqRel) {
            true => None,
            false => Some(SendGuard(self.clone())),
        }
    }

    /// The id the client chose.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// The id an HTTP session is registered under.
    #[cfg(feature = "redis")]
    pub(crate) fn named_id(&self) -> Option<Arc<str>> {
        match &self.key {
            Key::Named(id) => Some(id.clone()),
            Key::Anonymous(_) => None,
        }
    }

    /// The user the accept hook named.
    pub(crate) fn user(&self) -> Option<&Arc<str>> {
        self.identity.user.as_ref()
    }

    /// The session has sent its close frame to a receiver (or cannot have
    /// any more receivers: it is over).
    pub(crate) fn told_close(&self) -> bool {
        self.lock().told_close()
    }
}

/// A session's key: unique among all sessions of the process for its life
/// (WebSocket sessions included, which have no unique id), cheap to copy,
/// hash and compare; for maps of sessions.
///
/// ```no_run
/// use std::collections::HashMap;
/// use actix_sockjs::{Session, SessionKey};
///
/// fn remember(rooms: &mut HashMap<SessionKey, Session>, session: &Session) {
///     rooms.insert(session.key(), session.clone());
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey(u64);

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

/// The claim of [`Inner::begin_send`].
pub(crate) struct SendGuard(Arc<Inner>);

impl Drop for SendGuard {
    fn drop(&mut self) {
        self.0.sending.store(false, Ordering::Release);
    }
}

/// A handle on one SockJS session: send to the client, close, learn how it
/// ended. Clone it freely (it is an `Arc`) and move it to other tasks or
/// threads, for example to keep it in a chat room.
///
/// ```no_run
/// use actix_sockjs::{Session, MessageStream};
///
/// async fn handler(session: Session, mut messages: MessageStream) {
///     session.send(format!("welcome, {}", session.id())).await.ok();
///     while let Some(text) = messages.recv().await {
///         if text == "bye" {
///             session.close(3000, "Go away!");
///             break;
///         }
///         if session.send(text).await.is_err() {
///             break;
///         }
///     }
///     println!("session ended: {}", session.closed().await);
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id())
            .field("transport", &self.transport())
            .finish()
    }
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Session {}

/// By [`Session::key`], so sessions can be kept in sets.
impl std::hash::Hash for Session {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

impl Session {
    /// The session id the client chose (the second path segment of its
    /// URLs). WebSocket sessions are not registered under it, so two
    /// sockets may carry the same id.
    ///
    /// ```
    /// # async fn demo(session: actix_sockjs::Session) {
    /// println!("session {} opened", session.id());
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The transport the session was opened with.
    ///
    /// ```
    /// # async fn demo(session: actix_sockjs::Session) {
    /// if session.transport() == actix_sockjs::Transport::JsonpPolling {
    ///     println!("an old browser");
    /// }
    /// # }
    /// ```
    pub fn transport(&self) -> Transport {
        self.inner.transport
    }

    /// The session's key: unique in the process, for every session
    /// (WebSocket ones too), for maps and sets. `Session` itself is also
    /// `Hash` and `Eq` by it.
    ///
    /// ```no_run
    /// # async fn demo(a: actix_sockjs::Session, b: actix_sockjs::Session) {
    /// assert_eq!(a.key() == b.key(), a == b);
    /// println!("session {}", a.key());
    /// # }
    /// ```
    pub fn key(&self) -> SessionKey {
        SessionKey(self.inner.serial)
    }

    /// The user the accept hook named ([`Accepted::user`](crate::Accepted::user)).
    ///
    /// ```no_run
    /// # async fn demo(session: actix_sockjs::Session) {
    /// match session.user() {
    ///     Some(user) => println!("{user} connected"),
    ///     None => println!("an anonymous client connected"),
    /// }
    /// # }
    /// ```
    pub fn user(&self) -> Option<&str> {
        self.inner.identity.user.as_deref()
    }

    /// The data the accept hook attached ([`Accepted::data`](crate::Accepted::data)),
    /// if it is a `T`.
    ///
    /// ```no_run
    /// struct Profile { name: String }
    ///
    /// # async fn demo(session: actix_sockjs::Session) {
    /// if let Some(profile) = session.data::<Profile>() {
    ///     session.send(format!("hello, {}", profile.name)).await.ok();
    /// }
    /// # }
    /// ```
    pub fn data<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.inner.identity.data.as_deref()?.downcast_ref()
    }

    /// What the opening request carried: headers, peer address, path,
    /// query and cookies.
    ///
    /// ```
    /// # async fn demo(session: actix_sockjs::Session) {
    /// let lang = session.request().headers().get("accept-language");
    /// println!("{lang:?}");
    /// # }
    /// ```
    pub fn request(&self) -> &RequestInfo {
        &self.inner.request
    }

    /// Sends a message, waiting for room in the session's queue under
    /// [`Overflow::Wait`] (the default).
    ///
    /// Hands the message back as [`TrySendError::Closed`] when the session
    /// is closed, and as [`TrySendError::Full`] under [`Overflow::Refuse`].
    ///
    /// # Cancel safety
    /// Cancel-safe: if the future is dropped while waiting, the message was
    /// not queued.
    ///
    /// ```
    /// # async fn demo(session: actix_sockjs::Session) {
    /// if let Err(e) = session.send("hello").await {
    ///     println!("not sent: {e}");
    /// }
    /// # }
    /// ```
    pub async fn send(&self, msg: impl Into<Message>) -> Result<(), TrySendError<Message>> {
        // Fast path: room in the queue, no waiting set up.
        let mut msg = match self.try_send(msg) {
            Err(TrySendError::Full(m)) if self.inner.overflow == Overflow::Wait => m,
            other => return other,
        };
        loop {
            let room = self.inner.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            match self.try_send(msg) {
                Err(TrySendError::Full(m)) if self.inner.overflow == Overflow::Wait => msg = m,
                other => return other,
            }
            room.await;
        }
    }

    /// Queues a message without waiting. Hands it back as
    /// [`TrySendError::Full`] when the queue is at its bound (or, under
    /// [`Overflow::Close`], closes the session and hands it back as
    /// [`TrySendError::Closed`]), and as [`TrySendError::Closed`] when the
    /// session is closed.
    ///
    /// ```
    /// use actix_sockjs::TrySendError;
    /// # fn demo(session: actix_sockjs::Session) {
    /// match session.try_send("price: 42") {
    ///     Ok(()) => {}
    ///     Err(TrySendError::Full(_)) => println!("slow client, skipped"),
    ///     Err(TrySendError::Closed(_)) => println!("gone"),
    /// }
    /// # }
    /// ```
    pub fn try_send(&self, msg: impl Into<Message>) -> Result<(), TrySendError<Message>> {
        Self::offer(&self.inner, msg.into())
    }

    fn offer(inner: &Inner, msg: Message) -> Result<(), TrySendError<Message>> {
        let len = msg.len();
        #[cfg(feature = "redis")]
        if let Some(mirror) = inner.mirror.get() {
            // Durable: Redis hears of it in the order it was queued.
            let mut state = inner.lock();
            let pushed = state.push(msg.clone(), inner.limits);
            if pushed == Push::Queued {
                if let Some(p) = state.persist_push() {
                    mirror.push(msg.as_str(), p.number, p.taken);
                }
            }
            drop(state);
            return Self::pushed(inner, pushed, len);
        }
        let pushed = inner.lock().push(msg, inner.limits);
        Self::pushed(inner, pushed, len)
    }

    fn pushed(inner: &Inner, pushed: Push, len: usize) -> Result<(), TrySendError<Message>> {
        match pushed {
            Push::Queued => {
                inner.metrics.sent(len);
                inner.receiver.wake();
                Ok(())
            }
            Push::Closed(m) => Err(TrySendError::Closed(m)),
            Push::Full(m) if inner.overflow == Overflow::Close => {
                tracing::debug!("session {}: send queue full, closing", inner.id);
                inner.close(CloseReason::Overflow);
                Err(TrySendError::Closed(m))
            }
            Push::Full(m) => Err(TrySendError::Full(m)),
        }
    }

    /// Closes the session: messages already queued are delivered, then the
    /// client gets `c[code,"reason"]`. Closing twice does nothing.
    /// Codes 3000–4999 are the application's; SockJS clients report them as
    /// they are.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// session.close(4000, "Kicked");
    /// assert!(session.is_closed());
    /// # }
    /// ```
    pub fn close(&self, code: u16, reason: &str) {
        self.inner.close(CloseReason::Server {
            code,
            reason: reason.to_owned(),
        });
    }

    /// True once the session is closed.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// if !session.is_closed() {
    ///     session.try_send("still there?").ok();
    /// }
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.lock().reason().is_some()
    }

    /// True while the client is connected: a WebSocket is open, or an HTTP
    /// poll or stream is waiting for frames. Between two polls it is false
    /// for a moment; the session lives on for the disconnect delay.
    ///
    /// ```no_run
    /// # async fn demo(session: actix_sockjs::Session) {
    /// if !session.is_connected() {
    ///     println!("{} is between polls", session.id());
    /// }
    /// # }
    /// ```
    pub fn is_connected(&self) -> bool {
        self.inner.lock().attached()
    }

    /// How many times the client came back after a dropped connection
    /// (resumable sessions of the resume extension, `docs/resume.md`; 0
    /// for others). Nothing was lost across those drops.
    ///
    /// ```no_run
    /// # async fn demo(session: actix_sockjs::Session) {
    /// session.closed().await;
    /// println!("{} ended after {} resumes", session.id(), session.resumes());
    /// # }
    /// ```
    pub fn resumes(&self) -> u32 {
        self.inner.lock().resumes()
    }

    /// Messages and bytes waiting in the outbound queue (for a resumable
    /// session: sent or not, until the client acknowledges them).
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let (messages, bytes) = session.queued();
    /// println!("{messages} messages ({bytes} bytes) waiting");
    /// # }
    /// ```
    pub fn queued(&self) -> (usize, usize) {
        self.inner.lock().queued()
    }

    /// Waits until the session is closed and says why.
    ///
    /// # Cancel safety
    /// Cancel-safe.
    ///
    /// ```
    /// # async fn demo(session: actix_sockjs::Session) {
    /// let why = session.closed().await;
    /// println!("{} ended: {why} (code {})", session.id(), why.code());
    /// # }
    /// ```
    pub async fn closed(&self) -> CloseReason {
        loop {
            let closed = self.inner.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if let Some(r) = self.inner.lock().reason() {
                return r.clone();
            }
            closed.await;
        }
    }
}

/// The messages a client sends, in order. Ends (`None`) when the session
/// closes, after everything already received.
///
/// ```no_run
/// use actix_sockjs::{Session, MessageStream};
///
/// async fn handler(_session: Session, mut messages: MessageStream) {
///     while let Some(text) = messages.recv().await {
///         println!("got {text}");
///     }
/// }
/// ```
pub struct MessageStream {
    inner: Arc<Inner>,
}

impl fmt::Debug for MessageStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStream")
            .field("session", &self.inner.id())
            .finish()
    }
}

impl MessageStream {
    /// The next message, or `None` once the session has closed.
    ///
    /// # Cancel safety
    /// Cancel-safe: a message is never lost when the future is dropped.
    ///
    /// ```
    /// # async fn demo(mut messages: actix_sockjs::MessageStream) {
    /// while let Some(text) = messages.recv().await {
    ///     println!("{text}");
    /// }
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<String> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        // Register first, then look: a message queued in between still wakes us.
        self.inner.inbound_ready.register(cx.waker());
        let popped = self.inner.lock().pop_inbound();
        match popped {
            Ok(Some((m, deliverer_waiting))) => {
                if deliverer_waiting {
                    self.inner.inbound_room.notify_waiters();
                }
                Poll::Ready(Some(m))
            }
            Ok(None) => Poll::Pending,
            Err(()) => Poll::Ready(None),
        }
    }
}

impl Stream for MessageStream {
    type Item = String;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<String>> {
        self.poll_recv(cx)
    }
}

impl Drop for MessageStream {
    /// Nobody reads any more: what was queued is dropped, and client sends
    /// waiting for room give up.
    fn drop(&mut self) {
        self.inner.lock().reader_gone();
        self.inner.inbound_room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::Alarm;
    use futures_util::task::{waker, ArcWake};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Context;

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl ArcWake for Count {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn an_alarm_rung_before_the_look_is_kept_and_taken_once() {
        let alarm = Alarm::default();
        let count = Arc::new(Count::default());
        let w = waker(count.clone());
        let cx = Context::from_waker(&w);
        alarm.ring();
        assert!(alarm.rung(&cx), "a ring before the look is kept");
        assert!(!alarm.rung(&cx), "and taken by the look");
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn an_alarm_wakes_the_task_that_looked() {
        let alarm = Alarm::default();
        let count = Arc::new(Count::default());
        let w = waker(count.clone());
        let cx = Context::from_waker(&w);
        assert!(!alarm.rung(&cx));
        alarm.ring();
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "the waiting task is woken"
        );
        assert!(alarm.rung(&cx), "and finds the ring at its next look");
    }
}
