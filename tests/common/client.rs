//! Test clients that mirror the SockJS protocol suite's helpers (`utils.py`).
//!
//! * [`get`], [`post`], [`options`]: ordinary request/response over awc (the suite's `GET`,
//!   `POST`, `OPTIONS`). `POST` always carries a `Content-Length` (0 without a body).
//! * [`get_async`], [`post_async`]: a raw HTTP/1.1 request whose body is read one HTTP chunk
//!   at a time (the suite's `GET_async`/`POST_async`: every `read()` is exactly one chunk, the
//!   terminating chunk reads as empty).
//! * [`RawConn`]: a byte-exact TCP connection (HTTP/1.0, keep-alive, aborts, hixie-76).
//! * [`Ws`]: an RFC 6455 client (tokio-tungstenite); [`Hixie76`]: the legacy hixie-76 client.
//!
//! Every wait is bounded by [`TIMEOUT`]; nothing sleeps.

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tokio_tungstenite::{tungstenite::Message, MaybeTlsStream, WebSocketStream};

/// Upper bound for any single wait on the server (the suite uses 1 s; we are more lenient).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The suite's `Cache-Control` for anything that must not be cached.
pub const NOT_CACHED: &str = "no-store, no-cache, no-transform, must-revalidate, max-age=0";

/// A random UUID-4-shaped session id (`str(uuid.uuid4())` in the suite).
pub fn uuid() -> String {
    let h = |n: usize| {
        (0..n)
            .map(|_| format!("{:x}", fastrand::u8(..16)))
            .collect::<String>()
    };
    format!(
        "{}-{}-4{}-{}{}-{}",
        h(8),
        h(4),
        h(3),
        ["8", "9", "a", "b"][fastrand::usize(..4)],
        h(3),
        h(12)
    )
}

/// `base + "/000/" + uuid`: a fresh session url.
pub fn session_url(base: &str) -> String {
    format!("{base}/000/{}", uuid())
}

/// Python's `str.strip()` on bytes.
pub fn py_strip(b: &[u8]) -> &[u8] {
    let ws = |c: &u8| b" \t\n\r\x0b\x0c".contains(c);
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    &b[start..end]
}

pub async fn within<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {TIMEOUT:?} waiting for {what}"))
}

// ---------------------------------------------------------------------------------------------
// Responses and the suite's shared checks
// ---------------------------------------------------------------------------------------------

/// A response (or just a response head, for streaming requests).
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// `"1.0"` or `"1.1"`.
    pub http: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Case-insensitive header lookup; repeated headers are joined with `", "` like the suite.
    pub fn header(&self, name: &str) -> Option<String> {
        let vals: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!vals.is_empty()).then(|| vals.join(", "))
    }

    /// Python truthiness of `r[name]`: present and non-empty.
    pub fn has(&self, name: &str) -> bool {
        self.header(name).is_some_and(|v| !v.is_empty())
    }

    /// The header's value, failing the test when it is missing.
    pub fn must(&self, name: &str) -> String {
        self.header(name)
            .unwrap_or_else(|| panic!("missing header {name:?} in {self:?}"))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn assert_status(&self, status: u16) {
        assert_eq!(self.status, status, "unexpected status; response: {self:?}");
    }

    /// Status is 200 or 204 (the suite's answer to CORS preflights).
    pub fn assert_status_204_or_200(&self) {
        assert!(
            self.status == 204 || self.status == 200,
            "expected 204 or 200, got {self:?}"
        );
    }

    pub fn assert_body(&self, body: &str) {
        assert_eq!(self.text(), body, "unexpected body; status {}", self.status);
    }

    pub fn assert_body_contains(&self, needle: &str) {
        assert!(
            self.text().contains(needle),
            "body {:?} lacks {needle:?}",
            self.text()
        );
    }

    pub fn assert_empty_body(&self) {
        assert!(
            self.body.is_empty(),
            "expected an empty body, got {:?}",
            self.text()
        );
    }

    pub fn assert_no_header(&self, name: &str) {
        assert!(
            !self.has(name),
            "unexpected header {name}: {:?}",
            self.header(name)
        );
    }

    /// `verify404`.
    pub fn verify404(&self) {
        self.assert_status(404);
    }

    /// `verify405`: 405, no Content-Type, an `Allow` header, no body.
    pub fn verify405(&self) {
        self.assert_status(405);
        self.assert_no_header("content-type");
        assert!(self.has("allow"), "405 without Allow: {self:?}");
        self.assert_empty_body();
    }

    /// `verify_content_type`: equal ignoring spaces.
    pub fn verify_content_type(&self, content_type: &str) {
        assert_eq!(self.must("content-type").replace(' ', ""), content_type);
    }

    /// `verify_no_cookie`.
    pub fn verify_no_cookie(&self) {
        self.assert_no_header("set-cookie");
    }

    /// `verify_cors`: echoed origin + credentials, or `*` without credentials.
    pub fn verify_cors(&self, origin: Option<&str>) {
        match origin {
            Some(origin) if !origin.is_empty() => {
                assert_eq!(
                    self.header("access-control-allow-origin").as_deref(),
                    Some(origin)
                );
                assert_eq!(
                    self.header("access-control-allow-credentials").as_deref(),
                    Some("true")
                );
            }
            _ => {
                assert_eq!(
                    self.header("access-control-allow-origin").as_deref(),
                    Some("*")
                );
                self.assert_no_header("access-control-allow-credentials");
            }
        }
    }

    /// `verify_not_cached`.
    pub fn verify_not_cached(&self) {
        assert_eq!(self.header("cache-control").as_deref(), Some(NOT_CACHED));
        self.assert_no_header("expires");
        self.assert_no_header("last-modified");
    }

    /// `Cache-Control` contains `public` and `max-age=[1-9][0-9]{6}`; `Expires` is set.
    pub fn verify_long_cache(&self) {
        let cc = self.must("cache-control");
        assert!(cc.contains("public"), "Cache-Control {cc:?} lacks public");
        assert!(
            has_long_max_age(&cc),
            "max-age must be large, one year (31536000) is best: {cc:?}"
        );
        assert!(self.has("expires"), "missing Expires: {self:?}");
    }

    /// The suite's `verify_cookie` for the JSESSIONID service.
    pub fn verify_cookie(&self, value: &str) {
        let cookie = self.must("set-cookie");
        let parts: Vec<&str> = cookie.split(';').collect();
        assert_eq!(
            parts[0].trim(),
            format!("JSESSIONID={value}"),
            "Set-Cookie: {cookie:?}"
        );
        assert!(parts.len() > 1, "Set-Cookie without path: {cookie:?}");
        assert_eq!(
            parts[1].trim().to_lowercase(),
            "path=/",
            "Set-Cookie: {cookie:?}"
        );
    }
}

/// Regex `max-age=[1-9][0-9]{6}` (a search, so seven or more digits).
fn has_long_max_age(cc: &str) -> bool {
    cc.match_indices("max-age=").any(|(i, m)| {
        let d = &cc.as_bytes()[i + m.len()..];
        d.len() >= 7 && (b'1'..=b'9').contains(&d[0]) && d[1..7].iter().all(u8::is_ascii_digit)
    })
}

/// `verify_options(url, allowed_methods)`.
pub async fn verify_options(url: &str, allowed_methods: &str) {
    for origin in ["test", "null"] {
        let r = options(
            url,
            &[
                ("Access-Control-Request-Method", allowed_methods),
                ("Origin", origin),
            ],
        )
        .await;
        r.assert_status_204_or_200();
        r.verify_long_cache();
        let max_age: u64 = r
            .must("access-control-max-age")
            .trim()
            .parse()
            .expect("Access-Control-Max-Age is a number");
        assert!(
            max_age > 1_000_000,
            "Access-Control-Max-Age {max_age} too small"
        );
        let methods = r.must("access-control-allow-methods");
        for m in allowed_methods.split(',') {
            assert!(
                methods.contains(m.trim()),
                "Access-Control-Allow-Methods {methods:?} lacks {m}"
            );
        }
        r.assert_empty_body();
        r.verify_cors(Some(origin));
    }
}

// ---------------------------------------------------------------------------------------------
// Ordinary requests (awc)
// ---------------------------------------------------------------------------------------------

async fn awc_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    awc_request_within(method, url, headers, body, TIMEOUT).await
}

async fn awc_request_within(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    timeout: Duration,
) -> Response {
    let client = awc::Client::builder()
        .no_default_headers()
        .disable_redirects()
        .timeout(timeout)
        .finish();
    let verb = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(verb, url).no_decompress();
    for &(k, v) in headers {
        req = req.append_header((k, v));
    }
    let sent = match body {
        Some(body) => req.send_body(body.to_vec()).await,
        None => req.send().await,
    };
    let mut res = sent.unwrap_or_else(|e| panic!("{url}: request failed: {e}"));
    // The suite's client refuses a body it cannot delimit: chunked, a
    // Content-Length, or `Connection: close`, except where there is no body.
    let status = res.status().as_u16();
    let h = res.headers();
    let delimited = h
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"))
        || h.contains_key("content-length")
        || h.get("connection")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    assert!(
        delimited || [101, 204, 304].contains(&status) || (method == "OPTIONS" && status == 200),
        "{url}: a {status} answer whose body has no length, chunking or Connection: close: {h:?}"
    );
    let body = res
        .body()
        .limit(16 << 20)
        .await
        .unwrap_or_else(|e| panic!("{url}: reading the body failed: {e}"));
    Response {
        http: match res.version() {
            awc::http::Version::HTTP_10 => "1.0".into(),
            _ => "1.1".into(),
        },
        status: res.status().as_u16(),
        headers: res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    }
}

/// The suite's `GET(url, headers=…)`.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> Response {
    awc_request("GET", url, headers, None).await
}

/// The suite's `POST(url, headers=…, body=…)`; always sends `Content-Length`.
pub async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> Response {
    awc_request("POST", url, headers, Some(body.as_bytes())).await
}

/// Opens a resumable session at the session URL `url` over xhr-polling
/// (`resume=1`: the open frame, then the token frame); returns its token.
pub async fn open_resumable(url: &str) -> String {
    post(&format!("{url}/xhr?resume=1"), &[], "")
        .await
        .assert_body("o\n");
    let text = post(&format!("{url}/xhr?resume=1&ack=0"), &[], "")
        .await
        .text();
    text.lines()
        .find_map(|l| l.strip_prefix("x{\"token\":\""))
        .and_then(|t| t.strip_suffix("\"}"))
        .unwrap_or_else(|| panic!("no token in {text:?}"))
        .to_owned()
}

/// [`post`] for a request meant to wait longer than [`TIMEOUT`] for its
/// answer (a poll that waits for a message), bounded by `timeout`.
pub async fn post_within(url: &str, body: &str, timeout: Duration) -> Response {
    awc_request_within("POST", url, &[], Some(body.as_bytes()), timeout).await
}

/// The suite's `OPTIONS(url, headers=…)`.
pub async fn options(url: &str, headers: &[(&str, &str)]) -> Response {
    awc_request("OPTIONS", url, headers, None).await
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

/// Splits `http://host:port/path?q` (or `ws://…`) into `("host:port", "/path?q")`.
pub fn split_url(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    }
}

/// A raw TCP connection with a read-ahead buffer, like the suite's `RawHttpConnection`.
pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
    eof: bool,
}

impl RawConn {
    /// Connects to the host and port of `url`.
    pub async fn connect(url: &str) -> Self {
        let host = split_url(url).0.to_owned();
        let stream = within("connect", TcpStream::connect(host.as_str()))
            .await
            .unwrap_or_else(|e| panic!("connect {host}: {e}"));
        stream.set_nodelay(true).ok();
        RawConn {
            stream,
            buf: Vec::new(),
            host,
            eof: false,
        }
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.stream.peer_addr().expect("peer addr")
    }

    pub async fn send(&mut self, data: &[u8]) {
        within("send", self.stream.write_all(data))
            .await
            .expect("write to the server");
    }

    /// Writes `data`; false if the server closed the connection first, or
    /// stopped reading for [`TIMEOUT`].
    pub async fn try_send(&mut self, data: &[u8]) -> bool {
        tokio::time::timeout(TIMEOUT, self.stream.write_all(data))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Writes a request head (and body). POST always gets a `Content-Length`.
    pub async fn send_request(
        &mut self,
        method: &str,
        url: &str,
        http: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) {
        let path = split_url(url).1;
        let body = match (method, body) {
            ("POST", None) => Some(&b""[..]),
            (_, b) => b,
        };
        let mut req = format!("{method} {path} HTTP/{http}\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Host: {}\r\n", self.host));
        if let Some(body) = body {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.send(&bytes).await;
    }

    /// Reads a status line and headers.
    pub async fn read_head(&mut self) -> Response {
        let line = self.read_line().await;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end();
        let mut parts = line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let http = version
            .strip_prefix("HTTP/")
            .unwrap_or_else(|| panic!("bad status line {line:?}"))
            .to_owned();
        let status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.read_line().await;
            if line == b"\r\n" || line == b"\n" {
                break;
            }
            let line = String::from_utf8_lossy(&line);
            let (k, v) = line.split_once(':').unwrap_or((&line, ""));
            headers.push((
                k.to_owned(),
                v.trim_start().trim_end_matches(['\r', '\n']).to_owned(),
            ));
        }
        Response {
            http,
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// `send_request` + `read_head`.
    pub async fn request(
        &mut self,
        method: &str,
        url: &str,
        http: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Response {
        self.send_request(method, url, http, headers, body).await;
        self.read_head().await
    }

    /// Reads more bytes into the buffer; false on EOF (a reset counts as EOF).
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut tmp = [0u8; 16384];
        match within("data from the server", self.stream.read(&mut tmp)).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                true
            }
        }
    }

    /// Reads through the next `delim` (included); `None` if the connection ends first.
    pub async fn read_until(&mut self, delim: u8) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == delim) {
                return Some(self.buf.drain(..=i).collect());
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Reads one line including `\n`; the connection must not end first.
    pub async fn read_line(&mut self) -> Vec<u8> {
        self.read_until(b'\n')
            .await
            .expect("connection closed in the middle of a line")
    }

    /// `c.read()`: one packet (whatever is buffered, else one `recv`); empty on EOF.
    pub async fn read(&mut self) -> Vec<u8> {
        if self.buf.is_empty() {
            self.fill().await;
        }
        std::mem::take(&mut self.buf)
    }

    /// `c.read(n)`: exactly `n` bytes; the connection must not end first.
    pub async fn read_exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(
                self.fill().await,
                "Socket closed! (wanted {n} bytes, got {:?})",
                self.buf
            );
        }
        self.buf.drain(..n).collect()
    }

    /// `c.read_chunk()`: one HTTP chunk's data; the terminating chunk reads as empty.
    pub async fn read_chunk(&mut self) -> Vec<u8> {
        let line = self.read_line().await;
        let line = String::from_utf8_lossy(&line);
        let size_str = line.trim_end_matches(['\r', '\n']);
        let size_str = size_str.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_str, 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {line:?}"));
        let mut data = self.read_exact(size + 2).await;
        assert_eq!(&data[size..], b"\r\n", "chunk not terminated by CRLF");
        data.truncate(size);
        data
    }

    /// Everything up to EOF.
    pub async fn read_to_eof(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buf)
    }

    /// `c.closed()`: the server has closed the connection (nothing more arrives, then EOF).
    pub async fn assert_closed(&mut self) {
        let extra = self.read().await;
        assert!(
            extra.is_empty(),
            "Socket not closed! received {:?}",
            String::from_utf8_lossy(&extra)
        );
    }

    /// Drops the connection (the suite's `r.close()` on a pending request: a client abort).
    pub fn abort(self) {
        drop(self);
    }
}

fn is_chunked(r: &Response) -> bool {
    r.header("transfer-encoding")
        .unwrap_or_default()
        .eq_ignore_ascii_case("chunked")
}

fn connection_close(r: &Response) -> bool {
    let connection = r.header("connection").unwrap_or_default().to_lowercase();
    connection.split(',').any(|t| t.trim() == "close")
}

/// How the body of a [`Streaming`] response is delimited.
enum Framing {
    Chunked,
    Length(usize),
    Raw,
}

/// The suite's `GET_async`/`POST_async` response: head first, then `read()` per chunk.
pub struct Streaming {
    pub head: Response,
    conn: RawConn,
    framing: Framing,
}

impl Streaming {
    pub async fn start(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Self {
        let mut conn = RawConn::connect(url).await;
        let head = conn.request(method, url, "1.1", headers, body).await;
        let framing = if is_chunked(&head) {
            Framing::Chunked
        } else if let Some(cl) = head.header("content-length").filter(|v| !v.is_empty()) {
            Framing::Length(cl.trim().parse().expect("Content-Length"))
        } else if connection_close(&head) || head.status == 101 {
            Framing::Raw
        } else {
            panic!(
                "{} {:?} No Transfer-Encoding:chunked nor Content-Length nor Connection:Close!",
                head.status, head.headers
            )
        };
        Streaming {
            head,
            conn,
            framing,
        }
    }

    /// One chunk (or one packet for close-delimited bodies); empty once the body has ended.
    pub async fn read(&mut self) -> Vec<u8> {
        match self.framing {
            Framing::Chunked => self.conn.read_chunk().await,
            Framing::Length(n) => self.conn.read_exact(n).await,
            Framing::Raw => self.conn.read().await,
        }
    }

    /// `read()` as text.
    pub async fn read_str(&mut self) -> String {
        String::from_utf8_lossy(&self.read().await).into_owned()
    }

    /// Asserts the next read is exactly `expected`.
    pub async fn expect(&mut self, expected: &str) {
        assert_eq!(self.read_str().await, expected);
    }

    /// Asserts the body has ended (`assertFalse(r.read())`).
    pub async fn expect_end(&mut self) {
        let rest = self.read_str().await;
        assert!(
            rest.is_empty(),
            "expected the response to end, got {rest:?}"
        );
    }

    /// Drops the connection (a client abort).
    pub fn close(self) {
        drop(self);
    }
}

impl std::ops::Deref for Streaming {
    type Target = Response;
    fn deref(&self) -> &Response {
        &self.head
    }
}

/// A whole request/response over a fresh raw connection, with the suite's body rules: chunked,
/// else Content-Length, else `Connection: close`, else only 101/204/304 may lack a body.
/// Used where awc would rewrite the request (it replaces any `Connection` header).
pub async fn raw_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    raw_request_as("1.1", method, url, headers, body.map(str::as_bytes)).await
}

/// [`raw_request`] in HTTP version `http` (`"1.0"` or `"1.1"`) with a body of any bytes. An
/// HTTP/1.0 answer without a length ends when the server closes the connection.
pub async fn raw_request_as(
    http: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let mut conn = RawConn::connect(url).await;
    conn.send_request(method, url, http, headers, body).await;
    conn.read_response(http).await
}

impl RawConn {
    /// A whole response (head and body) to a request in HTTP version `http`, by the rules of
    /// [`raw_request_as`].
    pub async fn read_response(&mut self, http: &str) -> Response {
        let mut r = self.read_head().await;
        r.body = if is_chunked(&r) {
            let mut body = Vec::new();
            loop {
                let chunk = self.read_chunk().await;
                if chunk.is_empty() {
                    break body;
                }
                body.extend_from_slice(&chunk);
            }
        } else if let Some(cl) = r.header("content-length").filter(|v| !v.is_empty()) {
            self.read_exact(cl.trim().parse().expect("Content-Length"))
                .await
        } else if [101, 204, 304].contains(&r.status) {
            Vec::new()
        } else {
            assert!(
                connection_close(&r) || http == "1.0",
                "{} {:?} No Transfer-Encoding:chunked nor Content-Length nor Connection:Close!",
                r.status,
                r.headers
            );
            self.read_to_eof().await
        };
        r
    }
}

/// The suite's `GET_async(url, headers=…)`.
pub async fn get_async(url: &str, headers: &[(&str, &str)]) -> Streaming {
    Streaming::start("GET", url, headers, None).await
}

/// The suite's `POST_async(url, headers=…)`.
pub async fn post_async(url: &str, headers: &[(&str, &str)]) -> Streaming {
    Streaming::start("POST", url, headers, None).await
}

/// A connection to `url`'s host with a 4 KiB receive buffer, for a client
/// that reads little or nothing: what the server sends backs up in it. Also
/// `url`'s host and path, for the request to write.
pub async fn slow_reader(url: &str) -> (TcpStream, String, String) {
    let (host, path) = split_url(url);
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket
        .connect(host.parse().expect("addr"))
        .await
        .expect("connect");
    (stream, host.to_owned(), path.to_owned())
}

/// The suite's `old_POST_async(url, load=False)`: the request is sent and never read.
pub async fn post_pending(url: &str) -> RawConn {
    let mut conn = RawConn::connect(url).await;
    conn.send_request("POST", url, "1.1", &[], None).await;
    conn
}

// ---------------------------------------------------------------------------------------------
// WebSocket (RFC 6455)
// ---------------------------------------------------------------------------------------------

/// What a WebSocket `recv` produced.
#[derive(Debug, PartialEq, Eq)]
pub enum WsEvent {
    Text(String),
    /// Close frame (code, reason), or a dropped connection (`None`, `""`).
    Closed(Option<u16>, String),
}

/// An RFC 6455 client (the suite's `WebSocket8Client` / `websocket.create_connection`).
pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
    closed: bool,
}

impl Ws {
    pub async fn connect(url: &str) -> Self {
        let (inner, _) = within("websocket handshake", tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|e| panic!("websocket connect {url}: {e}"));
        Ws {
            inner,
            closed: false,
        }
    }

    /// Connects with `Origin: http://host:port`, as the suite's websocket-client does.
    pub async fn connect_with_origin(url: &str) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = url.into_client_request().expect("a websocket url");
        let origin = format!("http://{}", split_url(url).0);
        req.headers_mut()
            .insert("origin", origin.parse().expect("an origin header"));
        let (inner, _) = within("websocket handshake", tokio_tungstenite::connect_async(req))
            .await
            .unwrap_or_else(|e| panic!("websocket connect {url}: {e}"));
        Ws {
            inner,
            closed: false,
        }
    }

    /// After a close frame: the server ends the TCP connection (nothing more arrives).
    pub async fn expect_connection_end(&mut self) {
        loop {
            match within("the connection to end", self.inner.next()).await {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Text(t))) => panic!("a message after the close: {t:?}"),
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn send(&mut self, text: &str) {
        within("websocket send", self.inner.send(Message::text(text)))
            .await
            .unwrap_or_else(|e| panic!("websocket send {text:?}: {e}"));
    }

    /// Sends any message as it is: binary, or a hand-built [`Message::Frame`].
    pub async fn send_message(&mut self, msg: Message) {
        within("websocket send", self.inner.send(msg))
            .await
            .unwrap_or_else(|e| panic!("websocket send: {e}"));
    }

    /// The next text message, or the end of the connection. Pings/pongs are skipped.
    pub async fn recv(&mut self) -> WsEvent {
        if self.closed {
            return WsEvent::Closed(None, String::new());
        }
        loop {
            let msg = within("a websocket message", self.inner.next()).await;
            match msg {
                Some(Ok(Message::Text(t))) => return WsEvent::Text(t.as_str().to_owned()),
                Some(Ok(Message::Binary(b))) => {
                    return WsEvent::Text(String::from_utf8_lossy(&b).into_owned())
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(frame))) => {
                    self.closed = true;
                    return match frame {
                        Some(f) => {
                            WsEvent::Closed(Some(f.code.into()), f.reason.as_str().to_owned())
                        }
                        None => WsEvent::Closed(None, String::new()),
                    };
                }
                Some(Err(_)) | None => {
                    self.closed = true;
                    return WsEvent::Closed(None, String::new());
                }
            }
        }
    }

    /// The next message, which must be text.
    pub async fn recv_text(&mut self) -> String {
        match self.recv().await {
            WsEvent::Text(t) => t,
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    /// The connection must end next; returns (code, reason).
    pub async fn expect_closed(&mut self) -> (Option<u16>, String) {
        match self.recv().await {
            WsEvent::Closed(code, reason) => (code, reason),
            WsEvent::Text(t) => panic!("expected the connection to close, got message {t:?}"),
        }
    }

    pub async fn close(mut self) {
        if !self.closed {
            let _ = within("websocket close", self.inner.close(None)).await;
        }
    }

    /// The full closing handshake: sends a close frame with `code` and waits
    /// for the server's answer (what a browser does), returning it.
    pub async fn close_handshake(mut self, code: u16, reason: &str) -> (Option<u16>, String) {
        use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_owned().into(),
        };
        within("websocket close", self.inner.close(Some(frame)))
            .await
            .unwrap_or_else(|e| panic!("websocket close: {e}"));
        self.expect_closed().await
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket hixie-76 (hybi-00)
// ---------------------------------------------------------------------------------------------

/// The suite's hixie-76 handshake keys (`test_haproxy`) and the answer to them with key3
/// `aaaaaaaa`: md5(be32(829309203) ‖ be32(259970620) ‖ "aaaaaaaa").
pub const HIXIE_KEY1: &str = "4 @1  46546xW%0l 1 5";
pub const HIXIE_KEY2: &str = "12998 5 Y3 1  .P00";
pub const HIXIE_KEY3: &[u8; 8] = b"aaaaaaaa";
pub const HIXIE_ANSWER: [u8; 16] = [
    0xca, 0x34, 0x00, 0xd8, 0xa5, 0x08, 0x47, 0x97, 0x2c, 0xd5, 0x71, 0x5a, 0xba, 0xbf, 0x43, 0x7b,
];

/// A hixie-76 client: frames are `0x00 <utf-8> 0xff`, closing is `0xff 0x00` or EOF.
pub struct Hixie76 {
    conn: RawConn,
}

impl Hixie76 {
    /// `http://…` url of the socket; returns the response head too.
    pub async fn connect(http_url: &str) -> (Self, Response) {
        let mut conn = RawConn::connect(http_url).await;
        let origin = format!("http://{}", split_url(http_url).0);
        conn.send_request(
            "GET",
            http_url,
            "1.1",
            &[
                ("Connection", "Upgrade"),
                ("Upgrade", "WebSocket"),
                ("Origin", &origin),
                ("Sec-WebSocket-Key1", HIXIE_KEY1),
                ("Sec-WebSocket-Key2", HIXIE_KEY2),
            ],
            None,
        )
        .await;
        // Like a browser: the key follows the head at once.
        conn.send(HIXIE_KEY3).await;
        let head = conn.read_head().await;
        head.assert_status(101);
        assert_eq!(
            conn.read_exact(16).await,
            HIXIE_ANSWER,
            "hixie-76 challenge answer"
        );
        (Hixie76 { conn }, head)
    }

    pub async fn send(&mut self, text: &str) {
        let mut frame = vec![0x00];
        frame.extend_from_slice(text.as_bytes());
        frame.push(0xff);
        self.conn.send(&frame).await;
    }

    /// Sends bytes as they are (malformed frames, partial frames).
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.conn.send(bytes).await;
    }

    /// The server's closing handshake comes next: exactly `0xff 0x00`, then EOF.
    pub async fn expect_closing_handshake(&mut self) {
        assert_eq!(
            self.conn.read_exact(2).await,
            [0xff, 0x00],
            "closing handshake"
        );
        self.conn.assert_closed().await;
    }

    /// The next text frame, or `None` once the server closed (`0xff 0x00` or EOF).
    pub async fn recv(&mut self) -> Option<String> {
        let first = self.conn.read_exact_or_eof(1).await?;
        match first[0] {
            0x00 => {
                let mut data = self.conn.read_until(0xff).await?;
                data.pop();
                Some(String::from_utf8(data).expect("hixie-76 frame is UTF-8"))
            }
            0xff => None,
            b => panic!("unexpected hixie-76 frame type {b:#x}"),
        }
    }

    pub async fn recv_text(&mut self) -> String {
        self.recv()
            .await
            .expect("expected a hixie-76 message, the connection closed")
    }

    pub async fn expect_closed(&mut self) {
        if let Some(t) = self.recv().await {
            panic!("expected the connection to close, got message {t:?}");
        }
    }

    /// Sends the closing handshake, ignoring a connection the server already dropped.
    pub async fn close(mut self) {
        let _ = within("hixie-76 close", self.conn.stream.write_all(&[0xff, 0x00])).await;
    }
}

impl RawConn {
    /// Exactly `n` bytes, or `None` if the connection ends first.
    pub async fn read_exact_or_eof(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket (RFC 6455) byte by byte, for malformed and hostile frames
// ---------------------------------------------------------------------------------------------

/// A server frame: opcode and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsFrame {
    pub opcode: u8,
    pub payload: Vec<u8>,
}

impl WsFrame {
    /// The code of a close frame (1005 when it has none).
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == 8).then(|| match self.payload.get(..2) {
            Some(c) => u16::from_be_bytes([c[0], c[1]]),
            None => 1005,
        })
    }
}

/// An RFC 6455 client that writes frames by hand (any opcode, reserved bits,
/// fragments, lengths it never sends) and reads the server's frames.
pub struct RawWs {
    pub conn: RawConn,
}

impl RawWs {
    /// Opens `ws://…` with a hand-written handshake.
    pub async fn connect(ws_url: &str) -> Self {
        let url = ws_url.replacen("ws://", "http://", 1);
        let mut conn = RawConn::connect(&url).await;
        let head = conn
            .request(
                "GET",
                &url,
                "1.1",
                &[
                    ("Connection", "Upgrade"),
                    ("Upgrade", "websocket"),
                    ("Sec-WebSocket-Version", "13"),
                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ],
                None,
            )
            .await;
        head.assert_status(101);
        RawWs { conn }
    }

    /// A masked frame's head: `first` (FIN, RSV, opcode) and a length that
    /// may promise more than will be sent. The mask is zero, so payload
    /// bytes go as they are.
    pub fn head(first: u8, len: u64) -> Vec<u8> {
        let mut h = vec![first];
        match len {
            n if n < 126 => h.push(0x80 | n as u8),
            n if n < 65536 => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                h.push(0x80 | 127);
                h.extend_from_slice(&n.to_be_bytes());
            }
        }
        h.extend_from_slice(&[0, 0, 0, 0]);
        h
    }

    /// Sends one whole frame.
    pub async fn frame(&mut self, first: u8, payload: &[u8]) {
        let mut f = Self::head(first, payload.len() as u64);
        f.extend_from_slice(payload);
        self.conn.send(&f).await;
    }

    /// Sends raw bytes; false if the server has closed the connection.
    pub async fn try_send(&mut self, data: &[u8]) -> bool {
        self.conn.try_send(data).await
    }

    /// The next server frame, or `None` when the connection ends.
    pub async fn read_frame(&mut self) -> Option<WsFrame> {
        let h = self.conn.read_exact_or_eof(2).await?;
        let opcode = h[0] & 0x0f;
        let len = match h[1] & 0x7f {
            126 => {
                let b = self.conn.read_exact_or_eof(2).await?;
                u64::from(u16::from_be_bytes([b[0], b[1]]))
            }
            127 => {
                let b = self.conn.read_exact_or_eof(8).await?;
                u64::from_be_bytes(b.try_into().ok()?)
            }
            n => u64::from(n),
        };
        let payload = self.conn.read_exact_or_eof(len as usize).await?;
        Some(WsFrame { opcode, payload })
    }

    /// Reads frames until a close frame, which is returned; `None` if the
    /// connection ended without one.
    pub async fn until_close(&mut self) -> Option<WsFrame> {
        loop {
            let f = self.read_frame().await?;
            if f.opcode == 8 {
                return Some(f);
            }
        }
    }
}
