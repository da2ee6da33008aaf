//! The transports, one file per family, each owning its requests end to
//! end: [`http`] (polling and streaming receivers, and the sends they pair
//! with), [`websocket`] (the RFC 6455 handshake and the pump shared with
//! [`hixie76`]'s legacy framing).

pub(crate) mod hixie76;
pub(crate) mod http;
pub(crate) mod websocket;

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
    /// The session id of the URL (`/<server>/<session>/<transport>`);
    /// empty for the raw WebSocket (`/websocket`).
    pub id: String,
}
