//! Errors and close reasons.

use std::fmt;

/// A message handed back by [`Session::send`](crate::Session::send) or
/// [`Session::try_send`](crate::Session::try_send).
///
/// ```
/// use actix_sockjs::{Message, TrySendError};
///
/// fn report(err: TrySendError<Message>) -> String {
///     match err {
///         TrySendError::Full(m) => format!("queue full, kept {:?}", m.as_str()),
///         TrySendError::Closed(m) => format!("session closed, dropped {:?}", m.as_str()),
///     }
/// }
/// # assert!(report(TrySendError::Full("x".into())).starts_with("queue full"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The session's outbound queue is at its bound. Try later, drop the
    /// message, or close the session.
    Full(T),
    /// The session is closed; nothing more can be sent to it.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    ///
    /// ```
    /// use actix_sockjs::{Message, TrySendError};
    /// let e = TrySendError::Full(Message::new("x"));
    /// assert_eq!(e.into_inner().as_str(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(m) | TrySendError::Closed(m) => m,
        }
    }

    /// True when the session was closed.
    ///
    /// ```
    /// use actix_sockjs::{Message, TrySendError};
    /// assert!(TrySendError::Closed(Message::new("x")).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("session send queue is full"),
            TrySendError::Closed(_) => f.write_str("session is closed"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for TrySendError<T> {}

/// Why a session ended, from [`Session::closed`](crate::Session::closed).
///
/// ```
/// use actix_sockjs::CloseReason;
///
/// let reason = CloseReason::Server { code: 3000, reason: "Go away!".into() };
/// assert_eq!(reason.code(), 3000);
/// assert_eq!(reason.to_string(), "closed by the server: 3000 Go away!");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The application closed it with [`Session::close`](crate::Session::close),
    /// or its handler returned (3000 "Go away!").
    Server {
        /// The close code sent to the client.
        code: u16,
        /// The reason sent to the client.
        reason: String,
    },
    /// The client closed its WebSocket.
    Client {
        /// The code from the client's close frame (1005 when it had none).
        code: u16,
        /// The reason from the client's close frame.
        reason: String,
    },
    /// A poll or stream was aborted by the client while it was the
    /// session's receiver (`c[1002,"Connection interrupted"]`).
    Interrupted,
    /// No receiver came back within the disconnect delay.
    Timeout,
    /// The outbound queue overflowed under [`Overflow::Close`](crate::Overflow::Close)
    /// (`c[1008,"Send queue full"]`).
    Overflow,
    /// The client broke the protocol (for example broken JSON on a WebSocket).
    ProtocolError,
}

impl CloseReason {
    /// The close code as SockJS reports it to the client.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::CloseReason::Timeout.code(), 1000);
    /// ```
    pub fn code(&self) -> u16 {
        self.close_frame().0
    }

    /// The code and reason of the close frame (`c[code,"reason"]`) clients
    /// get for this reason: the one table of them.
    pub(crate) fn close_frame(&self) -> (u16, &str) {
        match self {
            CloseReason::Server { code, reason } | CloseReason::Client { code, reason } => {
                (*code, reason)
            }
            CloseReason::Interrupted => (1002, "Connection interrupted"),
            CloseReason::Timeout => (1000, "Session timed out"),
            CloseReason::Overflow => (1008, "Send queue full"),
            CloseReason::ProtocolError => (1002, "Protocol error"),
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Server { code, reason } => {
                write!(f, "closed by the server: {code} {reason}")
            }
            CloseReason::Client { code, reason } => {
                write!(f, "closed by the client: {code} {reason}")
            }
            CloseReason::Interrupted => f.write_str("connection interrupted"),
            CloseReason::Timeout => f.write_str("client gone (disconnect delay passed)"),
            CloseReason::Overflow => f.write_str("send queue full"),
            CloseReason::ProtocolError => f.write_str("client broke the protocol"),
        }
    }
}
