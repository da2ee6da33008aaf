//! The transports, one file per family, each owning its requests end to
//! end: [`http`] (polling and streaming receivers, and the sends they pair
//! with), [`websocket`] (the RFC 6455 handshake and the pump shared with
//! [`hixie76`]'s legacy framing).

pub(crate) mod hixie76;
pub(crate) mod http;
pub(crate) mod websocket;

use std::ops::Range;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::HttpRequest;

pub use crate::protocol::transport::Transport;
use crate::session::Sessions;

/// One request for a session route, as the router hands it to a transport.
pub(crate) struct SessionRequest {
    pub sessions: Arc<Sessions>,
    pub http: HttpRequest,
    pub payload: Payload,
    /// Where the session id of the URL (`/<server>/<session>/<transport>`)
    /// is in the path under the service's prefix; empty for the raw
    /// WebSocket (`/websocket`). Kept as a place, not a copy: read with
    /// [`SessionRequest::id`].
    id_at: Range<usize>,
}

impl SessionRequest {
    pub fn new(
        sessions: Arc<Sessions>,
        http: HttpRequest,
        payload: Payload,
        id_at: Range<usize>,
    ) -> Self {
        SessionRequest {
            sessions,
            http,
            payload,
            id_at,
        }
    }

    /// The session id of the URL (empty for the raw WebSocket).
    pub fn id(&self) -> &str {
        session_id(&self.http, &self.id_at)
    }
}

/// The session id at `at` in `req`'s path under the service's prefix.
fn session_id<'a>(req: &'a HttpRequest, at: &Range<usize>) -> &'a str {
    req.match_info()
        .unprocessed()
        .get(at.clone())
        .unwrap_or_default()
}
