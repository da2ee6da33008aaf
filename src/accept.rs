//! The accept hook's answers: a new session [`Accepted`] (with the user's
//! identity and any data the handler will want), or a [`Refusal`] the
//! client can read.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;

/// A new session let in by the accept hook, with what the handler and the
/// application will want to know about it: the user it belongs to
/// ([`Session::user`](crate::Session::user), [`SockJs::sessions_of`](crate::SockJs::sessions_of))
/// and any data ([`Session::data`](crate::Session::data)).
///
/// ```
/// use actix_sockjs::Accepted;
///
/// struct Profile { name: String }
///
/// let accepted = Accepted::new()
///     .user("u-42")
///     .data(Profile { name: "Ada".into() });
/// # drop(accepted);
/// ```
#[derive(Clone, Default)]
pub struct Accepted {
    pub(crate) user: Option<Arc<str>>,
    pub(crate) data: Option<Arc<dyn Any + Send + Sync>>,
}

impl fmt::Debug for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accepted")
            .field("user", &self.user)
            .field("data", &self.data.is_some())
            .finish()
    }
}

impl Accepted {
    /// Let in, with no identity or data.
    ///
    /// ```
    /// let anonymous = actix_sockjs::Accepted::new();
    /// # drop(anonymous);
    /// ```
    pub fn new() -> Self {
        Accepted::default()
    }

    /// The user the session belongs to: the handler reads it with
    /// [`Session::user`](crate::Session::user), and the application finds
    /// or closes a user's sessions with [`SockJs::sessions_of`](crate::SockJs::sessions_of)
    /// and [`SockJs::close_user`](crate::SockJs::close_user).
    ///
    /// ```
    /// let a = actix_sockjs::Accepted::new().user("alice");
    /// # drop(a);
    /// ```
    pub fn user(mut self, user: impl Into<Arc<str>>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Any data for the handler, read back with
    /// [`Session::data::<T>()`](crate::Session::data).
    ///
    /// ```
    /// let a = actix_sockjs::Accepted::new().data(vec!["admin".to_owned()]);
    /// # drop(a);
    /// ```
    pub fn data<T: Any + Send + Sync>(mut self, data: T) -> Self {
        self.data = Some(Arc::new(data));
        self
    }
}

/// Why a session was not let in: the client gets `status` with `reason` as
/// plain text (and CORS headers, so a page on another origin can read it).
/// client-js closes with 1008 and the reason for 401, 403 and other 4xx
/// answers, and with 1013 (try again later) for 429 and 503, instead of
/// trying its other transports. A WebSocket handshake refused this way
/// cannot be read by a browser; client-js then tries its next transport,
/// which reads it.
///
/// ```
/// use actix_sockjs::Refusal;
///
/// let r = Refusal::unauthorized("Log in first.");
/// assert_eq!(r.status().as_u16(), 401);
/// assert_eq!(r.reason(), "Log in first.");
/// ```
#[derive(Debug, Clone)]
pub struct Refusal {
    status: StatusCode,
    reason: Cow<'static, str>,
}

impl Refusal {
    /// A refusal with any status (a 4xx or 5xx; anything else answers 403).
    ///
    /// ```
    /// use actix_web::http::StatusCode;
    /// let r = actix_sockjs::Refusal::new(StatusCode::TOO_MANY_REQUESTS, "Slow down.");
    /// assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    /// ```
    pub fn new(status: StatusCode, reason: impl Into<Cow<'static, str>>) -> Self {
        let status = match status.is_client_error() || status.is_server_error() {
            true => status,
            false => StatusCode::FORBIDDEN,
        };
        Refusal {
            status,
            reason: reason.into(),
        }
    }

    /// 401: the client must authenticate.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Refusal::unauthorized("x").status().as_u16(), 401);
    /// ```
    pub fn unauthorized(reason: impl Into<Cow<'static, str>>) -> Self {
        Refusal::new(StatusCode::UNAUTHORIZED, reason)
    }

    /// 403: the client may not.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Refusal::forbidden("x").status().as_u16(), 403);
    /// ```
    pub fn forbidden(reason: impl Into<Cow<'static, str>>) -> Self {
        Refusal::new(StatusCode::FORBIDDEN, reason)
    }

    /// The status of the answer.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Refusal::forbidden("x").status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The text of the answer.
    ///
    /// ```
    /// assert_eq!(actix_sockjs::Refusal::forbidden("No.").reason(), "No.");
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Refusal {}
