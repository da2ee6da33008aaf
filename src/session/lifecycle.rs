//! The sessions of one service and each session's life: opening (after the
//! accept hook), running the handler, the supervisor that keeps the
//! session's time (heartbeats, expiry), and removal, which happens in one
//! place: when the supervisor finds the session over.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use tokio::time::Instant;

use super::registry::Registry;
use super::state::{Timeout, Timing};
use super::{Inner, MessageStream, RequestInfo, Session};
use crate::config::Config;
use crate::error::CloseReason;
use crate::http::RequestError;
use crate::protocol::transport::Transport;

/// The application's per-session handler, type-erased.
pub(crate) type Handler =
    dyn Fn(Session, MessageStream) -> LocalBoxFuture<'static, ()> + Send + Sync;
/// The application's accept hook.
pub(crate) type Accept = dyn Fn(&HttpRequest) -> Result<(), actix_web::Error> + Send + Sync;

/// A service's sessions, with what they are made from.
pub(crate) struct Sessions {
    pub config: Config,
    registry: Registry,
    handler: Arc<Handler>,
    accept: Option<Arc<Accept>>,
}

impl Sessions {
    pub fn new(config: Config, handler: Arc<Handler>, accept: Option<Arc<Accept>>) -> Self {
        Sessions {
            registry: Registry::new(config.max_sessions),
            config,
            handler,
            accept,
        }
    }

    /// Replaces the configuration (the builder, before any session).
    pub fn reconfigure(&mut self, config: Config) {
        self.registry = Registry::new(config.max_sessions);
        self.config = config;
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

    /// The HTTP session `id`, or a new one: the accept hook sees the
    /// request first, then the handler starts.
    pub fn open(
        self: &Arc<Self>,
        req: &HttpRequest,
        id: &str,
        transport: Transport,
    ) -> Result<Arc<Inner>, RequestError> {
        if let Some(inner) = self.registry.get(id) {
            return Ok(inner);
        }
        self.accept(req)?;
        let timing = self.timing(self.config.disconnect_delay);
        let made = self.registry.get_or_insert(id, |key| {
            Inner::new(
                key,
                id,
                transport,
                RequestInfo::from_request(req),
                &self.config,
                timing,
            )
        });
        match made {
            Ok((inner, Some(stream))) => {
                self.start(inner.clone(), stream, None);
                Ok(inner)
            }
            Ok((inner, None)) => Ok(inner),
            Err(_) => Err(RequestError::TooManySessions),
        }
    }

    /// A new WebSocket session (the protocol lets two sockets carry one id,
    /// so it is not registered under it), after the accept hook. It lives
    /// as long as its socket's receiver. `reader` (the socket's reading
    /// side) runs in the session's task, beside the handler.
    pub fn open_socket(
        self: &Arc<Self>,
        req: &HttpRequest,
        id: &str,
        transport: Transport,
        reader: impl FnOnce(Arc<Inner>) -> LocalBoxFuture<'static, ()>,
    ) -> Result<Arc<Inner>, RequestError> {
        self.accept(req)?;
        let key = self
            .registry
            .insert_anonymous()
            .map_err(|_| RequestError::TooManySessions)?;
        let (inner, stream) = Inner::new(
            key,
            id,
            transport,
            RequestInfo::from_request(req),
            &self.config,
            self.timing(Duration::ZERO),
        );
        self.registry.register_anonymous(&inner);
        let reader = reader(inner.clone());
        self.start(inner.clone(), stream, Some(reader));
        Ok(inner)
    }

    fn timing(&self, linger: Duration) -> Timing {
        Timing {
            heartbeat: self.config.heartbeat,
            linger,
        }
    }

    fn accept(&self, req: &HttpRequest) -> Result<(), RequestError> {
        match &self.accept {
            Some(accept) => accept(req).map_err(RequestError::Other),
            None => Ok(()),
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
        let sessions = self.clone();
        actix_rt::spawn(async move {
            let run = async {
                // A panicking handler must not take the session's clean-up
                // with it: the client gets 1011 and the session ends as usual.
                let (code, reason) =
                    match std::panic::AssertUnwindSafe(handler).catch_unwind().await {
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
            // The supervisor is polled first: a session that is over is out
            // of the registry before its handler learns it ended.
            let reader = async move {
                if let Some(reader) = reader {
                    reader.await;
                }
            };
            futures_util::future::join3(sessions.supervise(&inner), run, reader).await;
        });
    }

    /// Keeps the session's time until it is over, then removes it: the one
    /// removal of every session. It sleeps until the state's next deadline
    /// and is woken only when a deadline moves earlier.
    async fn supervise(&self, inner: &Arc<Inner>) {
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        loop {
            let woken = inner.supervisor.notified();
            let deadline = inner.lock().arm();
            match deadline {
                Some(at) => {
                    sleep.as_mut().reset(at);
                    tokio::select! {
                        () = woken => {}
                        () = sleep.as_mut() => {}
                    }
                }
                None => woken.await,
            }
            let due = inner.lock().handle_timeout(Instant::now());
            match due {
                Timeout::Nothing => {}
                Timeout::Heartbeat => inner.wake_receiver(),
                Timeout::Expired => break,
            }
        }
        log::debug!("session {}: over, removed", inner.id());
        // Close hooks and waiters learn it (a no-op if already closed).
        inner.wake_all();
        self.registry.remove(inner);
    }
}
