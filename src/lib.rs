//! SockJS for actix-web: WebSocket-like messaging that keeps working where
//! WebSocket does not.
//!
//! One async handler per session, in the style of actix-ws (a [`Session`]
//! handle and a [`MessageStream`]), served over every SockJS transport:
//! WebSocket, XHR streaming, EventSource, XHR long-polling, htmlfile and
//! JSONP, wire-compatible with sockjs-client 1.x.
//!
//! ```no_run
//! use actix_sockjs::{MessageStream, Session, SockJs};
//! use actix_web::{App, HttpServer};
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     // Built once, outside the closure: all workers share its sessions.
//!     let sockjs = SockJs::new(|session: Session, mut messages: MessageStream| async move {
//!         while let Some(text) = messages.recv().await {
//!             if session.send(text).await.is_err() {
//!                 break;
//!             }
//!         }
//!     });
//!     HttpServer::new(move || App::new().service(sockjs.scope("/echo")))
//!         .h1_allow_half_closed(false)
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
mod error;
mod message;
mod protocol;
mod service;
mod session;
mod transport;

pub use config::{AllowedOrigins, Overflow};
pub use error::{CloseReason, TrySendError};
pub use message::Message;
pub use service::SockJs;
pub use session::{MessageStream, RequestInfo, Session};
pub use transport::Transport;
