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
#[derive(Clone)]
pub struct RequestInfo {
    /// The headers, and in front of them in the same buffer the path and
    /// the query string: one allocation for all three.
    headers: Headers,
    peer_addr: Option<SocketAddr>,
}

impl RequestInfo {
    /// What a session keeps of `req`: its headers (only those named in
    /// `only`, when given), path, query string and peer.
    pub(crate) fn from_request(req: &HttpRequest, only: Option<&[Box<str>]>) -> Self {
        RequestInfo {
            headers: Headers::copy(req, only, req.path(), req.query_string()),
            peer_addr: req.peer_addr(),
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
        self.headers.text(0, self.headers.query_at)
    }

    /// The raw query string, without `?`.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// println!("?{}", session.request().query_string());
    /// # }
    /// ```
    pub fn query_string(&self) -> &str {
        self.headers
            .text(self.headers.query_at, self.headers.lines_at)
    }

    /// The first value of a query parameter, percent-decoded.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// let room = session.request().query_param("room").unwrap_or_else(|| "lobby".into());
    /// # drop(room); }
    /// ```
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_param(self.query_string(), name)
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

impl fmt::Debug for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestInfo")
            .field("headers", &self.headers)
            .field("peer_addr", &self.peer_addr)
            .field("path", &self.path())
            .field("query", &self.query_string())
            .finish()
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
#[derive(Clone, Default)]
pub struct Headers {
    /// What the session keeps of its opening request, in one buffer: its
    /// path, its query string (from `query_at`), then its header lines
    /// (from `lines_at`), which are all that [`Headers`] shows.
    buf: Box<[u8]>,
    query_at: u32,
    lines_at: u32,
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.raw() == other.raw()
    }
}

impl Eq for Headers {}

/// The headers of `req` a session keeps: those named in `only` (lowercase)
/// when given, else all but the connection's own.
fn kept<'r>(
    req: &'r HttpRequest,
    only: Option<&'r [Box<str>]>,
) -> impl Iterator<Item = (&'r HeaderName, &'r HeaderValue)> {
    req.headers().iter().filter(move |(name, _)| {
        let name = name.as_str();
        match only {
            Some(only) => only.iter().any(|n| **n == *name),
            None => !NOT_KEPT.contains(&name),
        }
    })
}

/// The bytes a session opened by `req` would keep of its headers (see
/// [`crate::SockJs::max_request_bytes`] and [`crate::SockJs::keep_headers`]).
pub(crate) fn kept_header_bytes(req: &HttpRequest, only: Option<&[Box<str>]>) -> usize {
    kept(req, only)
        .map(|(n, v)| n.as_str().len() + v.len() + 2)
        .sum()
}

impl Headers {
    /// The kept headers of `req`, behind `path` and `query` (see
    /// [`RequestInfo`]). A request too big for the offsets (4 GiB: no HTTP
    /// server takes one) keeps its headers only.
    fn copy(req: &HttpRequest, only: Option<&[Box<str>]>, path: &str, query: &str) -> Self {
        let (path, query) = match u32::try_from(path.len() + query.len()) {
            Ok(_) => (path, query),
            Err(_) => ("", ""),
        };
        let mut buf = Vec::with_capacity(path.len() + query.len() + kept_header_bytes(req, only));
        buf.extend_from_slice(path.as_bytes());
        buf.extend_from_slice(query.as_bytes());
        // A name has no `:` (it is a token) and a value no line break, so
        // the lines split back as they were.
        for (name, value) in kept(req, only) {
            buf.extend_from_slice(name.as_str().as_bytes());
            buf.push(b':');
            buf.extend_from_slice(value.as_bytes());
            buf.push(b'\n');
        }
        // Both fit: checked above.
        let query_at = u32::try_from(path.len()).unwrap_or(0);
        let lines_at = u32::try_from(path.len() + query.len()).unwrap_or(0);
        Headers {
            buf: buf.into_boxed_slice(),
            query_at,
            lines_at,
        }
    }

    /// The path or query string kept in front of the lines: `buf[from..to]`,
    /// which was a `&str`.
    fn text(&self, from: u32, to: u32) -> &str {
        self.buf
            .get(from as usize..to as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// The header lines, raw.
    fn raw(&self) -> &[u8] {
        self.buf.get(self.lines_at as usize..).unwrap_or_default()
    }

    /// The header lines as `(name, value)`.
    fn lines(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.raw()
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
        self.raw().iter().filter(|&&b| b == b'\n').count()
    }

    /// True without headers.
    ///
    /// ```
    /// # fn demo(session: actix_sockjs::Session) {
    /// assert_eq!(session.request().headers().is_empty(), session.request().headers().len() == 0);
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.raw().is_empty()
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
        Headers::copy(&req.to_http_request(), None, "/echo/000/abc/xhr", "t=1")
    }

    #[test]
    fn only_the_headers_named_are_kept_and_counted() {
        let req = TestRequest::default()
            .insert_header(("Cookie", "sid=s3cr3t"))
            .insert_header(("X-Forwarded-For", "10.0.0.1"))
            .insert_header(("User-Agent", "demo"))
            .insert_header(("Connection", "keep-alive"))
            .to_http_request();
        let only: Box<[Box<str>]> = ["x-forwarded-for".into(), "connection".into()].into();
        let h = Headers::copy(&req, Some(&only), "/p", "");
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h.get("x-forwarded-for"), Some("10.0.0.1"));
        // A connection's own header, named, is kept too: the list decides.
        assert_eq!(h.get("connection"), Some("keep-alive"));
        assert_eq!(h.get("cookie"), None);
        assert_eq!(kept_header_bytes(&req, Some(&only)), h.raw().len());
        let none: Box<[Box<str>]> = Box::new([]);
        assert!(Headers::copy(&req, Some(&none), "/p", "").is_empty());
        assert_eq!(kept_header_bytes(&req, Some(&none)), 0);
    }

    #[test]
    fn path_query_and_headers_share_one_buffer_and_come_back_apart() {
        let req = TestRequest::with_uri("/echo/000/abc/xhr?t=1&name=%C3%A9")
            .insert_header(("Cookie", "sid=s3cr3t"))
            .insert_header(("X-Path", "/not/the/path?q"))
            .to_http_request();
        let info = RequestInfo::from_request(&req, None);
        assert_eq!(info.path(), "/echo/000/abc/xhr");
        assert_eq!(info.query_string(), "t=1&name=%C3%A9");
        assert_eq!(info.query_param("name").as_deref(), Some("\u{e9}"));
        assert_eq!(info.headers().len(), 2);
        assert_eq!(info.headers().get("x-path"), Some("/not/the/path?q"));
        assert_eq!(info.cookie("sid").as_deref(), Some("s3cr3t"));
        // Headers compare by their lines alone (one header: a header map's
        // order is its own).
        let other = RequestInfo::from_request(
            &TestRequest::with_uri("/other")
                .insert_header(("Cookie", "sid=s3cr3t"))
                .to_http_request(),
            None,
        );
        let same = RequestInfo::from_request(
            &TestRequest::with_uri("/echo/000/abc/xhr?t=2")
                .insert_header(("Cookie", "sid=s3cr3t"))
                .to_http_request(),
            None,
        );
        assert_eq!(same.headers(), other.headers());
        assert_ne!(same.headers(), info.headers());
        assert_eq!(other.query_string(), "");
        // Without a request: nothing.
        let empty = Headers::default();
        assert!(empty.is_empty());
        assert_eq!(empty.get("host"), None);
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
