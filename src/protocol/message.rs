//! The message type the application sends: text, and for a broadcast its
//! frame encoded once.

use std::sync::Arc;

use bytes::BytesMut;
use bytestring::ByteString;

use super::{frame, quote::quote_into};

/// The longest text [`Message::kept_copy`] copies.
const KEPT_COPY_MAX: usize = 256;

/// The size of a kept-messages buffer: within glibc's per-thread cache.
const KEPT_ARENA: usize = 1024;

/// A text message for one or many sessions.
///
/// Cloning is cheap (reference counts only). A message built with
/// [`Message::prepared`] carries its encoded SockJS frame, so sending it to
/// thousands of sessions encodes it once and shares the bytes.
///
/// ```
/// use actix_sockjs::Message;
///
/// let one: Message = "hello".into();
/// assert_eq!(one.as_str(), "hello");
///
/// // For a broadcast: encode once, clone per receiver.
/// let shared = Message::prepared("tick 42");
/// assert_eq!(shared.clone().as_str(), "tick 42");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    text: ByteString,
    /// `a["<quoted text>"]`, when prepared for sharing.
    frame: Option<ByteString>,
}

impl Message {
    /// A message with the given text.
    ///
    /// ```
    /// let m = actix_sockjs::Message::new("hi");
    /// assert_eq!(m.as_str(), "hi");
    /// ```
    pub fn new(text: impl Into<ByteString>) -> Self {
        Message {
            text: text.into(),
            frame: None,
        }
    }

    /// A message whose SockJS frame is encoded now, once, and shared by
    /// every session it is sent to. Use it for broadcasts.
    ///
    /// ```
    /// let tick = actix_sockjs::Message::prepared("tick");
    /// let for_each = tick.clone(); // shares the encoded frame
    /// assert_eq!(for_each.as_str(), "tick");
    /// ```
    pub fn prepared(text: impl Into<ByteString>) -> Self {
        let text = text.into();
        let frame = Some(frame::single(&text));
        Message { text, frame }
    }

    /// The message text.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Message::new("hi").as_str(), "hi");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length of the text in bytes.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Message::new("한").len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// True for the empty string.
    ///
    /// ```
    /// assert!(actix_sockjs::Message::new("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub(crate) fn text(&self) -> &ByteString {
        &self.text
    }

    pub(crate) fn frame(&self) -> Option<&ByteString> {
        self.frame.as_ref()
    }

    /// A copy of this message for a resumable session to keep until its
    /// client acknowledges it, its text appended to `arena`, a buffer the
    /// session's kept messages share. The original can then be freed as
    /// soon as it is sent: many small allocations each held for a
    /// round trip push the allocator off its fast path, one shared buffer
    /// does not. `None` when a copy does not pay: a prepared message
    /// (its bytes are shared already) or a long one.
    pub(crate) fn kept_copy(&self, arena: &mut BytesMut) -> Option<Message> {
        let len = self.text.len();
        if self.frame.is_some() || len > KEPT_COPY_MAX {
            return None;
        }
        if arena.capacity() < len {
            // A buffer no kept message uses any more is taken back whole.
            arena.reserve(KEPT_ARENA);
        }
        arena.extend_from_slice(self.text.as_bytes());
        ByteString::try_from(arena.split().freeze())
            .ok()
            .map(Message::new)
    }

    /// Appends the quoted text, reusing the prepared frame when there is one.
    pub(crate) fn quoted_into(&self, out: &mut String) {
        match &self.frame {
            // The frame is `a[` + quoted + `]` (ASCII brackets: the slice
            // is on character boundaries).
            Some(f) => out.push_str(&f[2..f.len() - 1]),
            None => quote_into(out, &self.text),
        }
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::new(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::new(s.to_owned())
    }
}

impl From<ByteString> for Message {
    fn from(s: ByteString) -> Self {
        Message::new(s)
    }
}

impl From<Arc<str>> for Message {
    fn from(s: Arc<str>) -> Self {
        Message::new(&*s)
    }
}

impl From<&String> for Message {
    fn from(s: &String) -> Self {
        Message::new(s.clone())
    }
}
