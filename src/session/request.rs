use std::net::SocketAddr;

use actix_web::{
    cookie::Cookie,
    http::header::{HeaderName, HeaderValue},
    HttpRequest,
};
use bytes::BytesMut;

/// What the request that opened a session carried, kept for the session's
/// life: headers, peer address, path, query string and cookies.
///
/// ```no_run
/// use actix_sockjs::{Session, MessageStream};
///
/// async fn handler(session: Session, _messages: MessageStream) {
///     let req = session.request();
///     let token = req.query_param("token");
///     let user_agent = req.headers().get("user-agent");
///     let sid = req.cookie("sid");
///     println!("{:?} {token:?} {user_agent:?} {sid:?}", req.peer_addr());
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequestInfo {
    headers: Headers,
    peer_addr: Option<SocketAddr>,
    path: Box<str>,
    query: Box<str>,
}

impl RequestInfo {
    pub(crate) fn from_request(req: &HttpRequest) -> Self {
        RequestInfo {
            headers: Headers::copy(req),
            peer_addr: req.peer_addr(),
            path: req.path().into(),
            query: req.query_string().into(),
        }
    }

    /// The request headers.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let ua = session.request().headers().get("user-agent");
    /// # drop(ua); }
    /// ```
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The TCP peer (a proxy's address when behind one).
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// println!("{:?}", session.request().peer_addr());
    /// # }
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer_addr
    }

    /// The request path, for example `/echo/000/abc/xhr_streaming`.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// assert!(session.request().path().ends_with(session.transport().name()));
    /// # }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// println!("?{}", session.request().query_string());
    /// # }
    /// ```
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The first value of a query parameter, percent-decoded.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let room = session.request().query_param("room").unwrap_or_else(|| "lobby".into());
    /// # drop(room); }
    /// ```
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_param(&self.query, name)
    }

    /// The value of a cookie sent with the request.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// if let Some(sid) = session.request().cookie("sid") {
    ///     println!("logged in as {sid}");
    /// }
    /// # }
    /// ```
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("cookie")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| Cookie::parse(pair.trim()).ok())
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }
}

/// The first value of `name` in a raw query string, percent-decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query_value(query, name).map(std::borrow::Cow::into_owned)
}

/// The first value of `name` in a raw query string, percent-decoded,
/// borrowed from the query when it needs no decoding: the request path
/// reads `seq`, `ack` and `resume` of every request this way, with no
/// allocation.
pub(crate) fn query_value<'q>(query: &'q str, name: &str) -> Option<std::borrow::Cow<'q, str>> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The opening request's headers, copied compactly: the values share one
/// buffer of their own, so a session does not keep the connection's read
/// buffer (8 KiB) or a hash table alive for its whole life.
///
/// ```no_run
/// # fn f(session: actix_sockjs::Session) {
/// let headers = session.request().headers();
/// let agent = headers.get("User-Agent").and_then(|v| v.to_str().ok());
/// for (name, value) in headers.iter() {
///     println!("{name}: {value:?}");
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Headers(Box<[(HeaderName, HeaderValue)]>);

impl Headers {
    fn copy(req: &HttpRequest) -> Self {
        let map = req.headers();
        let mut values = BytesMut::with_capacity(map.iter().map(|(_, v)| v.len()).sum());
        for (_, v) in map.iter() {
            values.extend_from_slice(v.as_bytes());
        }
        let values = values.freeze();
        let mut at = 0;
        let pairs = map
            .iter()
            .filter_map(|(name, v)| {
                let slice = values.slice(at..at + v.len());
                at += v.len();
                // Copied from a valid value, so this does not fail.
                HeaderValue::from_maybe_shared(slice)
                    .ok()
                    .map(|value| (name.clone(), value))
            })
            .collect();
        Headers(pairs)
    }

    /// The first value of the header `name` (any case).
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let host = session.request().headers().get("host");
    /// # drop(host); }
    /// ```
    pub fn get(&self, name: &str) -> Option<&HeaderValue> {
        self.0
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of the header `name` (any case), in order.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let n = session.request().headers().get_all("cookie").count();
    /// # drop(n); }
    /// ```
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a HeaderValue> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every header, in order.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// for (name, value) in session.request().headers().iter() {
    ///     println!("{name}: {value:?}");
    /// }
    /// # }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.0.iter().map(|(n, v)| (n, v))
    }

    /// Number of header lines.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// println!("{} headers", session.request().headers().len());
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True without headers.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// assert_eq!(session.request().headers().is_empty(), session.request().headers().len() == 0);
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
