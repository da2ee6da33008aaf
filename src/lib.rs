//! SockJS for actix-web: WebSocket-like messaging that keeps working where
//! WebSocket does not — old browsers, corporate proxies that strip
//! `Upgrade`, networks that buffer streams.
//!
//! One async handler per session, in the style of actix-ws: a [`Session`]
//! handle to send and close, and a [`MessageStream`] of what the client
//! sends. A [`SockJs`] service runs it over every SockJS transport
//! ([`Transport`]): WebSocket, XHR streaming, EventSource, htmlfile, XHR
//! polling, JSONP polling, raw WebSocket and hixie-76. It is wire-compatible
//! with sockjs-client 1.x and Spring's SockJS clients, and ships its own
//! client ([`client_js`]).
//!
//! ```no_run
//! use actix_sockjs::{MessageStream, Session, SockJs};
//! use actix_web::{App, HttpServer};
//!
//! async fn echo(session: Session, mut messages: MessageStream) {
//!     while let Some(text) = messages.recv().await {
//!         if session.send(text).await.is_err() {
//!             break;
//!         }
//!     }
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let sockjs = SockJs::new(echo); // once, outside the closure: shared by every worker
//!     HttpServer::new(move || App::new().service(sockjs.scope("/echo")))
//!         .h1_allow_half_closed(false) // notice aborted polls at once
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! # Where things are
//!
//! - **The service and its settings:** [`SockJs`] (every setting is a
//!   builder method; every default a constant in [`config`]), mounted with
//!   [`SockJs::scope`]. Settings: [`SockJs::heartbeat`],
//!   [`SockJs::disconnect_delay`], [`SockJs::allowed_origins`]
//!   ([`AllowedOrigins`]), [`SockJs::websocket`], [`SockJs::cookie_needed`],
//!   [`SockJs::sockjs_url`].
//! - **Limits** (nothing a client causes grows without a bound):
//!   [`SockJs::max_message_size`], [`SockJs::body_timeout`],
//!   [`SockJs::queue_limit`] with [`SockJs::overflow`] ([`Overflow`]),
//!   [`SockJs::inbound_limit`], [`SockJs::max_sessions`],
//!   [`SockJs::buffer_budget`].
//! - **A session:** [`Session`] ([`Session::send`], [`Session::try_send`]
//!   and [`TrySendError`], [`Session::close`], [`Session::closed`] and
//!   [`CloseReason`], [`Session::request`] and [`RequestInfo`],
//!   [`Session::key`] and [`SessionKey`]); [`MessageStream`].
//! - **Who connects:** [`SockJs::accept`], an async hook that lets a session
//!   in ([`Accepted`]: its user, any data, read with [`Session::user`] and
//!   [`Session::data`]) or refuses it ([`Refusal`]: a status and a reason the
//!   client reads); [`SockJs::sessions_of`], [`SockJs::close_user`].
//! - **Many at once:** [`Message::prepared`] encodes a frame once; [`Group`]
//!   ([`Group::broadcast`], [`Group::broadcast_with`] for per-member
//!   payloads) and [`SockJs::broadcast`] report with [`BroadcastReport`].
//! - **Dropped connections:** the resume extension ([`SockJs::resume`],
//!   [`SockJs::resume_window`], [`SockJs::client_heartbeat`];
//!   `docs/resume.md` specifies it): with client-js nothing is lost,
//!   duplicated or reordered across drops, on every transport.
//! - **Operations:** [`SockJs::shutdown`] and [`shutdown_signal`] (graceful
//!   stop, `c[1012,"Server restarting"]`), [`metrics`] (Prometheus, with
//!   [`SockJs::name`] labels them), [`drop_stalled_connections`] (a write
//!   deadline, by the kernel), logs through `tracing` (a span per session;
//!   `log` records too, for `log` users). `docs/production.md` is the
//!   operator's guide, with a tested nginx configuration.
//!
//! The repository's README has the protocol conformance, browser and
//! performance figures, and how the code is laid out.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod accept;
mod broadcast;
pub mod client_js;
#[cfg(feature = "redis")]
mod cluster;
pub mod config;
mod error;
mod http;
pub mod metrics;
mod pages;
mod protocol;
mod service;
mod session;
mod shutdown;
mod stalled;
mod transport;

pub use accept::{Accepted, Refusal};
pub use broadcast::{BroadcastReport, Group};
#[cfg(feature = "redis")]
pub use cluster::{Cluster, ClusterBuilder};
pub use config::{AllowedOrigins, Overflow};
pub use error::{CloseReason, TrySendError};
pub use protocol::message::Message;
pub use protocol::transport::Transport;
pub use service::SockJs;
pub use session::{Headers, MessageStream, RequestInfo, Session, SessionKey};
pub use shutdown::shutdown_signal;
pub use stalled::drop_stalled_connections;

/// The README's examples, compiled and run as doc tests (they are not part
/// of the crate's documentation).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
