//! Requests that land on a node that does not own their session: found
//! through Redis, relayed to the owner over pub/sub, answered as if local.
//!
//! The node a request lands on keeps the HTTP side (limits, body, framing,
//! the response); the owner runs the session side (the send's delivery, the
//! receiver's frames) and streams frames back. A request's owner that dies
//! ends it; one that does not answer within [`RELAY_TIMEOUT`] gets 504 (a timeout clients retry).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytestring::ByteString;
use redis::Value;
use tokio::sync::{mpsc, oneshot};

use super::wire::{Op, Wire};
use super::{lock, Node, Unavailable, RELAY_TIMEOUT};
use crate::protocol::frame;
use crate::session::{Outgoing, Sessions};

/// How long a relayed poll may wait for its frame before its owner answers
/// it on its own (a poll's answer otherwise goes with its frame): well
/// within [`RELAY_TIMEOUT`], after which the relaying node ends a request
/// not answered.
pub(crate) const ANSWER_BY: std::time::Duration =
    std::time::Duration::from_secs(RELAY_TIMEOUT.as_secs() / 5);

/// Owners looked up lately: session id → (owner, when).
type OwnerCache = Mutex<HashMap<Arc<str>, (Arc<str>, Instant)>>;

/// A service's link to its node: the node, and the service's name in Redis.
#[derive(Clone)]
pub(crate) struct Link {
    pub node: Arc<Node>,
    pub svc: Arc<str>,
    owners: Arc<OwnerCache>,
}

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Here, or nowhere yet (a new session is made here).
    Here,
    /// On this live node.
    Node(Arc<str>),
    /// Its node is gone.
    Lost(Arc<str>),
}

/// What a relaying node waits for.
pub(crate) enum Pending {
    Answer {
        owner: Arc<str>,
        since: Instant,
        tx: oneshot::Sender<Result<(u16, String), Unavailable>>,
    },
    Frames {
        owner: Arc<str>,
        since: Instant,
        answered: bool,
        tx: mpsc::UnboundedSender<Event>,
        /// Bytes of frames received, not yet written to the client.
        buffered: Arc<AtomicUsize>,
        limit: usize,
        /// Until answered, where the answer goes.
        answer: Option<oneshot::Sender<Result<(u16, String), Unavailable>>>,
    },
}

/// A relayed receive's frames, as they come.
#[derive(Debug)]
pub(crate) enum Event {
    Frame(ByteString),
    End,
}

impl Link {
    pub fn new(node: Arc<Node>, svc: &str) -> Link {
        Link {
            node,
            svc: svc.into(),
            owners: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn session_key(&self, id: &str) -> String {
        self.node.key(&self.svc, "s", id)
    }

    /// Where the session `id` is, for a request that did not find it here.
    /// `claim`: a receiving request, which makes a new session here when
    /// nobody owns the id.
    pub async fn locate(&self, id: &str, claim: bool) -> Result<Owner, Unavailable> {
        let cached = lock(&self.owners)
            .get(id)
            .filter(|(_, at)| at.elapsed() < std::time::Duration::from_secs(2))
            .map(|(o, _)| o.clone());
        let owner = match cached {
            Some(o) => Some(o),
            None => {
                let mut c = redis::cmd("GET");
                c.arg(self.session_key(id));
                match self.node.read(vec![c]).await?.into_iter().next() {
                    Some(Value::BulkString(b)) => Some(String::from_utf8_lossy(&b).into()),
                    _ => None,
                }
            }
        };
        let owner: Arc<str> = match owner {
            Some(o) => o,
            None if !claim => return Ok(Owner::Lost("".into())),
            None => {
                // Claimed atomically: of two nodes making the same id, one wins.
                let mut set = redis::cmd("SET");
                set.arg(self.session_key(id))
                    .arg(&*self.node.id)
                    .arg("NX")
                    .arg("EX")
                    .arg(24 * 3600);
                let mut get = redis::cmd("GET");
                get.arg(self.session_key(id));
                let v = self.node.read(vec![set, get]).await?;
                match v.get(1) {
                    Some(Value::BulkString(b)) => String::from_utf8_lossy(b).into(),
                    _ => return Ok(Owner::Here),
                }
            }
        };
        if *owner == *self.node.id {
            return Ok(Owner::Here);
        }
        let alive = self.node.alive(&owner).await?;
        let mut cache = lock(&self.owners);
        if cache.len() > 10_000 {
            cache.clear();
        }
        match alive {
            true => {
                cache.insert(id.into(), (owner.clone(), Instant::now()));
                Ok(Owner::Node(owner))
            }
            false => {
                cache.remove(id);
                Ok(Owner::Lost(owner))
            }
        }
    }

    /// Where the resumable session with `token` is (`Lost("")`: nowhere).
    pub async fn locate_token(&self, token: &str) -> Result<Owner, Unavailable> {
        let mut c = redis::cmd("GET");
        c.arg(self.node.key(&self.svc, "t", token));
        let owner: Arc<str> = match self.node.read(vec![c]).await?.into_iter().next() {
            Some(Value::BulkString(b)) => String::from_utf8_lossy(&b).into(),
            _ => return Ok(Owner::Lost("".into())),
        };
        if *owner == *self.node.id {
            return Ok(Owner::Here);
        }
        match self.node.alive(&owner).await? {
            true => Ok(Owner::Node(owner)),
            false => Ok(Owner::Lost(owner)),
        }
    }

    /// Records that the resumable session with `token` is here.
    pub fn claim_token(&self, token: &str) {
        let mut set = redis::cmd("SET");
        set.arg(self.node.key(&self.svc, "t", token))
            .arg(&*self.node.id)
            .arg("EX")
            .arg(24 * 3600);
        self.node.fire(vec![set]);
    }

    /// Forgets `token` if it is this node's.
    pub fn release_token(&self, token: &str) {
        let mut c = redis::cmd("EVAL");
        c.arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
            .arg(1)
            .arg(self.node.key(&self.svc, "t", token))
            .arg(&*self.node.id);
        self.node.fire(vec![c]);
    }

    /// Claims `id` for this node (a session made here while Redis was away,
    /// or an alias of a resumed one).
    pub fn claim(&self, id: &str) {
        let mut set = redis::cmd("SET");
        set.arg(self.session_key(id))
            .arg(&*self.node.id)
            .arg("EX")
            .arg(24 * 3600);
        self.node.fire(vec![set]);
    }

    /// Forgets `id`'s owner if it is this node (the session ended).
    pub fn release(&self, id: &str) {
        let mut c = redis::cmd("EVAL");
        c.arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
            .arg(1)
            .arg(self.session_key(id))
            .arg(&*self.node.id);
        self.node.fire(vec![c]);
    }

    /// Forgets a lost node's claim on `id`.
    pub fn forget(&self, id: &str, owner: &str) {
        let mut c = redis::cmd("EVAL");
        c.arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
            .arg(1)
            .arg(self.session_key(id))
            .arg(owner);
        self.node.fire(vec![c]);
        lock(&self.owners).remove(id);
    }

    /// Relays a send to `owner`; its answer (status, text).
    pub async fn send(
        &self,
        owner: &Arc<str>,
        sid: &str,
        query: &str,
        messages: Vec<String>,
    ) -> Result<(u16, String), Unavailable> {
        let id = self.node.next_id();
        let (tx, rx) = oneshot::channel();
        lock(&self.node.pending).insert(
            id,
            Pending::Answer {
                owner: owner.clone(),
                since: Instant::now(),
                tx,
            },
        );
        self.node.tell(
            owner,
            &Wire::Req {
                id,
                from: self.node.id.to_string(),
                svc: self.svc.to_string(),
                op: Op::Send {
                    sid: sid.to_owned(),
                    query: query.to_owned(),
                    messages,
                },
            },
        );
        rx.await.unwrap_or(Err(Unavailable))
    }

    /// Relays a receiving request to `owner`: its answer, and when it is a
    /// go (`ok`), the frames. `limit`: bytes the relay may hold for a client
    /// that reads slowly, before it gives up on it.
    #[allow(clippy::too_many_arguments)]
    pub async fn receive(
        &self,
        owner: &Arc<str>,
        sid: &str,
        transport: &str,
        query: &str,
        streaming: bool,
        response_limit: usize,
        limit: usize,
    ) -> Result<Result<Frames, (u16, String)>, Unavailable> {
        let id = self.node.next_id();
        let (answer_tx, answer_rx) = oneshot::channel();
        let (tx, rx) = mpsc::unbounded_channel();
        let buffered = Arc::new(AtomicUsize::new(0));
        lock(&self.node.pending).insert(
            id,
            Pending::Frames {
                owner: owner.clone(),
                since: Instant::now(),
                answered: false,
                tx,
                buffered: buffered.clone(),
                limit,
                answer: Some(answer_tx),
            },
        );
        let frames = Frames {
            node: self.node.clone(),
            owner: owner.clone(),
            id,
            rx,
            buffered,
            ended: false,
        };
        self.node.tell(
            owner,
            &Wire::Req {
                id,
                from: self.node.id.to_string(),
                svc: self.svc.to_string(),
                op: Op::Recv {
                    sid: sid.to_owned(),
                    transport: transport.to_owned(),
                    query: query.to_owned(),
                    streaming,
                    limit: response_limit,
                    framed_answer: true,
                },
            },
        );
        match answer_rx.await.unwrap_or(Err(Unavailable))? {
            (200, _) => Ok(Ok(frames)),
            other => Ok(Err(other)),
        }
    }
}

/// The frames of a relayed receive. Dropping it before the end (the client
/// went away) tells the owner, which then detaches as for an aborted request.
pub(crate) struct Frames {
    node: Arc<Node>,
    owner: Arc<str>,
    id: u64,
    rx: mpsc::UnboundedReceiver<Event>,
    buffered: Arc<AtomicUsize>,
    ended: bool,
}

impl Frames {
    /// The next frame, or `None` at the end.
    pub async fn next(&mut self) -> Option<ByteString> {
        if self.ended {
            return None;
        }
        match self.rx.recv().await {
            Some(Event::Frame(f)) => {
                self.buffered.fetch_sub(f.len(), Ordering::Relaxed);
                Some(f)
            }
            Some(Event::End) | None => {
                self.ended = true;
                None
            }
        }
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        let was = lock(&self.node.pending).remove(&self.id);
        if was.is_some() && !self.ended {
            self.node.tell(
                &self.owner,
                &Wire::Abort {
                    id: self.id,
                    from: self.node.id.to_string(),
                },
            );
        }
    }
}

// ------------------------------------------------------------ on the wire

/// A message from another node (on the node's Redis thread).
pub(crate) fn received(node: &Arc<Node>, wire: Wire) {
    match wire {
        Wire::Req { id, from, svc, op } => {
            let node = node.clone();
            tokio::task::spawn_local(async move { serve(node, id, from, svc, op).await });
        }
        Wire::Answer {
            id,
            status,
            body,
            ok,
        } => {
            let mut pending = lock(&node.pending);
            match pending.get_mut(&id) {
                Some(Pending::Frames {
                    answered, answer, ..
                }) if ok => {
                    *answered = true;
                    if let Some(a) = answer.take() {
                        let _ = a.send(Ok((200, String::new())));
                    }
                }
                Some(_) => {
                    if let Some(p) = pending.remove(&id) {
                        answer_with(p, Ok((status, body)));
                    }
                }
                None => {}
            }
        }
        Wire::Frame { id, frame, end } => {
            let mut pending = lock(&node.pending);
            let Some(Pending::Frames {
                tx,
                buffered,
                limit,
                owner,
                answered,
                answer,
                ..
            }) = pending.get_mut(&id)
            else {
                return;
            };
            // A poll's answer may come with its frame (`framed_answer`).
            if let Some(a) = answer.take() {
                *answered = true;
                let _ = a.send(Ok((200, String::new())));
            }
            if !frame.is_empty() {
                let now = buffered.fetch_add(frame.len(), Ordering::Relaxed) + frame.len();
                if now > *limit {
                    // The client reads slower than its session writes:
                    // give up on this request, as a local one would block.
                    tracing::debug!("cluster: relayed receive {id}: client too slow, ended");
                    let owner = owner.clone();
                    let _ = tx.send(Event::End);
                    pending.remove(&id);
                    node.tell(
                        &owner,
                        &Wire::Abort {
                            id,
                            from: node.id.to_string(),
                        },
                    );
                    return;
                }
                let _ = tx.send(Event::Frame(frame.into()));
            }
            if end {
                let _ = tx.send(Event::End);
                pending.remove(&id);
            }
        }
        Wire::Abort { id, from } => {
            if let Some(stop) = lock(&node.serving).remove(&(from, id)) {
                let _ = stop.send(());
            }
        }
    }
}

fn answer_with(p: Pending, result: Result<(u16, String), Unavailable>) {
    match p {
        Pending::Answer { tx, .. } => {
            let _ = tx.send(result);
        }
        Pending::Frames { answer, tx, .. } => {
            if let Some(a) = answer {
                let _ = a.send(result);
            }
            let _ = tx.send(Event::End);
        }
    }
}

/// Ends relayed requests whose owner is gone, and those never answered.
pub(crate) async fn check_pending(node: &Arc<Node>) {
    let owners: Vec<(u64, Arc<str>, bool)> = lock(&node.pending)
        .iter()
        .map(|(id, p)| match p {
            Pending::Answer { owner, since, .. } => {
                (*id, owner.clone(), since.elapsed() > RELAY_TIMEOUT)
            }
            Pending::Frames {
                owner,
                since,
                answered,
                ..
            } => (
                *id,
                owner.clone(),
                !answered && since.elapsed() > RELAY_TIMEOUT,
            ),
        })
        .collect();
    let mut dead: HashMap<Arc<str>, bool> = HashMap::new();
    for (id, owner, overdue) in owners {
        let gone = match dead.get(&owner) {
            Some(d) => *d,
            None => {
                let d = !node.alive(&owner).await.unwrap_or(true);
                dead.insert(owner.clone(), d);
                d
            }
        };
        if overdue || gone {
            if let Some(p) = lock(&node.pending).remove(&id) {
                if overdue {
                    tracing::debug!("cluster: relayed request {id} to {owner} not answered");
                }
                // 504, not 503: a gateway's timeout, which clients retry
                // (client-js takes 503 as a refusal); the session may be
                // taken over by then.
                answer_with(
                    p,
                    Ok((504, "The session's node did not answer.".to_owned())),
                );
            }
        }
    }
}

/// Serves a request another node relayed here (on the Redis thread).
async fn serve(node: Arc<Node>, id: u64, from: String, svc: String, op: Op) {
    let answer = |status: u16, body: &str, ok: bool| Wire::Answer {
        id,
        status,
        body: body.to_owned(),
        ok,
    };
    let Some(sessions) = node.service(&svc) else {
        node.tell(&from, &answer(404, "Not found.", false));
        return;
    };
    match op {
        Op::Send {
            sid,
            query,
            messages,
        } => {
            let (status, body) =
                match crate::transport::http::relayed_send(&sessions, &sid, &query, messages).await
                {
                    Ok(jsonp_ok) => (204, jsonp_ok),
                    Err(e) => (e.status_code_u16(), e.to_string()),
                };
            node.tell(&from, &answer(status, &body, false));
        }
        Op::Recv {
            sid,
            transport,
            query,
            streaming,
            limit,
            framed_answer,
        } => {
            let opened =
                crate::transport::http::relayed_receive(&sessions, &sid, &transport, &query);
            let source = match opened {
                Ok(s) => s,
                Err(e) => {
                    node.tell(&from, &answer(e.status_code_u16(), &e.to_string(), false));
                    return;
                }
            };
            // A stream is answered at once (its head leaves then). A poll's
            // answer goes with its frame when the relaying node takes that,
            // one message instead of two: at once when the frame is ready,
            // else when it comes, unless the poll waits past ANSWER_BY, when
            // it is answered first so that the relaying node does not end
            // it as unanswered (RELAY_TIMEOUT).
            let mut answered = streaming || !framed_answer;
            if answered {
                node.tell(&from, &answer(200, "", true));
            }
            let mut attachment = match source {
                crate::transport::http::Source::One(f) => {
                    node.tell(
                        &from,
                        &Wire::Frame {
                            id,
                            frame: f.to_string(),
                            end: true,
                        },
                    );
                    return;
                }
                crate::transport::http::Source::Attached(a) => a,
            };
            let (stop_tx, mut stop) = oneshot::channel();
            lock(&node.serving).insert((from.clone(), id), stop_tx);
            let mut remaining = limit;
            // Registered in the timer wheel only if polled: a frame that is
            // ready (`biased`, the attachment first) never polls it.
            let mut answer_by = std::pin::pin!(tokio::time::sleep(ANSWER_BY));
            loop {
                let out = tokio::select! {
                    biased;
                    out = attachment.next() => out,
                    _ = &mut stop => {
                        // The client went away: an aborted request.
                        drop(attachment);
                        return;
                    }
                    _ = &mut answer_by, if !answered => {
                        answered = true;
                        node.tell(&from, &answer(200, "", true));
                        continue;
                    }
                };
                if matches!(out, Outgoing::Kick) {
                    attachment.complete();
                    node.tell(
                        &from,
                        &Wire::Frame {
                            id,
                            frame: String::new(),
                            end: true,
                        },
                    );
                    break;
                }
                let last = matches!(out, Outgoing::Close(_));
                let f = crate::transport::http::frame_of(out);
                remaining = remaining.saturating_sub(f.len() + 2);
                let end = last || !streaming || remaining == 0;
                if end {
                    attachment.complete();
                }
                node.tell(
                    &from,
                    &Wire::Frame {
                        id,
                        frame: f.to_string(),
                        end,
                    },
                );
                if end {
                    break;
                }
            }
            lock(&node.serving).remove(&(from, id));
        }
    }
}

/// After Redis came back (perhaps empty): claims this service's sessions
/// again, and closes any another node took meanwhile.
pub(crate) fn reclaim(node: &Arc<Node>, svc: &str, sessions: &Arc<Sessions>) {
    let link = Link::new(node.clone(), svc);
    let ids: Vec<(Arc<str>, Arc<crate::session::Inner>)> = sessions
        .all()
        .into_iter()
        .filter_map(|i| i.named_id().map(|id| (id, i)))
        .collect();
    if ids.is_empty() {
        return;
    }
    let node = node.clone();
    tokio::task::spawn_local(async move {
        for chunk in ids.chunks(256) {
            let cmds: Vec<redis::Cmd> = chunk
                .iter()
                .map(|(id, _)| {
                    let mut c = redis::cmd("EVAL");
                    c.arg("redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', 86400) return redis.call('GET', KEYS[1])")
                        .arg(1)
                        .arg(link.session_key(id))
                        .arg(&*node.id);
                    c
                })
                .collect();
            // The command link may come back a little after pub/sub.
            let mut values = None;
            for _ in 0..50 {
                match node.query(cmds.clone()).await {
                    Ok(v) => {
                        values = Some(v);
                        break;
                    }
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
            let Some(values) = values else {
                tracing::warn!(
                    "cluster: could not claim this node's sessions again after Redis came back"
                );
                return;
            };
            for ((id, inner), v) in chunk.iter().zip(values) {
                let mine = matches!(&v, Value::BulkString(b) if b.as_slice() == node.id.as_bytes());
                if !mine {
                    tracing::warn!("cluster: session {id} was taken by another node while Redis was away; closing it here");
                    inner.close(crate::CloseReason::Server {
                        code: 1012,
                        reason: "Session moved".to_owned(),
                    });
                }
            }
        }
    });
}

/// The close frame of a session whose node is gone.
pub(crate) fn lost_frame() -> ByteString {
    frame::close(1012, "Session lost with its node")
}
