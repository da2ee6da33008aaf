//! What Redis keeps of a resumable session in a cluster, so that it
//! outlives its node: its messages not yet acknowledged (`q:<token>`, a
//! list from the first unacknowledged), and a hash (`r:<token>`) of its
//! first message's number, how many client messages its handler took, its
//! session id and user. Every write goes through the node's ordered command
//! link while the session's state is locked, so Redis sees them in the
//! session's order; a message is released to the client only once Redis
//! confirmed it (see `State::persisted`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use redis::Value;

use super::relay::Link;
use super::Unavailable;
use crate::session::Inner;

pub(crate) struct Mirror {
    link: Link,
    token: Arc<str>,
    inner: Weak<Inner>,
    /// Keys expire this long after the last write (the resume window and
    /// a margin: a lost node's session can still be taken over).
    ttl_ms: u64,
    /// Handed over (a shutdown): this node writes nothing more of it.
    handed: AtomicBool,
    /// Redis confirmed more (sends waiting for it look again).
    pub(crate) progress: tokio::sync::Notify,
}

/// What a lost node's session was, as Redis kept it.
pub(crate) struct Kept {
    pub sid: String,
    pub user: Option<String>,
    pub base: u64,
    pub taken: u64,
    pub messages: Vec<String>,
}

impl Mirror {
    pub fn new(
        link: Link,
        token: Arc<str>,
        inner: &Arc<Inner>,
        window: std::time::Duration,
    ) -> Mirror {
        Mirror {
            link,
            token,
            inner: Arc::downgrade(inner),
            ttl_ms: (window + std::time::Duration::from_secs(30)).as_millis() as u64,
            handed: AtomicBool::new(false),
            progress: tokio::sync::Notify::new(),
        }
    }

    fn r(&self) -> String {
        self.link.node.key(&self.link.svc, "r", &self.token)
    }

    fn q(&self) -> String {
        self.link.node.key(&self.link.svc, "q", &self.token)
    }

    fn t(&self) -> String {
        self.link.node.key(&self.link.svc, "t", &self.token)
    }

    fn expire(&self, cmds: &mut Vec<redis::Cmd>) {
        for k in [self.r(), self.q(), self.t()] {
            let mut c = redis::cmd("PEXPIRE");
            c.arg(k).arg(self.ttl_ms);
            cmds.push(c);
        }
    }

    /// A new durable session (or one taken over): what Redis must know,
    /// its record (its id, first message number, the handler's count and
    /// user). `done` learns whether Redis has it.
    pub fn created(
        &self,
        sid: &str,
        user: Option<&str>,
        base: u64,
        taken: u64,
        done: impl FnOnce(bool) + Send + 'static,
    ) {
        let mut h = redis::cmd("HSET");
        h.arg(self.r())
            .arg("sid")
            .arg(sid)
            .arg("base")
            .arg(base)
            .arg("in")
            .arg(taken)
            .arg("user")
            .arg(user.unwrap_or(""));
        let mut cmds = vec![h];
        self.expire(&mut cmds);
        self.link.node.fire_then(cmds, done);
    }

    /// A message queued (number `number`; the handler had taken `taken`
    /// client messages): appended, with the count, in one transaction.
    pub fn push(&self, text: &str, number: u64, taken: u64) {
        if self.handed.load(Ordering::Relaxed) {
            return;
        }
        let mut rpush = redis::cmd("RPUSH");
        rpush.arg(self.q()).arg(text);
        let mut h = redis::cmd("HSET");
        h.arg(self.r()).arg("in").arg(taken);
        let mut cmds = vec![redis::cmd("MULTI"), rpush, h];
        self.expire(&mut cmds);
        cmds.push(redis::cmd("EXEC"));
        let inner = self.inner.clone();
        self.link.node.fire_then(cmds, move |ok| {
            if ok {
                if let Some(i) = inner.upgrade() {
                    i.persisted(Some(number), taken);
                }
            }
        });
    }

    /// The handler's count alone.
    pub fn flush(&self, taken: u64) {
        if self.handed.load(Ordering::Relaxed) {
            return;
        }
        let mut h = redis::cmd("HSET");
        h.arg(self.r()).arg("in").arg(taken);
        let inner = self.inner.clone();
        self.link.node.fire_then(vec![h], move |ok| {
            if ok {
                if let Some(i) = inner.upgrade() {
                    i.persisted(None, taken);
                }
            }
        });
    }

    /// The client acknowledged messages `old..new`: Redis forgets them.
    pub fn trim(&self, old: u64, new: u64) {
        if self.handed.load(Ordering::Relaxed) {
            return;
        }
        let mut lt = redis::cmd("LTRIM");
        lt.arg(self.q()).arg(new - old).arg(-1);
        let mut h = redis::cmd("HSET");
        h.arg(self.r()).arg("base").arg(new);
        self.link
            .node
            .fire(vec![redis::cmd("MULTI"), lt, h, redis::cmd("EXEC")]);
    }

    /// The node is shutting down: what Redis keeps stays, and the token,
    /// if it is still this node's, is left to no node (`-`, which is never
    /// alive), so that the client's next request takes the session over on
    /// another node at once. Resolves once Redis has it; false if Redis
    /// could not be reached (the token then lapses with this node).
    /// False, too, when it was handed over before.
    pub async fn hand_over(&self) -> bool {
        if self.handed.swap(true, Ordering::Relaxed) {
            return false;
        }
        self.link
            .node
            .query(vec![self.hand_over_cmd()])
            .await
            .is_ok()
    }

    /// [`Mirror::hand_over`], not waited for (the session's end after a
    /// shutdown, which has handed it over already, mostly: then a no-op).
    pub fn handed_over(&self) {
        if !self.handed.swap(true, Ordering::Relaxed) {
            self.link.node.fire(vec![self.hand_over_cmd()]);
        }
    }

    /// Compare and set: a node that took the session over since keeps it.
    fn hand_over_cmd(&self) -> redis::Cmd {
        let mut c = redis::cmd("EVAL");
        c.arg(
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end \
             redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1",
        )
        .arg(1)
        .arg(self.t())
        .arg(&*self.link.node.id)
        .arg(NO_NODE)
        .arg(self.ttl_ms);
        c
    }

    /// The session ended: nothing to keep.
    pub fn ended(&self) {
        let mut del = redis::cmd("DEL");
        del.arg(self.r()).arg(self.q());
        self.link.node.fire(vec![del]);
        self.link.release_token(&self.token);
    }
}

/// The owner of a session handed over by a node that shut down.
const NO_NODE: &str = "-";

/// Takes over the resumable session `token` of lost node `owner` for this
/// node: `Ok(Some)` with what Redis kept, `Ok(None)` when another node took
/// it first, the owner is alive after all, or Redis kept nothing.
pub(crate) async fn take_over(
    link: &Link,
    token: &str,
    owner: &str,
) -> Result<Option<Kept>, Unavailable> {
    let node = &link.node;
    let t = node.key(&link.svc, "t", token);
    let mut claim = redis::cmd("EVAL");
    claim
        .arg(
            "local o = redis.call('GET', KEYS[1]) \
             if o ~= ARGV[1] then return 0 end \
             if redis.call('EXISTS', ARGV[3]) == 1 then return 0 end \
             redis.call('SET', KEYS[1], ARGV[2], 'EX', 86400) return 1",
        )
        .arg(1)
        .arg(&t)
        .arg(owner)
        .arg(&*node.id)
        .arg(node.node_key(owner));
    let won = node.query(vec![claim]).await?;
    if !matches!(won.first(), Some(Value::Int(1))) {
        tracing::debug!(
            "cluster: a session of lost node {owner}: taken over elsewhere, or not lost"
        );
        return Ok(None);
    }
    let mut h = redis::cmd("HGETALL");
    h.arg(node.key(&link.svc, "r", token));
    let mut l = redis::cmd("LRANGE");
    l.arg(node.key(&link.svc, "q", token)).arg(0).arg(-1);
    let v = node.read(vec![h, l]).await?;
    let mut fields = std::collections::HashMap::new();
    if let Some(Value::Array(items)) = v.first() {
        for pair in items.chunks(2) {
            if let [Value::BulkString(k), Value::BulkString(val)] = pair {
                fields.insert(
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(val).into_owned(),
                );
            }
        }
    }
    if let Some(Value::Map(items)) = v.first() {
        for (k, val) in items {
            if let (Value::BulkString(k), Value::BulkString(val)) = (k, val) {
                fields.insert(
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(val).into_owned(),
                );
            }
        }
    }
    let Some(sid) = fields.get("sid").cloned() else {
        tracing::debug!("cluster: a session of lost node {owner}: nothing kept in Redis (expired)");
        return Ok(None);
    };
    let messages = match v.get(1) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|m| match m {
                Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let num = |k: &str| fields.get(k).and_then(|v| v.parse::<u64>().ok());
    Ok(Some(Kept {
        sid,
        user: fields.get("user").filter(|u| !u.is_empty()).cloned(),
        base: num("base").unwrap_or(1),
        taken: num("in").unwrap_or(0),
        messages,
    }))
}
