#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod broadcast;
mod cache;
pub mod client_js;
pub mod config;
mod error;
mod message;
mod protocol;
mod service;
mod session;
mod transport;

pub use broadcast::{BroadcastReport, Group};
pub use config::{AllowedOrigins, Overflow};
pub use error::{CloseReason, TrySendError};
pub use message::Message;
pub use service::SockJs;
pub use session::{Headers, MessageStream, RequestInfo, Session};
pub use transport::Transport;
