//! Every refusal a route can answer, as one type: the router turns it into
//! its protocol answer (status and text), adds CORS and no-cache headers so
//! a page on another origin can read why, and logs it.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use super::headers::TEXT_PLAIN;
use crate::protocol::inbound::PayloadError;

#[derive(Debug)]
pub(crate) enum RequestError {
    /// No such route, session, or transport.
    NotFound,
    /// The route takes only these methods (the `Allow` header).
    MethodNotAllowed(&'static str),
    /// A malformed request, with what is wrong.
    BadRequest(&'static str),
    /// A send carried nothing, or not a JSON array of strings.
    Payload(PayloadError),
    /// JSONP and htmlfile need `c=<callback>`.
    CallbackRequired,
    /// The callback could inject script.
    InvalidCallback,
    /// A body over the limit (in bytes).
    TooLarge(usize),
    /// A new session's headers over the limit (in bytes).
    HeadersTooLarge(usize),
    /// A new session's path and query, with its headers, over the limit.
    UrlTooLong(usize),
    /// The body ended early or could not be read.
    IncompleteBody,
    /// The service is at its session bound.
    TooManySessions,
    /// Another send to the session is being read or delivered.
    SendInProgress,
    /// The body did not arrive within the body timeout.
    BodyTimeout,
    /// Resume extension: a send that starts past what was accepted.
    OutOfOrder,
    /// The page's origin is not allowed.
    OriginRefused,
    /// The application's accept hook refused the session.
    Refused(crate::accept::Refusal),
    /// The service is shutting down: no new sessions.
    ShuttingDown,
    /// Cross-node work while Redis cannot be reached.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    ClusterUnavailable,
    /// A send of a resumable session in a cluster whose messages Redis did
    /// not count in time (the client sends it again).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    NotYetDurable,
    /// A resumable session whose node was lost, and which no live node
    /// serves yet: another node's take-over is under way, or Redis cannot
    /// say where it is. The client comes back (it is not gone).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    SessionMoving,
    /// The session's owner (another node) answered this.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Remote(u16, String),
    /// actix refused with its own answer.
    Other(actix_web::Error),
}

impl RequestError {
    /// The `reason` label of the refusal metric.
    pub(crate) fn metric(&self) -> crate::metrics::Refused {
        use crate::metrics::Refused as R;
        match self {
            RequestError::OriginRefused => R::Origin,
            RequestError::Refused(_) => R::Accept,
            RequestError::TooManySessions => R::TooManySessions,
            RequestError::ShuttingDown => R::ShuttingDown,
            RequestError::ClusterUnavailable
            | RequestError::NotYetDurable
            | RequestError::SessionMoving => R::ClusterUnavailable,
            RequestError::Remote(..) => R::Other,
            RequestError::TooLarge(_)
            | RequestError::HeadersTooLarge(_)
            | RequestError::UrlTooLong(_) => R::TooLarge,
            RequestError::BodyTimeout => R::BodyTimeout,
            RequestError::SendInProgress | RequestError::OutOfOrder => R::SendInProgress,
            RequestError::NotFound => R::NotFound,
            RequestError::MethodNotAllowed(_)
            | RequestError::BadRequest(_)
            | RequestError::Payload(_)
            | RequestError::CallbackRequired
            | RequestError::InvalidCallback
            | RequestError::IncompleteBody => R::BadRequest,
            RequestError::Other(_) => R::Other,
        }
    }

    /// The answer's status, as a number.
    pub(crate) fn status_code_u16(&self) -> u16 {
        self.status_code().as_u16()
    }

    /// Refusals an operator should hear of (limits, the accept hook,
    /// shutdown), as opposed to a client's broken request.
    pub(crate) fn operational(&self) -> bool {
        matches!(
            self,
            RequestError::TooManySessions
                | RequestError::TooLarge(_)
                | RequestError::HeadersTooLarge(_)
                | RequestError::UrlTooLong(_)
                | RequestError::BodyTimeout
                | RequestError::ShuttingDown
                | RequestError::ClusterUnavailable
        )
    }
}

impl fmt::Display for RequestError {
    /// The answer's body: what the client is told.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotFound => f.write_str("Not found."),
            RequestError::MethodNotAllowed(allow) => write!(f, "Method not allowed ({allow})."),
            RequestError::BadRequest(why) => f.write_str(why),
            RequestError::Payload(e) => e.fmt(f),
            RequestError::CallbackRequired => f.write_str("\"callback\" parameter required"),
            RequestError::InvalidCallback => f.write_str("invalid \"callback\" parameter"),
            RequestError::TooLarge(limit) => {
                write!(f, "Payload too large: the limit is {limit} bytes.")
            }
            RequestError::HeadersTooLarge(limit) => write!(
                f,
                "Request headers too large: a session keeps at most {limit} bytes of its opening request."
            ),
            RequestError::UrlTooLong(limit) => write!(
                f,
                "Request URL too long: a session keeps at most {limit} bytes of its opening request."
            ),
            RequestError::IncompleteBody => f.write_str("Incomplete request body."),
            RequestError::TooManySessions => f.write_str("Too many sessions."),
            RequestError::SendInProgress => f.write_str(
                "Another send to this session is in progress: send one batch at a time.",
            ),
            RequestError::BodyTimeout => f.write_str("Request body not received in time."),
            RequestError::OutOfOrder => {
                f.write_str("Send out of order: messages before it were not received.")
            }
            RequestError::OriginRefused => f.write_str("Origin not allowed."),
            RequestError::Refused(r) => f.write_str(r.reason()),
            RequestError::ShuttingDown => f.write_str("Server shutting down."),
            RequestError::ClusterUnavailable => f.write_str(
                "Cluster unavailable: the session is on another node and Redis cannot be reached.",
            ),
            RequestError::NotYetDurable => {
                f.write_str("The cluster did not keep these messages in time: send them again.")
            }
            RequestError::SessionMoving => {
                f.write_str("The session is moving to another node: try again.")
            }
            RequestError::Remote(_, text) => f.write_str(text),
            RequestError::Other(e) => e.fmt(f),
        }
    }
}

impl ResponseError for RequestError {
    fn status_code(&self) -> StatusCode {
        match self {
            RequestError::NotFound => StatusCode::NOT_FOUND,
            RequestError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            RequestError::BadRequest(_) | RequestError::IncompleteBody => StatusCode::BAD_REQUEST,
            // The protocol's answers to broken sends and callbacks.
            RequestError::Payload(_)
            | RequestError::CallbackRequired
            | RequestError::InvalidCallback => StatusCode::INTERNAL_SERVER_ERROR,
            RequestError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RequestError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            RequestError::UrlTooLong(_) => StatusCode::URI_TOO_LONG,
            RequestError::TooManySessions
            | RequestError::ShuttingDown
            | RequestError::ClusterUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            // A timeout to retry (client-js takes 503 as a refusal).
            RequestError::NotYetDurable | RequestError::SessionMoving => {
                StatusCode::GATEWAY_TIMEOUT
            }
            RequestError::Remote(status, _) => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            RequestError::Refused(r) => r.status(),
            RequestError::SendInProgress | RequestError::OutOfOrder => StatusCode::CONFLICT,
            RequestError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            RequestError::OriginRefused => StatusCode::FORBIDDEN,
            RequestError::Other(e) => e.as_response_error().status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // 405 has no body and no content type (the suite checks).
            RequestError::MethodNotAllowed(allow) => HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, *allow))
                .finish(),
            RequestError::Other(e) => e.error_response(),
            other => HttpResponse::build(other.status_code())
                .content_type(TEXT_PLAIN)
                .body(other.to_string()),
        }
    }
}

impl From<PayloadError> for RequestError {
    fn from(e: PayloadError) -> Self {
        RequestError::Payload(e)
    }
}
