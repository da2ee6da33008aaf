//! Many nodes on Redis (cargo feature `redis`): broadcasts that reach every
//! node, requests that land on any node (no sticky sessions), a session's
//! owner found and reached through Redis, and resumable sessions that
//! survive the loss of their node.
//!
//! A [`Cluster`] is one node's link to Redis: its own thread and tokio
//! runtime hold a command connection (commands from every worker are
//! coalesced into pipelines, in order) and a pub/sub connection (the node's
//! inbox and the broadcast channels), reconnect with backoff, and keep the
//! node's liveness key alive. Services join it with
//! [`SockJs::cluster`](crate::SockJs::cluster).
//!
//! Keys (all under the prefix, `sockjs` by default):
//!
//! | key | what |
//! | --- | --- |
//! | `<p>:node:<id>` | the node is alive (6 s by default, refreshed every third of that) |
//! | `<p>:<svc>:t:<token>` | the node that owns a resumable session |
//! | `<p>:<svc>:s:<session id>` | the node that owns an HTTP session |
//! | `<p>:<svc>:r:<token>` | a resumable session: its owner, ids, counts |
//! | `<p>:<svc>:q:<token>` | its messages not yet acknowledged |
//!
//! Channels: `<p>:node:<id>` (relayed requests and their answers),
//! `<p>:b:<svc>:<group>` (broadcasts).

pub(crate) mod mirror;
pub(crate) mod relay;
pub(crate) mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::Value;
use tokio::sync::{mpsc, oneshot};

use crate::broadcast::GroupInner;
use crate::session::Sessions;

/// How long a node counts as alive after its last heartbeat.
const NODE_TTL: Duration = Duration::from_secs(6);
/// The longest pause between two reconnection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long a relayed request waits for its owner to answer.
pub(crate) const RELAY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a node's liveness is cached.
const ALIVE_CACHE: Duration = Duration::from_millis(500);

/// One node's link to Redis, for [`SockJs::cluster`](crate::SockJs::cluster).
/// Clone it freely; every clone is the same node.
///
/// ```no_run
/// use actix_sockjs::{Cluster, SockJs};
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let cluster = Cluster::new("redis://127.0.0.1:6379")?;
/// let chat = SockJs::new(|_session, _messages| async {}).cluster(&cluster, "chat");
/// # drop(chat);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Cluster {
    pub(crate) inner: Arc<Node>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node", &self.inner.id)
            .field("up", &self.is_up())
            .finish()
    }
}

/// What the node's Redis thread and every service share.
pub(crate) struct Node {
    pub id: Arc<str>,
    pub prefix: String,
    /// A node silent this long counts as lost.
    node_ttl: Duration,
    jobs: mpsc::UnboundedSender<Job>,
    commands_up: AtomicBool,
    pubsub_up: AtomicBool,
    /// Bumped each time the pub/sub link comes back (services then claim
    /// their sessions again: Redis may have restarted empty).
    pub epoch: AtomicU64,
    next_id: AtomicU64,
    /// Relayed requests this node made, waiting for answers.
    pub pending: Mutex<HashMap<u64, relay::Pending>>,
    /// Requests this node serves for others, by (from, id): how to stop them.
    pub serving: Mutex<HashMap<(String, u64), oneshot::Sender<()>>>,
    services: Mutex<HashMap<String, Weak<Sessions>>>,
    /// Named groups by channel; the dead ones are forgotten as new come.
    groups: Mutex<crate::broadcast::Named<Weak<GroupInner>>>,
    alive: Mutex<HashMap<Arc<str>, (Instant, bool)>>,
    /// Cross-node work refused or lost because Redis was unreachable.
    pub failures: AtomicU64,
}

/// Settings of a [`Cluster`], from [`Cluster::builder`].
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    url: String,
    prefix: String,
    node_ttl: Duration,
}

impl ClusterBuilder {
    /// Every key and channel under `prefix` (default `sockjs`).
    ///
    /// ```no_run
    /// let b = actix_sockjs::Cluster::builder("redis://127.0.0.1").prefix("eu");
    /// # drop(b);
    /// ```
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// How long a node that stopped saying it is alive counts as alive
    /// (default 6 s; it says so every third of that). Its sessions are
    /// lost, or taken over when resumable, after this.
    ///
    /// ```no_run
    /// let b = actix_sockjs::Cluster::builder("redis://127.0.0.1")
    ///     .node_timeout(std::time::Duration::from_secs(3));
    /// # drop(b);
    /// ```
    pub fn node_timeout(mut self, timeout: Duration) -> Self {
        self.node_ttl = timeout.max(Duration::from_millis(300));
        self
    }

    /// Starts the node (it connects in the background; see [`Cluster::new`]).
    ///
    /// ```no_run
    /// let cluster = actix_sockjs::Cluster::builder("redis://127.0.0.1").build().expect("URL");
    /// # drop(cluster);
    /// ```
    pub fn build(self) -> Result<Cluster, redis::RedisError> {
        Cluster::start(self)
    }
}

/// A unit of work for the Redis thread: commands, and where their results go.
struct Job {
    cmds: Vec<redis::Cmd>,
    reply: Reply,
    /// Its commands may run twice (reads, `SET NX`): run again at once on a
    /// new connection when the one it met was found dropped (Redis
    /// restarted), rather than failing the caller.
    again: bool,
    /// A relay message for a node's inbox (then `cmds` is empty): the
    /// consecutive ones of a batch go out as one `PUBLISH` per inbox.
    tell: Option<Tell>,
}

/// A relay message: the inbox channel and the encoded [`wire::Wire`].
struct Tell {
    inbox: String,
    wire: bytes::Bytes,
}

/// Where a job's outcome goes.
enum Reply {
    None,
    Values(oneshot::Sender<Result<Vec<Value>, ()>>),
    Done(Box<dyn FnOnce(bool) + Send>),
}

impl Reply {
    fn failed(self, node: &Weak<Node>) {
        match self {
            Reply::None => {
                if let Some(n) = node.upgrade() {
                    n.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            Reply::Values(tx) => {
                let _ = tx.send(Err(()));
            }
            Reply::Done(f) => f(false),
        }
    }
}

/// Redis cannot be reached now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unavailable;

impl Cluster {
    /// A node on the Redis at `url` (`redis://host:port/db`). Returns at
    /// once: the node connects in the background, and reconnects with
    /// backoff whenever Redis goes away (see [`Cluster::is_up`]). Fails
    /// only for a URL that is not one.
    ///
    /// ```no_run
    /// let cluster = actix_sockjs::Cluster::new("redis://127.0.0.1:6379").expect("a Redis URL");
    /// # drop(cluster);
    /// ```
    pub fn new(url: &str) -> Result<Cluster, redis::RedisError> {
        Cluster::builder(url).build()
    }

    /// A node with settings: a key prefix (several deployments on one
    /// Redis), how soon a silent node counts as lost.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let cluster = actix_sockjs::Cluster::builder("redis://127.0.0.1")
    ///     .prefix("staging")
    ///     .node_timeout(Duration::from_secs(3))
    ///     .build()
    ///     .expect("a Redis URL");
    /// # drop(cluster);
    /// ```
    pub fn builder(url: &str) -> ClusterBuilder {
        ClusterBuilder {
            url: url.to_owned(),
            prefix: "sockjs".to_owned(),
            node_ttl: NODE_TTL,
        }
    }

    fn start(b: ClusterBuilder) -> Result<Cluster, redis::RedisError> {
        let client = redis::Client::open(b.url.as_str())?;
        let prefix = b.prefix.as_str();
        let (tx, rx) = mpsc::unbounded_channel();
        let node = Arc::new(Node {
            id: format!("{:016x}", random()).into(),
            prefix: prefix.to_owned(),
            node_ttl: b.node_ttl,
            jobs: tx,
            commands_up: AtomicBool::new(false),
            pubsub_up: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            serving: Mutex::new(HashMap::new()),
            services: Mutex::new(HashMap::new()),
            groups: Mutex::default(),
            alive: Mutex::new(HashMap::new()),
            failures: AtomicU64::new(0),
        });
        let weak = Arc::downgrade(&node);
        std::thread::Builder::new()
            .name(format!("sockjs-cluster-{}", &node.id[..6]))
            .spawn(move || run(client, rx, weak))
            .map_err(|e| redis::RedisError::from(std::io::Error::other(e)))?;
        Ok(Cluster { inner: node })
    }

    /// This node's id (random, per process start).
    ///
    /// ```no_run
    /// # let cluster = actix_sockjs::Cluster::new("redis://127.0.0.1").expect("URL");
    /// println!("node {}", cluster.node_id());
    /// ```
    pub fn node_id(&self) -> &str {
        &self.inner.id
    }

    /// True while both links to Redis (commands, pub/sub) are up.
    ///
    /// ```no_run
    /// # let cluster = actix_sockjs::Cluster::new("redis://127.0.0.1").expect("URL");
    /// if !cluster.is_up() {
    ///     eprintln!("Redis unreachable: serving local sessions only");
    /// }
    /// ```
    pub fn is_up(&self) -> bool {
        self.inner.is_up()
    }
}

impl Node {
    pub fn is_up(&self) -> bool {
        self.commands_up.load(Ordering::Relaxed) && self.pubsub_up.load(Ordering::Relaxed)
    }

    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn key(&self, svc: &str, kind: &str, name: &str) -> String {
        format!("{}:{svc}:{kind}:{name}", self.prefix)
    }

    pub fn node_key(&self, node: &str) -> String {
        format!("{}:node:{node}", self.prefix)
    }

    fn inbox(&self, node: &str) -> String {
        self.node_key(node)
    }

    fn group_channel(&self, svc: &str, group: &str) -> String {
        format!("{}:b:{svc}:{group}", self.prefix)
    }

    /// Runs `cmds` and returns their results (server errors included, as
    /// `Value::ServerError`), or `Unavailable`.
    pub async fn query(&self, cmds: Vec<redis::Cmd>) -> Result<Vec<Value>, Unavailable> {
        self.query_job(cmds, false).await
    }

    /// [`Node::query`] for commands that may run twice (reads, `SET NX`).
    pub async fn read(&self, cmds: Vec<redis::Cmd>) -> Result<Vec<Value>, Unavailable> {
        self.query_job(cmds, true).await
    }

    async fn query_job(
        &self,
        cmds: Vec<redis::Cmd>,
        again: bool,
    ) -> Result<Vec<Value>, Unavailable> {
        // (Sent even while the link is down: the Redis thread connects
        // again for it, or fails it at once while it backs off.)
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job {
                cmds,
                reply: Reply::Values(tx),
                again,
                tell: None,
            })
            .map_err(|_| Unavailable)?;
        match tokio::time::timeout(RELAY_TIMEOUT, rx).await {
            Ok(Ok(Ok(v))) => Ok(v),
            _ => Err(Unavailable),
        }
    }

    /// Runs `cmds` without waiting (in order with every other command).
    pub fn fire(&self, cmds: Vec<redis::Cmd>) {
        if self
            .jobs
            .send(Job {
                cmds,
                reply: Reply::None,
                again: false,
                tell: None,
            })
            .is_err()
        {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Runs `cmds` without waiting; `done` learns whether they ran (on the
    /// node's Redis thread).
    pub fn fire_then(&self, cmds: Vec<redis::Cmd>, done: impl FnOnce(bool) + Send + 'static) {
        if let Err(e) = self.jobs.send(Job {
            cmds,
            reply: Reply::Done(Box::new(done)),
            again: false,
            tell: None,
        }) {
            if let Reply::Done(f) = e.0.reply {
                f(false);
            }
        }
    }

    /// Sends `wire` to `node`'s inbox.
    pub fn tell(&self, node: &str, wire: &wire::Wire) {
        match serde_json::to_vec(wire) {
            Ok(bytes) => {
                let job = Job {
                    cmds: Vec::new(),
                    reply: Reply::None,
                    again: false,
                    tell: Some(Tell {
                        inbox: self.inbox(node),
                        wire: bytes.into(),
                    }),
                };
                if self.jobs.send(job).is_err() {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => tracing::error!("cluster: cannot encode a relay message: {e}"),
        }
    }

    /// Whether `node` is alive (its liveness key exists), cached briefly.
    pub async fn alive(&self, node: &str) -> Result<bool, Unavailable> {
        if node == &*self.id {
            return Ok(true);
        }
        if let Some((at, alive)) = lock(&self.alive).get(node) {
            if at.elapsed() < ALIVE_CACHE {
                return Ok(*alive);
            }
        }
        let mut c = redis::cmd("EXISTS");
        c.arg(self.node_key(node));
        let v = self.read(vec![c]).await?;
        let alive = matches!(v.first(), Some(Value::Int(1)));
        let mut cache = lock(&self.alive);
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(node.into(), (Instant::now(), alive));
        Ok(alive)
    }

    /// Registers a service, so relayed requests and broadcasts find it.
    pub fn add_service(&self, name: &str, sessions: &Arc<Sessions>) {
        lock(&self.services).insert(name.to_owned(), Arc::downgrade(sessions));
    }

    pub fn service(&self, name: &str) -> Option<Arc<Sessions>> {
        lock(&self.services).get(name).and_then(Weak::upgrade)
    }

    fn services(&self) -> Vec<(String, Arc<Sessions>)> {
        lock(&self.services)
            .iter()
            .filter_map(|(n, s)| Some((n.clone(), s.upgrade()?)))
            .collect()
    }

    /// Registers a named group, so broadcasts from other nodes reach its
    /// local members.
    pub fn add_group(&self, svc: &str, name: &str, group: &Arc<GroupInner>) {
        let mut groups = lock(&self.groups);
        groups.forget_unused(|g| g.strong_count() == 0);
        groups
            .by_name
            .insert(self.group_channel(svc, name), Arc::downgrade(group));
    }

    /// Publishes a broadcast to the other nodes' members of `group`.
    pub fn publish(&self, svc: &str, group: &str, text: &str) {
        let b = wire::Broadcast {
            from: self.id.to_string(),
            text: text.to_owned(),
        };
        if !self.is_up() {
            self.failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("cluster: Redis unreachable: a broadcast to {svc}/{group} reached this node's members only");
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(&b) {
            let mut c = redis::cmd("PUBLISH");
            c.arg(self.group_channel(svc, group)).arg(bytes);
            self.fire(vec![c]);
        }
    }

    /// A message on a channel this node listens to.
    fn dispatch(self: &Arc<Self>, channel: &str, payload: &[u8]) {
        let mine = channel
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_prefix(":node:"))
            .is_some_and(|id| id == &*self.id);
        if mine {
            // One message, or (from a batch) several in order.
            let wires = match payload.first() {
                Some(b'[') => serde_json::from_slice::<Vec<wire::Wire>>(payload),
                _ => serde_json::from_slice::<wire::Wire>(payload).map(|w| vec![w]),
            };
            match wires {
                Ok(wires) => {
                    for w in wires {
                        relay::received(self, w);
                    }
                }
                Err(e) => tracing::debug!("cluster: a message it cannot read: {e}"),
            }
            return;
        }
        let Ok(b) = serde_json::from_slice::<wire::Broadcast>(payload) else {
            return;
        };
        if b.from == *self.id {
            // Our own: its local members had it already.
            return;
        }
        let all = channel
            .strip_prefix(&format!("{}:b:", self.prefix))
            .and_then(|rest| rest.strip_suffix(":*"));
        if let Some(svc) = all {
            if let Some(sessions) = self.service(svc) {
                let all = sessions.all();
                crate::broadcast::send_all(all.iter().map(|i| &**i), crate::Message::new(b.text));
            }
            return;
        }
        let group = lock(&self.groups)
            .by_name
            .get(channel)
            .and_then(Weak::upgrade);
        if let Some(g) = group {
            crate::broadcast::deliver_local(&g, crate::Message::new(b.text));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn random() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    })
}

// ------------------------------------------------------------ Redis thread

/// The node's Redis thread: commands, pub/sub and the heartbeat, until the
/// node is dropped.
fn run(client: redis::Client, jobs: mpsc::UnboundedReceiver<Job>, node: Weak<Node>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cluster: no runtime for the Redis thread: {e}");
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        tokio::task::spawn_local(pubsub(client.clone(), node.clone()));
        tokio::task::spawn_local(heartbeat(node.clone()));
        tokio::task::spawn_local(watchdog(node.clone()));
        commands(client, jobs, node).await;
    });
}

/// Runs jobs in order, coalescing whatever is waiting into one pipeline.
async fn commands(client: redis::Client, mut jobs: mpsc::UnboundedReceiver<Job>, node: Weak<Node>) {
    let mut conn: Option<redis::aio::MultiplexedConnection> = None;
    let mut backoff = Duration::from_millis(100);
    let mut next_try = Instant::now();
    let mut batch = Vec::new();
    loop {
        let Some(first) = jobs.recv().await else {
            return;
        };
        batch.push(first);
        while batch.len() < 512 {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if conn.is_none() && Instant::now() >= next_try {
            match tokio::time::timeout(
                Duration::from_secs(2),
                client.get_multiplexed_async_connection_with_config(&link_config()),
            )
            .await
            {
                Ok(Ok(c)) => {
                    conn = Some(c);
                    backoff = Duration::from_millis(100);
                    set_up(&node, true, true);
                }
                _ => {
                    next_try = Instant::now() + backoff;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    set_up(&node, true, false);
                }
            }
        }
        let Some(c) = conn.as_mut() else {
            for job in batch.drain(..) {
                job.reply.failed(&node);
            }
            continue;
        };
        match run_batch(c, &mut batch).await {
            Ok(()) => continue,
            Err(Some(e)) => tracing::warn!("cluster: Redis command link lost: {e}"),
            Err(None) => tracing::warn!("cluster: Redis did not answer in {RELAY_TIMEOUT:?}"),
        }
        conn = None;
        // The connection failed (Redis restarted, say): the jobs that may
        // run twice go again at once on a new one; the others fail.
        let (again, failed): (Vec<Job>, Vec<Job>) = batch.drain(..).partition(|j| j.again);
        for job in failed {
            job.reply.failed(&node);
        }
        batch = again;
        if !batch.is_empty() {
            if let Ok(Ok(c)) = tokio::time::timeout(
                Duration::from_secs(2),
                client.get_multiplexed_async_connection_with_config(&link_config()),
            )
            .await
            {
                let c = conn.insert(c);
                if run_batch(c, &mut batch).await.is_err() {
                    conn = None;
                }
            }
        }
        if conn.is_none() {
            set_up(&node, true, false);
        }
        for job in batch.drain(..) {
            job.reply.failed(&node);
        }
    }
}

/// Runs `batch` as one pipeline and hands each job its results (then the
/// batch is empty). On failure the batch is kept; the error is `None` for
/// a timeout.
async fn run_batch(
    c: &mut redis::aio::MultiplexedConnection,
    batch: &mut Vec<Job>,
) -> Result<(), Option<redis::RedisError>> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    // Per job, how many results are its own; `skip` before it, how many
    // belong to the relay messages published ahead of it.
    let mut counts = Vec::with_capacity(batch.len());
    let mut tells = Tells::default();
    for job in batch.iter() {
        let skip = match &job.tell {
            Some(t) => {
                tells.add(t);
                0
            }
            None => tells.publish(&mut pipe),
        };
        counts.push((skip, job.cmds.len()));
        for cmd in &job.cmds {
            pipe.add_command(cmd.clone());
        }
    }
    tells.publish(&mut pipe);
    let values = match tokio::time::timeout(RELAY_TIMEOUT, pipe.query_async::<Vec<Value>>(c)).await
    {
        Ok(Ok(values)) => values,
        Ok(Err(e)) => return Err(Some(e)),
        Err(_) => return Err(None),
    };
    let mut values = values.into_iter();
    for (job, (skip, n)) in batch.drain(..).zip(counts) {
        values.by_ref().take(skip).for_each(drop);
        let mine: Vec<Value> = values.by_ref().take(n).collect();
        match job.reply {
            Reply::None => {}
            Reply::Values(tx) => {
                let _ = tx.send(Ok(mine));
            }
            Reply::Done(f) => {
                let ok = !mine.iter().any(|v| matches!(v, Value::ServerError(_)));
                f(ok);
            }
        }
    }
    Ok(())
}

/// The relay messages of a run of consecutive tell jobs, by inbox: one
/// `PUBLISH` each (a JSON array when there are several), placed where the
/// run ends, so no message moves ahead of a command queued before it, and
/// those to one inbox keep their order.
#[derive(Default)]
struct Tells(Vec<(String, Vec<bytes::Bytes>)>);

impl Tells {
    fn add(&mut self, t: &Tell) {
        match self.0.iter_mut().find(|(inbox, _)| *inbox == t.inbox) {
            Some((_, wires)) => wires.push(t.wire.clone()),
            None => self.0.push((t.inbox.clone(), vec![t.wire.clone()])),
        }
    }

    /// Adds the run's `PUBLISH`es to `pipe`; how many there were.
    fn publish(&mut self, pipe: &mut redis::Pipeline) -> usize {
        let n = self.0.len();
        for (inbox, wires) in self.0.drain(..) {
            match &wires[..] {
                [one] => pipe.cmd("PUBLISH").arg(inbox).arg(&one[..]),
                _ => {
                    let len = wires.iter().map(|w| w.len() + 1).sum::<usize>() + 1;
                    let mut p = Vec::with_capacity(len);
                    p.push(b'[');
                    for (i, w) in wires.iter().enumerate() {
                        if i > 0 {
                            p.push(b',');
                        }
                        p.extend_from_slice(w);
                    }
                    p.push(b']');
                    pipe.cmd("PUBLISH").arg(inbox).arg(p)
                }
            };
        }
        n
    }
}

/// The command connection's settings: Redis may take up to the relay
/// timeout to answer (the crate's default, 500 ms, dropped the link of a
/// node whose Redis was merely slow, losing its broadcasts).
fn link_config() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(RELAY_TIMEOUT))
}

/// Marks a link up or down (`commands`: which one), logging the changes.
fn set_up(node: &Weak<Node>, commands: bool, up: bool) {
    let Some(n) = node.upgrade() else { return };
    let flag = if commands {
        &n.commands_up
    } else {
        &n.pubsub_up
    };
    let was = flag.swap(up, Ordering::Relaxed);
    let what = if commands { "commands" } else { "pub/sub" };
    match (was, up) {
        (false, true) => tracing::info!("cluster: node {}: Redis {what} link up", n.id),
        (true, false) => tracing::warn!(
            "cluster: node {}: Redis {what} link down: local sessions go on, cross-node work is refused until it is back",
            n.id
        ),
        _ => {}
    }
}

/// The node's inbox and the broadcast channels, reconnected with backoff.
async fn pubsub(client: redis::Client, node: Weak<Node>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(n) = node.upgrade() else { return };
        let inbox = n.inbox(&n.id);
        let pattern = format!("{}:b:*", n.prefix);
        drop(n);
        let connected = async {
            let mut ps = client.get_async_pubsub().await?;
            ps.subscribe(&inbox).await?;
            ps.psubscribe(&pattern).await?;
            Ok::<_, redis::RedisError>(ps)
        };
        match tokio::time::timeout(Duration::from_secs(2), connected).await {
            Ok(Ok(ps)) => {
                backoff = Duration::from_millis(100);
                set_up(&node, false, true);
                if let Some(n) = node.upgrade() {
                    n.epoch.fetch_add(1, Ordering::Relaxed);
                    resync(&n);
                }
                let mut stream = ps.into_on_message();
                while let Some(msg) = stream.next().await {
                    let Some(n) = node.upgrade() else { return };
                    n.dispatch(msg.get_channel_name(), msg.get_payload_bytes());
                }
                set_up(&node, false, false);
            }
            _ => set_up(&node, false, false),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Says the node is alive, every third of its timeout.
async fn heartbeat(node: Weak<Node>) {
    let ttl = node.upgrade().map_or(NODE_TTL, |n| n.node_ttl);
    let mut every = tokio::time::interval(ttl / 3);
    loop {
        every.tick().await;
        let Some(n) = node.upgrade() else { return };
        let mut c = redis::cmd("SET");
        c.arg(n.node_key(&n.id))
            .arg(1)
            .arg("PX")
            .arg(n.node_ttl.as_millis() as u64);
        // Wakes the command link (it reconnects on a job).
        let _ = n.jobs.send(Job {
            cmds: vec![c],
            reply: Reply::None,
            again: false,
            tell: None,
        });
    }
}

/// Ends relayed requests whose owner died or that were never answered.
async fn watchdog(node: Weak<Node>) {
    let mut every = tokio::time::interval(Duration::from_millis(500));
    loop {
        every.tick().await;
        let Some(n) = node.upgrade() else { return };
        relay::check_pending(&n).await;
    }
}

/// After the pub/sub link comes back (Redis may have restarted empty):
/// every service claims its sessions again.
fn resync(node: &Arc<Node>) {
    for (name, sessions) in node.services() {
        relay::reclaim(node, &name, &sessions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tell(inbox: &str, wire: &'static str) -> Tell {
        Tell {
            inbox: inbox.into(),
            wire: bytes::Bytes::from_static(wire.as_bytes()),
        }
    }

    /// The arguments of each command of `pipe`, as text.
    fn commands(pipe: &redis::Pipeline) -> Vec<Vec<String>> {
        pipe.cmd_iter()
            .map(|c| {
                c.args_iter()
                    .map(|a| match a {
                        redis::Arg::Simple(b) => String::from_utf8_lossy(b).into_owned(),
                        _ => "<cursor>".into(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_run_of_relay_messages_is_one_publish_per_inbox_in_order() {
        let mut tells = Tells::default();
        tells.add(&tell("p:node:a", r#"{"n":1}"#));
        tells.add(&tell("p:node:b", r#"{"n":2}"#));
        tells.add(&tell("p:node:a", r#"{"n":3}"#));
        let mut pipe = redis::pipe();
        assert_eq!(tells.publish(&mut pipe), 2);
        assert_eq!(
            commands(&pipe),
            [
                ["PUBLISH", "p:node:a", r#"[{"n":1},{"n":3}]"#],
                ["PUBLISH", "p:node:b", r#"{"n":2}"#],
            ]
        );
        // Published and emptied: the next run starts afresh.
        assert_eq!(tells.publish(&mut pipe), 0);
        assert_eq!(pipe.cmd_iter().count(), 2);
    }

    #[test]
    fn an_array_of_relay_messages_reads_as_each_in_order() {
        let one = wire::Wire::Abort {
            id: 1,
            from: "n".into(),
        };
        let two = wire::Wire::Frame {
            id: 2,
            frame: "a[\"x\"]".into(),
            end: true,
        };
        let text = serde_json::to_string(&[one, two]).unwrap_or_default();
        let back: Vec<wire::Wire> = serde_json::from_str(&text).unwrap_or_default();
        assert!(
            matches!(
                &back[..],
                [
                    wire::Wire::Abort { id: 1, .. },
                    wire::Wire::Frame {
                        id: 2,
                        end: true,
                        ..
                    }
                ]
            ),
            "{text}"
        );
    }
}
