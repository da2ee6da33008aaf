//! Sending one message to many sessions, encoded once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::error::TrySendError;
use crate::protocol::message::Message;
use crate::session::{Inner, Session};

/// What a broadcast did, receiver by receiver.
///
/// ```
/// let report = actix_sockjs::BroadcastReport::default();
/// assert_eq!(report.queued + report.dropped + report.closed, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastReport {
    /// Sessions that queued the message.
    pub queued: usize,
    /// Sessions whose queue was full: the message was dropped for them
    /// ([`Overflow::Wait`](crate::Overflow::Wait) and
    /// [`Overflow::Refuse`](crate::Overflow::Refuse): a broadcast never waits).
    pub dropped: usize,
    /// Sessions that were closed, or were closed by this broadcast under
    /// [`Overflow::Close`](crate::Overflow::Close).
    pub closed: usize,
}

pub(crate) fn send_all<'a>(
    sessions: impl Iterator<Item = &'a Inner>,
    message: Message,
) -> BroadcastReport {
    // Encode the frame once; every receiver shares its bytes.
    let message = match message.frame() {
        Some(_) => message,
        None => Message::prepared(message.text().clone()),
    };
    let mut report = BroadcastReport::default();
    for inner in sessions {
        match inner.offer(message.clone()) {
            Ok(()) => report.queued += 1,
            Err(TrySendError::Full(_)) => report.dropped += 1,
            Err(TrySendError::Closed(_)) => report.closed += 1,
        }
    }
    if report.dropped + report.closed > 0 {
        tracing::debug!("broadcast: {report:?}");
    }
    report
}

/// A set of sessions to broadcast to: a chat room, a ticker's subscribers.
/// A session leaves its groups by itself when it ends. Clone it freely; the
/// clones share members.
///
/// ```no_run
/// use actix_sockjs::{Group, MessageStream, Session, SockJs};
///
/// let room = Group::new();
/// let sockjs = SockJs::new(move |session: Session, mut messages: MessageStream| {
///     let room = room.clone();
///     async move {
///         room.join(&session);
///         while let Some(text) = messages.recv().await {
///             room.broadcast(text); // to everyone, the sender included
///         }
///     }
/// });
/// # drop(sockjs);
/// ```
#[derive(Clone, Default)]
pub struct Group {
    inner: Arc<GroupInner>,
}

#[derive(Default)]
pub(crate) struct GroupInner {
    members: Mutex<HashMap<usize, Session>>,
    /// A named group of a clustered service: broadcasts reach its members
    /// on every node.
    #[cfg(feature = "redis")]
    link: std::sync::OnceLock<(Arc<crate::cluster::Node>, Arc<str>, String)>,
}

/// Delivers `message` to a group's members on this node (a broadcast from
/// another node).
#[cfg(feature = "redis")]
pub(crate) fn deliver_local(group: &GroupInner, message: Message) -> BroadcastReport {
    let members: Vec<Session> = group.members().values().cloned().collect();
    send_all(members.iter().map(|s| &*s.inner), message)
}

impl GroupInner {
    fn members(&self) -> MutexGuard<'_, HashMap<usize, Session>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn key(session: &Session) -> usize {
    Arc::as_ptr(&session.inner) as usize
}

/// Named groups by name (a service's, or a node's by channel), and how
/// many there were when the unused ones were last forgotten.
#[derive(Default)]
pub(crate) struct Named<V> {
    pub by_name: HashMap<String, V>,
    swept_at: usize,
}

impl<V> Named<V> {
    /// Forgets the entries `unused` says nobody needs, once the map has
    /// doubled since it last did (so each look is paid for by the names
    /// added since). Names can come from clients (a chat room, a STOMP
    /// destination): kept for ever, a client naming a new one in each
    /// request grew the map without bound.
    pub fn forget_unused(&mut self, unused: impl Fn(&V) -> bool) {
        if self.by_name.len() < (2 * self.swept_at).max(64) {
            return;
        }
        self.by_name.retain(|_, v| !unused(v));
        self.swept_at = self.by_name.len();
    }
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("members", &self.len())
            .finish()
    }
}

impl Group {
    /// True when both handles are of one group.
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &Group) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// True when the group has no member and this is its only handle.
    pub(crate) fn unused(&self) -> bool {
        Arc::strong_count(&self.inner) == 1 && self.is_empty()
    }

    /// An empty group.
    ///
    /// ```
    /// let room = actix_sockjs::Group::new();
    /// assert!(room.is_empty());
    /// ```
    pub fn new() -> Self {
        Group::default()
    }

    /// Adds a session. It leaves again when it ends (or on [`Group::leave`]).
    /// Joining twice is the same as once.
    ///
    /// ```
    /// # async fn demo(room: actix_sockjs::Group, session: actix_sockjs::Session) {
    /// room.join(&session);
    /// # }
    /// ```
    pub fn join(&self, session: &Session) {
        let k = key(session);
        let group: Weak<GroupInner> = Arc::downgrade(&self.inner);
        let closed = {
            // The hook is kept with the members locked, so a `leave` at the
            // same time cannot drop it after this join (see `leave`).
            let mut members = self.inner.members();
            if members.insert(k, session.clone()).is_some() {
                return;
            }
            session.inner.on_close(
                self.hook_key(),
                Box::new(move || {
                    if let Some(g) = group.upgrade() {
                        g.members().remove(&k);
                    }
                }),
            )
        };
        // Closed already: it leaves at once.
        if let Some(hook) = closed {
            hook();
        }
    }

    /// The key of this group's close hook in its members: a live group's
    /// address is its own (a group at the address of one dropped replaces
    /// that one's hook, which had nothing left to do).
    fn hook_key(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// Removes a session.
    ///
    /// ```
    /// # async fn demo(room: actix_sockjs::Group, session: actix_sockjs::Session) {
    /// room.leave(&session);
    /// # }
    /// ```
    pub fn leave(&self, session: &Session) {
        let mut members = self.inner.members();
        if members.remove(&key(session)).is_some() {
            session.inner.forget_on_close(self.hook_key());
        }
    }

    /// Members now.
    ///
    /// ```
    /// let room = actix_sockjs::Group::new();
    /// assert_eq!(room.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.members().len()
    }

    /// True with no members.
    ///
    /// ```
    /// assert!(actix_sockjs::Group::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The members now, cloned out.
    ///
    /// ```
    /// # fn demo(room: actix_sockjs::Group) {
    /// for member in room.sessions() {
    ///     println!("{} is in the room", member.id());
    /// }
    /// # }
    /// ```
    pub fn sessions(&self) -> Vec<Session> {
        self.inner.members().values().cloned().collect()
    }

    /// Sends `message` to every member, encoding its frame once. Never
    /// waits: see [`BroadcastReport`] for what happens at a full queue. A
    /// named group of a clustered service ([`SockJs::group`](crate::SockJs::group))
    /// also reaches its members on the other nodes, in the order each node
    /// published (the report counts this node's members).
    ///
    /// ```
    /// let room = actix_sockjs::Group::new();
    /// let report = room.broadcast(actix_sockjs::Message::prepared("tick"));
    /// assert_eq!(report.queued, 0); // nobody joined yet
    /// ```
    pub fn broadcast(&self, message: impl Into<Message>) -> BroadcastReport {
        let message = message.into();
        #[cfg(feature = "redis")]
        if let Some((node, svc, name)) = self.inner.link.get() {
            node.publish(svc, name, message.as_str());
        }
        let members = self.sessions();
        send_all(members.iter().map(|s| &*s.inner), message)
    }

    /// A named group of a clustered service.
    #[cfg(feature = "redis")]
    pub(crate) fn clustered(node: Arc<crate::cluster::Node>, svc: Arc<str>, name: &str) -> Group {
        let g = Group::new();
        node.add_group(&svc, name, &g.inner);
        let _ = g.inner.link.set((node, svc, name.to_owned()));
        g
    }

    /// Sends each member on this node the message `build` makes for it (`None`: skip
    /// it), for payloads that differ by recipient, such as STOMP's
    /// per-subscription `MESSAGE` headers. Never waits, like
    /// [`Group::broadcast`]. Members that get the same payload should get
    /// the same [`Message::prepared`]: build each variant once and clone it
    /// (as below), and its frame is encoded once for all of them.
    ///
    /// ```no_run
    /// use std::collections::HashMap;
    /// use actix_sockjs::{Group, Message};
    ///
    /// # fn demo(room: Group, subscription_of: impl Fn(&actix_sockjs::Session) -> Option<String>) {
    /// let body = "hello";
    /// let mut variants: HashMap<String, Message> = HashMap::new();
    /// room.broadcast_with(|member| {
    ///     let sub = subscription_of(member)?;
    ///     let m = variants.entry(sub.clone()).or_insert_with(|| {
    ///         Message::prepared(format!("MESSAGE\nsubscription:{sub}\n\n{body}\0"))
    ///     });
    ///     Some(m.clone())
    /// });
    /// # }
    /// ```
    pub fn broadcast_with(
        &self,
        mut build: impl FnMut(&Session) -> Option<Message>,
    ) -> BroadcastReport {
        let mut report = BroadcastReport::default();
        for member in self.sessions() {
            let Some(message) = build(&member) else {
                continue;
            };
            match member.inner.offer(message) {
                Ok(()) => report.queued += 1,
                Err(TrySendError::Full(_)) => report.dropped += 1,
                Err(TrySendError::Closed(_)) => report.closed += 1,
            }
        }
        report
    }

    /// Like [`Group::broadcast`], skipping one member (usually the sender).
    ///
    /// ```
    /// # fn demo(room: actix_sockjs::Group, sender: actix_sockjs::Session) {
    /// room.broadcast_except(&sender, "someone said hi");
    /// # }
    /// ```
    pub fn broadcast_except(
        &self,
        except: &Session,
        message: impl Into<Message>,
    ) -> BroadcastReport {
        let message = message.into();
        #[cfg(feature = "redis")]
        if let Some((node, svc, name)) = self.inner.link.get() {
            node.publish(svc, name, message.as_str());
        }
        let members = self.sessions();
        send_all(
            members.iter().filter(|s| *s != except).map(|s| &*s.inner),
            message,
        )
    }
}
