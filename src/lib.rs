#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod accept;
mod broadcast;
pub mod client_js;
pub mod config;
mod error;
mod http;
pub mod metrics;
mod pages;
mod protocol;
mod service;
mod session;
mod shutdown;
mod transport;

pub use accept::{Accepted, Refusal};
pub use broadcast::{BroadcastReport, Group};
pub use config::{AllowedOrigins, Overflow};
pub use error::{CloseReason, TrySendError};
pub use protocol::message::Message;
pub use protocol::transport::Transport;
pub use service::SockJs;
pub use session::{Headers, MessageStream, RequestInfo, Session, SessionKey};
pub use shutdown::shutdown_signal;
