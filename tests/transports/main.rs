//! Each transport with real clients on a real server: open, the hostile
//! message set echoed exactly and in order, the streaming response limit,
//! the close frame, abort detection and bad input, plus the script-safety
//! rules of the transports that run inside a page (callbacks, `/**/`,
//! `nosniff`, frames that cannot break out of their wrapping).

#[path = "../common/mod.rs"]
mod common;
mod support;

mod eventsource;
mod hixie76;
mod htmlfile;
mod http10;
mod jsonp;
mod raw_websocket;
mod websocket;
mod xhr_polling;
mod xhr_streaming;
