use std::fmt;
use std::net::SocketAddr;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{cookie::Cookie, HttpRequest};

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

/// Headers of the opening request that say nothing about the session once it
/// is open: they belong to that one connection (hop by hop), to that
/// request's body, or to the WebSocket handshake. [`Headers`] leaves them out.
const NOT_KEPT: [&str; 10] = [
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "transfer-encoding",
    "content-length",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
];

/// The opening request's headers, kept compactly for the session's life: one
/// buffer of `name:value` lines (names lowercase, as actix-web parsed them),
/// less than a third of what a copy as `(HeaderName, HeaderValue)` pairs
/// takes (a browser's XHR: about 500 bytes instead of 1.7 KiB, heaptrack),
/// and never the connection's 8 KiB read buffer or a hash table.
///
/// Left out are the headers that belong to the opening connection or its
/// request alone: `Connection`, `Keep-Alive`, `Upgrade`, `TE`, `Trailer`,
/// `Transfer-Encoding`, `Content-Length` and the WebSocket handshake's
/// `Sec-WebSocket-Key`, `-Version` and `-Extensions`. The accept hook
/// ([`crate::SockJs::accept`]) sees the whole request.
///
/// Values are read as text ([`Headers::get`], [`Headers::get_all`]); the
/// rare value that is not UTF-8 is seen through [`Headers::get_bytes`] and
/// [`Headers::iter`].
///
/// ```no_run
/// # fn f(session: actix_sockjs::Session) {
/// let headers = session.request().headers();
/// let agent: Option<&str> = headers.get("User-Agent");
/// for (name, value) in headers.iter() {
///     println!("{name}: {}", String::from_utf8_lossy(value));
/// }
/// # }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Box<[u8]>);

/// The headers of `req` a session keeps.
fn kept(req: &HttpRequest) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
    req.headers()
        .iter()
        .filter(|(name, _)| !NOT_KEPT.contains(&name.as_str()))
}

/// The bytes a session opened by `req` would keep of its headers (see
/// [`crate::SockJs::max_request_bytes`]).
pub(crate) fn kept_header_bytes(req: &HttpRequest) -> usize {
    kept(req).map(|(n, v)| n.as_str().len() + v.len() + 2).sum()
}

impl Headers {
    fn copy(req: &HttpRequest) -> Self {
        let mut lines = Vec::with_capacity(kept_header_bytes(req));
        // A name has no `:` (it is a token) and a value no line break, so
        // the lines split back as they were.
        for (name, value) in kept(req) {
            lines.extend_from_slice(name.as_str().as_bytes());
            lines.push(b':');
            lines.extend_from_slice(value.as_bytes());
            lines.push(b'\n');
        }
        Headers(lines.into_boxed_slice())
    }

    /// The header lines as `(name, value)`.
    fn lines(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let name = std::str::from_utf8(&line[..colon]).ok()?;
                Some((name, &line[colon + 1..]))
            })
    }

    /// The raw values of the header `name` (any case), in order.
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.lines()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The first value of the header `name` (any case), as text; `None`
    /// when it is absent (or, rarely, not UTF-8: see [`Headers::get_bytes`]).
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let host: Option<&str> = session.request().headers().get("host");
    /// # drop(host); }
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_bytes(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first value of the header `name` (any case), as it came.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let raw: Option<&[u8]> = session.request().headers().get_bytes("x-raw");
    /// # drop(raw); }
    /// ```
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.lines()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of the header `name` (any case) that is text, in the
    /// order they came.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let n = session.request().headers().get_all("cookie").count();
    /// # drop(n); }
    /// ```
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values(name)
            .filter_map(|v| std::str::from_utf8(v).ok())
    }

    /// Every header kept: its name (lowercase) and raw value, a name's values
    /// in the order they came.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// for (name, value) in session.request().headers().iter() {
    ///     println!("{name}: {}", String::from_utf8_lossy(value));
    /// }
    /// # }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.lines()
    }

    /// Number of header lines kept.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// println!("{} headers", session.request().headers().len());
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.0.iter().filter(|&&b| b == b'\n').count()
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

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.lines().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn headers(pairs: &[(&str, &[u8])]) -> Headers {
        let mut req = TestRequest::default();
        for (name, value) in pairs {
            req = req.append_header((
                *name,
                actix_web::http::header::HeaderValue::from_bytes(value).expect("a valid value"),
            ));
        }
        Headers::copy(&req.to_http_request())
    }

    #[test]
    fn keeps_every_header_of_the_session_and_finds_it_in_any_case() {
        let h = headers(&[
            ("Host", b"example.com:8080"),
            ("Cookie", b"a=1"),
            ("X-Forwarded-For", b"10.0.0.1"),
            ("Cookie", b"sid=s3cr3t; b=2"),
        ]);
        assert_eq!(h.len(), 4);
        assert!(!h.is_empty());
        // a value with `:` in it stays whole
        assert_eq!(h.get("HOST"), Some("example.com:8080"));
        assert_eq!(h.get("x-forwarded-for"), Some("10.0.0.1"));
        assert_eq!(
            h.get_all("cookie").collect::<Vec<_>>(),
            ["a=1", "sid=s3cr3t; b=2"]
        );
        assert_eq!(h.get("absent"), None);
        // (actix-web's header map groups a name's values, in the order they came)
        let mut names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
        names.sort_unstable();
        assert_eq!(names, ["cookie", "cookie", "host", "x-forwarded-for"]);
    }

    #[test]
    fn leaves_out_the_opening_connections_own_headers() {
        let h = headers(&[
            ("Connection", b"Upgrade"),
            ("Upgrade", b"websocket"),
            ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", b"13"),
            ("Sec-WebSocket-Extensions", b"permessage-deflate"),
            ("Content-Length", b"0"),
            ("Sec-WebSocket-Protocol", b"v12.stomp"),
            ("User-Agent", b"Mozilla/5.0"),
        ]);
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h.get("sec-websocket-protocol"), Some("v12.stomp"));
        assert_eq!(h.get("user-agent"), Some("Mozilla/5.0"));
        assert_eq!(h.get("connection"), None);
    }

    #[test]
    fn a_value_that_is_not_utf8_is_kept_as_it_came() {
        let h = headers(&[("X-Raw", b"caf\xe9"), ("X-Text", b"ok")]);
        assert_eq!(h.get("x-raw"), None);
        assert_eq!(h.get_bytes("x-raw"), Some(&b"caf\xe9"[..]));
        assert_eq!(h.get_all("x-raw").count(), 0);
        assert!(h.iter().any(|line| line == ("x-raw", &b"caf\xe9"[..])));
        assert_eq!(h.get("x-text"), Some("ok"));
        assert!(
            format!("{h:?}").contains("\"x-raw\": \"caf\u{fffd}\""),
            "{h:?}"
        );
    }

    #[test]
    fn no_headers() {
        let h = headers(&[]);
        assert!(h.is_empty());
        assert_eq!(h.len(), 0);
        assert_eq!(h.iter().count(), 0);
    }
}
