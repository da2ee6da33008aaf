//! HTTP concerns shared by every route, in one place: response headers
//! (caching, CORS, JSESSIONID), origin checks, request bodies, and the
//! request error type that turns every refusal into its protocol answer.

pub(crate) mod body;
pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod limits;
pub(crate) mod origin;

pub(crate) use error::RequestError;
