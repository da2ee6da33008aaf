//! The SockJS wire format as pure code: no sockets, no clock, no runtime.
//!
//! Everything here is deterministic and unit-tested against fixed vectors:
//! [`quote`] writes JSON strings with SockJS's extra escaping, [`frame`]
//! builds the `o`/`h`/`a[...]`/`c[...]` frames, [`inbound`] parses what
//! clients send, and [`message`] is the text the application sends.

pub(crate) mod frame;
pub(crate) mod inbound;
pub(crate) mod message;
pub(crate) mod quote;
pub(crate) mod transport;
