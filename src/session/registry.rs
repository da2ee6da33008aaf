//! The sessions of one service. Lookups clone an `Arc` out, so the lock is
//! only held for the map operation itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::Inner;

/// How a session is found: HTTP sessions by the id the client chose;
/// WebSocket sessions are anonymous (the protocol lets two sockets share
/// an id) and only counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    Named(Arc<str>),
    Anonymous(u64),
}

pub(crate) struct Registry {
    named: Mutex<HashMap<Arc<str>, Arc<Inner>>>,
    /// Resumable sessions by their resume token.
    tokens: Mutex<HashMap<Arc<str>, Arc<Inner>>>,
    anonymous: Mutex<HashMap<u64, Arc<Inner>>>,
    /// Sessions by the user the accept hook named.
    users: Mutex<HashMap<Arc<str>, Vec<Arc<Inner>>>>,
    /// Slots reserved by [`Registry::insert_anonymous`], registered or not.
    anonymous_count: AtomicUsize,
    next_anonymous: AtomicU64,
    max: usize,
}

/// The registry is at its session bound.
#[derive(Debug)]
pub(crate) struct Full;

/// What [`Registry::alias`] did.
pub(crate) struct Aliased {
    /// The oldest alias, no longer a name of the session (a cluster
    /// releases its claim).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub forgotten: Option<Arc<str>>,
}

impl Registry {
    pub fn new(max: usize) -> Self {
        Registry {
            named: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            anonymous: Mutex::new(HashMap::new()),
            users: Mutex::new(HashMap::new()),
            anonymous_count: AtomicUsize::new(0),
            next_anonymous: AtomicU64::new(0),
            max,
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<Arc<str>, Arc<Inner>>> {
        lock(&self.named)
    }

    /// Live sessions, named and anonymous.
    pub fn len(&self) -> usize {
        self.map().len() + self.anonymous_count.load(Ordering::Relaxed)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Inner>> {
        self.map().get(id).cloned()
    }

    /// The session with this id, or a new one made by `make` (which must
    /// not block: it runs under the registry lock). The bool is true when
    /// it was created.
    pub fn get_or_insert<T>(
        &self,
        id: &str,
        make: impl FnOnce(Key) -> (Arc<Inner>, T),
    ) -> Result<(Arc<Inner>, Option<T>), Full> {
        let mut map = self.map();
        if let Some(s) = map.get(id) {
            return Ok((s.clone(), None));
        }
        if map.len() + self.anonymous_count.load(Ordering::Relaxed) >= self.max {
            return Err(Full);
        }
        let key: Arc<str> = id.into();
        let (inner, extra) = make(Key::Named(key.clone()));
        map.insert(key, inner.clone());
        Ok((inner, Some(extra)))
    }

    /// Reserves a slot for an anonymous (WebSocket) session.
    pub fn insert_anonymous(&self) -> Result<Key, Full> {
        let live = self.anonymous_count.fetch_add(1, Ordering::Relaxed);
        if live + self.map().len() >= self.max {
            self.anonymous_count.fetch_sub(1, Ordering::Relaxed);
            return Err(Full);
        }
        Ok(Key::Anonymous(
            self.next_anonymous.fetch_add(1, Ordering::Relaxed),
        ))
    }

    /// Registers an anonymous session in the slot [`Registry::insert_anonymous`] reserved.
    pub fn register_anonymous(&self, inner: &Arc<Inner>) {
        if let Key::Anonymous(n) = inner.key {
            lock(&self.anonymous).insert(n, inner.clone());
        }
    }

    /// Registers a session under its user, if it has one.
    pub fn register_user(&self, inner: &Arc<Inner>) {
        if let Some(user) = inner.user() {
            lock(&self.users)
                .entry(user.clone())
                .or_default()
                .push(inner.clone());
        }
    }

    /// The live sessions of `user`.
    pub fn of_user(&self, user: &str) -> Vec<Arc<Inner>> {
        lock(&self.users).get(user).cloned().unwrap_or_default()
    }

    /// Registers a resumable session under its token.
    pub fn register_token(&self, token: Arc<str>, inner: &Arc<Inner>) {
        lock(&self.tokens).insert(token, inner.clone());
    }

    /// The resumable session with this token.
    pub fn by_token(&self, token: &str) -> Option<Arc<Inner>> {
        lock(&self.tokens).get(token).cloned()
    }

    /// Makes `id` another name of `inner` (a resumable session that came
    /// back on a new URL); `None` when `id` names another session. Past
    /// [`MAX_ALIASES`](super::MAX_ALIASES) the oldest alias is forgotten.
    pub fn alias(&self, id: &str, inner: &Arc<Inner>) -> Option<Aliased> {
        let mut map = self.map();
        match map.get(id) {
            Some(s) => Arc::ptr_eq(s, inner).then_some(Aliased { forgotten: None }),
            None => {
                let id: Arc<str> = id.into();
                map.insert(id.clone(), inner.clone());
                let forgotten = inner.add_alias(id);
                if let Some(old) = &forgotten {
                    if map.get(old).is_some_and(|s| Arc::ptr_eq(s, inner)) {
                        map.remove(old);
                    }
                }
                Some(Aliased { forgotten })
            }
        }
    }

    /// Every live session, cloned out so no lock is held while using them.
    pub fn all(&self) -> Vec<Arc<Inner>> {
        let mut all: Vec<Arc<Inner>> = self.map().values().cloned().collect();
        all.extend(lock(&self.anonymous).values().cloned());
        all
    }

    /// The one removal path for every session: its id, the ids it came
    /// back on, its token.
    pub fn remove(&self, inner: &Arc<Inner>) {
        self.unname(inner);
        if let Key::Anonymous(n) = inner.key {
            lock(&self.anonymous).remove(&n);
            self.anonymous_count.fetch_sub(1, Ordering::Relaxed);
        }
        if let Some(user) = inner.user() {
            let mut users = lock(&self.users);
            if let Some(list) = users.get_mut(user) {
                list.retain(|s| !Arc::ptr_eq(s, inner));
                if list.is_empty() {
                    users.remove(user);
                }
            }
        }
    }

    /// `inner` no longer answers to its ids or its token here (each still
    /// its own): a session handed over to another node, which this node
    /// keeps only until it is over. Also the first step of
    /// [`Registry::remove`].
    pub fn unname(&self, inner: &Arc<Inner>) {
        let aliases = inner.aliases();
        {
            let mut map = self.map();
            let own = match &inner.key {
                Key::Named(id) => Some(id),
                Key::Anonymous(_) => None,
            };
            for id in own.into_iter().chain(aliases.iter()) {
                if map.get(id).is_some_and(|s| Arc::ptr_eq(s, inner)) {
                    map.remove(id);
                }
            }
        }
        if let Some(token) = inner.lock().token().cloned() {
            let mut tokens = lock(&self.tokens);
            if tokens.get(&token).is_some_and(|s| Arc::ptr_eq(s, inner)) {
                tokens.remove(&token);
            }
        }
    }
}

/// A mutex's guard, poisoned or not.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
