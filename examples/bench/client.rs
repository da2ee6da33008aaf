//! The load generator's clients: just enough HTTP/1.1 and RFC 6455 to drive
//! SockJS servers cheaply (one read buffer per connection, frames parsed in
//! place), so the generator spends its core on load, not on a client stack.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn bad(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// At most 100 characters of `s`, for error messages.
pub fn short(s: &str) -> &str {
    match s.char_indices().nth(100) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One TCP connection with a read buffer.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
}

impl Conn {
    pub async fn connect(port: u16) -> io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
            pos: 0,
        })
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }

    /// Reads more; EOF is an error.
    async fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.buf.capacity() - self.buf.len() < 1024 {
            self.buf.reserve(4096);
        }
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    pub async fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.stream.write_all(b).await
    }

    /// Reads a response head.
    pub async fn read_head(&mut self) -> io::Result<Head> {
        loop {
            if let Some(end) = find(self.data(), b"\r\n\r\n") {
                let head = Head::parse(&self.data()[..end])?;
                self.consume(end + 4);
                return Ok(head);
            }
            if self.data().len() > 64 * 1024 {
                return Err(bad("response head too long"));
            }
            self.fill().await?;
        }
    }

    /// Appends body bytes to `out`: returns once some were appended or the
    /// body ended (`body.done`).
    pub async fn read_body(&mut self, body: &mut Body, out: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let before = out.len();
            self.decode(body, out)?;
            if out.len() > before || body.done {
                return Ok(());
            }
            match self.fill().await {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && body.until_eof => {
                    body.done = true;
                    return Ok(());
                }
                r => r?,
            }
        }
    }

    fn decode(&mut self, body: &mut Body, out: &mut Vec<u8>) -> io::Result<()> {
        if body.done {
            return Ok(());
        }
        if !body.chunked {
            let avail = self.data().len();
            let n = if body.until_eof {
                avail
            } else {
                avail.min(body.left)
            };
            out.extend_from_slice(&self.data()[..n]);
            self.consume(n);
            if !body.until_eof {
                body.left -= n;
                body.done = body.left == 0;
            }
            return Ok(());
        }
        loop {
            if body.crlf {
                if self.data().len() < 2 {
                    return Ok(());
                }
                if &self.data()[..2] != b"\r\n" {
                    return Err(bad("bad chunk end"));
                }
                self.consume(2);
                body.crlf = false;
                if body.last {
                    body.done = true;
                    return Ok(());
                }
            }
            if body.left == 0 {
                let Some(eol) = find(self.data(), b"\r\n") else {
                    return Ok(());
                };
                let line = std::str::from_utf8(&self.data()[..eol]).map_err(|_| bad("chunk"))?;
                let size = line.split(';').next().unwrap_or_default().trim();
                let size = usize::from_str_radix(size, 16).map_err(|_| bad("chunk size"))?;
                self.consume(eol + 2);
                if size == 0 {
                    body.last = true;
                    body.crlf = true;
                    continue;
                }
                body.left = size;
            }
            let n = self.data().len().min(body.left);
            if n == 0 {
                return Ok(());
            }
            out.extend_from_slice(&self.data()[..n]);
            self.consume(n);
            body.left -= n;
            if body.left == 0 {
                body.crlf = true;
            }
        }
    }

    /// Reads a whole response: its head, and its body into `out`.
    pub async fn read_response(&mut self, out: &mut Vec<u8>) -> io::Result<Head> {
        let head = self.read_head().await?;
        let mut body = Body::new(&head);
        while !body.done {
            self.read_body(&mut body, out).await?;
        }
        Ok(head)
    }
}

/// What a response head says.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub close: bool,
    length: Option<usize>,
    chunked: bool,
}

impl Head {
    fn parse(text: &[u8]) -> io::Result<Head> {
        let text = std::str::from_utf8(text).map_err(|_| bad("head is not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.split(' ');
        let version = parts.next().unwrap_or_default();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
        let mut head = Head {
            status,
            close: version == "HTTP/1.0",
            length: None,
            chunked: false,
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                head.length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                head.chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    head.close = true;
                } else if v.contains("keep-alive") {
                    head.close = false;
                }
            }
        }
        Ok(head)
    }
}

/// Where a response body is in its decoding.
#[derive(Debug)]
pub struct Body {
    chunked: bool,
    until_eof: bool,
    left: usize,
    crlf: bool,
    last: bool,
    pub done: bool,
}

impl Body {
    pub fn new(head: &Head) -> Body {
        let none = head.status == 204 || head.status == 304 || head.status < 200;
        let mut b = Body {
            chunked: head.chunked,
            until_eof: false,
            left: 0,
            crlf: false,
            last: false,
            done: none,
        };
        if !none && !head.chunked {
            match head.length {
                Some(n) => {
                    b.left = n;
                    b.done = n == 0;
                }
                None => b.until_eof = true,
            }
        }
        b
    }
}

/// The headers Chromium 156 (headless, Linux) sent beside `Host`,
/// `Connection` and `Content-Length` with an XHR POST to a SockJS URL of
/// the page's origin (`{origin}`: the server's), recorded from the
/// browser; the cookie is one 32-character session id.
const BROWSER_XHR: &str = "sec-ch-ua-platform: \"Linux\"\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\n\
sec-ch-ua: \"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
Accept: */*\r\n\
Origin: {origin}\r\n\
Sec-Fetch-Site: same-origin\r\n\
Sec-Fetch-Mode: cors\r\n\
Sec-Fetch-Dest: empty\r\n\
Referer: {origin}/\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: sid=0123456789abcdef0123456789abcdef\r\n";

/// What the same Chromium sent with its WebSocket handshake, beside `Host`,
/// `Connection`, `Upgrade`, `Sec-WebSocket-Key` and `-Version`.
const BROWSER_WS: &str = "Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\n\
Origin: {origin}\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: sid=0123456789abcdef0123456789abcdef\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

thread_local! {
    /// Requests that open connections carry a browser's headers (the memory
    /// rows: what a server keeps of them is part of a session's cost).
    static BROWSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While it lives, this thread's clients send a browser's headers
/// ([`BROWSER_XHR`], [`BROWSER_WS`]).
pub struct BrowserHeaders(());

impl BrowserHeaders {
    pub fn on() -> BrowserHeaders {
        BROWSER.with(|b| b.set(true));
        BrowserHeaders(())
    }
}

impl Drop for BrowserHeaders {
    fn drop(&mut self) {
        BROWSER.with(|b| b.set(false));
    }
}

fn browser() -> bool {
    BROWSER.with(std::cell::Cell::get)
}

/// `headers` from a page of the server on `port`.
fn with_origin(headers: &str, port: u16) -> String {
    headers.replace("{origin}", &format!("http://127.0.0.1:{port}"))
}

/// An HTTP/1.1 request.
pub fn request(method: &str, path: &str, port: u16, body: &[u8], close: bool) -> Vec<u8> {
    let mut r = Vec::with_capacity(160 + body.len());
    r.extend_from_slice(
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n").as_bytes(),
    );
    if browser() {
        r.extend_from_slice(with_origin(BROWSER_XHR, port).as_bytes());
    }
    if method == "POST" {
        r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        if !body.is_empty() {
            r.extend_from_slice(b"Content-Type: text/plain;charset=UTF-8\r\n");
        }
    }
    if close {
        r.extend_from_slice(b"Connection: close\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

// ---------------------------------------------------------------- WebSocket

pub struct Ws {
    conn: Conn,
    frame: Vec<u8>,
}

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

impl Ws {
    pub async fn connect(port: u16, path: &str) -> io::Result<Ws> {
        let mut conn = Conn::connect(port).await?;
        let extra = if browser() {
            with_origin(BROWSER_WS, port)
        } else {
            String::new()
        };
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        );
        conn.write_all(req.as_bytes()).await?;
        let head = conn.read_head().await?;
        if head.status != 101 {
            return Err(bad(format!("websocket handshake: status {}", head.status)));
        }
        Ok(Ws {
            conn,
            frame: Vec::with_capacity(128),
        })
    }

    async fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let f = &mut self.frame;
        f.clear();
        f.push(0x80 | opcode);
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n < 65536 => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&MASK);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i & 3]));
        let frame = std::mem::take(&mut self.frame);
        let r = self.conn.write_all(&frame).await;
        self.frame = frame;
        r
    }

    pub async fn send_text(&mut self, text: &[u8]) -> io::Result<()> {
        self.send_frame(1, text).await
    }

    /// The next text message, into `out` (cleared first). Pings are
    /// answered; a close frame is an error.
    pub async fn recv_text(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        out.clear();
        loop {
            let d = self.conn.data();
            if d.len() >= 2 {
                let fin = d[0] & 0x80 != 0;
                let opcode = d[0] & 0x0f;
                let masked = d[1] & 0x80 != 0;
                let (len, mut at) = match d[1] & 0x7f {
                    126 if d.len() >= 4 => (u16::from_be_bytes([d[2], d[3]]) as usize, 4),
                    127 if d.len() >= 10 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&d[2..10]);
                        (u64::from_be_bytes(b) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                let mask_at = at;
                if masked {
                    at += 4;
                }
                if len != usize::MAX && d.len() >= at + len {
                    let payload = &d[at..at + len];
                    match opcode {
                        0 | 1 => {
                            if masked {
                                let m =
                                    [d[mask_at], d[mask_at + 1], d[mask_at + 2], d[mask_at + 3]];
                                out.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i & 3]));
                            } else {
                                out.extend_from_slice(payload);
                            }
                            self.conn.consume(at + len);
                            if fin {
                                return Ok(());
                            }
                        }
                        8 => {
                            return Err(io::Error::new(
                                io::ErrorKind::ConnectionAborted,
                                "websocket closed by server",
                            ))
                        }
                        9 => {
                            let p = payload.to_vec();
                            self.conn.consume(at + len);
                            self.send_frame(10, &p).await?;
                        }
                        10 => self.conn.consume(at + len),
                        other => return Err(bad(format!("websocket opcode {other}"))),
                    }
                    continue;
                }
            }
            self.conn.fill().await?;
        }
    }
}

// ------------------------------------------------------------------ SockJS

/// The receiving transports the generator drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain WebSocket text messages (the floor).
    RawWs,
    /// SockJS over WebSocket.
    Websocket,
    XhrStreaming,
    EventSource,
    XhrPolling,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::RawWs => "raw websocket",
            Transport::Websocket => "websocket",
            Transport::XhrStreaming => "xhr-streaming",
            Transport::EventSource => "eventsource",
            Transport::XhrPolling => "xhr-polling",
        }
    }
}

/// A session id for `n`.
pub fn session_id(n: usize) -> String {
    format!("b{n:x}")
}

enum RecvState {
    /// No request outstanding.
    Idle,
    /// Request sent, waiting for the head.
    Head,
    Body(Body),
}

/// The resume extension's state of a session (docs/resume.md), when the
/// generator speaks it: the token, and how many messages came in order.
pub struct Resume {
    /// The open frame came (a poll's answer carries it alone; the token
    /// comes with the next one).
    opened: bool,
    token: Option<String>,
    /// Messages received (the `ack` of every request).
    pub received: u64,
    /// `received` when the last WebSocket `{"ack":N}` went out.
    acked: u64,
}

impl Resume {
    fn new() -> Resume {
        Resume {
            opened: false,
            token: None,
            received: 0,
            acked: 0,
        }
    }

    /// The query of a receiving request: `resume=1` until the token came.
    fn query(&self) -> String {
        match &self.token {
            None if self.opened => "?resume=1&ack=0".into(),
            None => "?resume=1".into(),
            Some(t) => format!("?resume={t}&ack={}", self.received),
        }
    }
}

/// A WebSocket client acknowledges at least this often (1/32 of the
/// server's default window of 1,024 messages, as client-js does).
const WS_ACK_EVERY: u64 = 32;

/// The receiving side of one session: frames from the server, with polls
/// and streams re-opened as the protocol wants.
pub enum Receiver {
    Ws(Ws, Option<Resume>),
    Http(HttpReceiver),
}

pub struct HttpReceiver {
    transport: Transport,
    port: u16,
    path: String,
    conn: Option<Conn>,
    state: RecvState,
    close_after: bool,
    /// Decoded body bytes not yet split into frames.
    pending: Vec<u8>,
    pos: usize,
    resume: Option<Resume>,
}

/// The messages of one `a[...]` frame (or a raw WebSocket message).
pub type Messages = Vec<String>;

impl Receiver {
    /// Opens the session's receiver and reads the open frame (and with
    /// `resume`, asks for the extension and reads the token).
    pub async fn open(
        transport: Transport,
        port: u16,
        prefix: &str,
        sid: &str,
        resume: bool,
    ) -> io::Result<Receiver> {
        let resume = resume.then(Resume::new);
        match transport {
            Transport::RawWs => Ok(Receiver::Ws(Ws::connect(port, prefix).await?, None)),
            Transport::Websocket => {
                let query = resume.as_ref().map(Resume::query).unwrap_or_default();
                let mut ws =
                    Ws::connect(port, &format!("{prefix}/000/{sid}/websocket{query}")).await?;
                let mut frame = Vec::new();
                ws.recv_text(&mut frame).await?;
                if frame != b"o" {
                    return Err(bad(format!(
                        "expected open frame, got {:?}",
                        String::from_utf8_lossy(&frame)
                    )));
                }
                let mut r = Receiver::Ws(ws, resume);
                r.read_token().await?;
                Ok(r)
            }
            _ => {
                let name = match transport {
                    Transport::XhrStreaming => "xhr_streaming",
                    Transport::EventSource => "eventsource",
                    _ => "xhr",
                };
                let mut r = HttpReceiver {
                    transport,
                    port,
                    path: format!("{prefix}/000/{sid}/{name}"),
                    conn: Some(Conn::connect(port).await?),
                    state: RecvState::Idle,
                    close_after: false,
                    pending: Vec::new(),
                    pos: 0,
                    resume,
                };
                // xhr-streaming starts with a 2 KiB prelude of `h`s.
                let mut frame = r.next_frame().await?;
                while frame.starts_with('h') {
                    frame = r.next_frame().await?;
                }
                if frame != "o" {
                    return Err(bad(format!("expected open frame, got {:?}", short(&frame))));
                }
                let mut r = Receiver::Http(r);
                r.read_token().await?;
                Ok(r)
            }
        }
    }

    /// Sends the session's next polls to the server on `port` (another node
    /// of a cluster): between polls only, so for xhr-polling.
    pub fn move_to(&mut self, port: u16) -> io::Result<()> {
        let Receiver::Http(h) = self else {
            return Err(bad("a websocket cannot move"));
        };
        if !matches!(h.state, RecvState::Idle) {
            return Err(bad("a request is outstanding: cannot move"));
        }
        if h.port != port {
            h.port = port;
            h.conn = None;
        }
        Ok(())
    }

    fn resume(&mut self) -> Option<&mut Resume> {
        match self {
            Receiver::Ws(_, r) => r.as_mut(),
            Receiver::Http(h) => h.resume.as_mut(),
        }
    }

    /// With the extension, the frame after `o` is `x{"token":...}`.
    async fn read_token(&mut self) -> io::Result<()> {
        match self.resume() {
            None => return Ok(()),
            Some(r) => r.opened = true,
        }
        let frame = self.next_frame().await?;
        let token = frame
            .strip_prefix('x')
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .and_then(|v| v.get("token")?.as_str().map(str::to_owned))
            .ok_or_else(|| bad(format!("expected the token, got {:?}", short(&frame))))?;
        if let Some(r) = self.resume() {
            r.token = Some(token);
        }
        Ok(())
    }

    /// The query of a send with the extension: the number of its first
    /// message and the ack (empty without it).
    pub fn send_query(&mut self, seq: u64) -> String {
        match self.resume() {
            Some(r) => format!("?seq={seq}&ack={}", r.received),
            None => String::new(),
        }
    }

    async fn next_frame(&mut self) -> io::Result<String> {
        match self {
            Receiver::Ws(ws, _) => {
                let mut buf = Vec::with_capacity(96);
                ws.recv_text(&mut buf).await?;
                String::from_utf8(buf).map_err(|_| bad("not UTF-8"))
            }
            Receiver::Http(h) => h.next_frame().await,
        }
    }

    /// Sends through the WebSocket (SockJS framing unless raw).
    pub async fn ws_send(&mut self, raw: bool, text: &str) -> io::Result<()> {
        let Receiver::Ws(ws, resume) = self else {
            return Err(bad("not a websocket"));
        };
        if let Some(r) = resume {
            if r.received - r.acked >= WS_ACK_EVERY {
                r.acked = r.received;
                ws.send_text(format!("{{\"ack\":{}}}", r.received).as_bytes())
                    .await?;
            }
        }
        if raw {
            ws.send_text(text.as_bytes()).await
        } else {
            let framed = serde_json::to_vec(&[text]).map_err(|e| bad(e.to_string()))?;
            ws.send_text(&framed).await
        }
    }

    /// The next batch of messages (heartbeats skipped), into `out`.
    pub async fn next_messages(&mut self, raw: bool, out: &mut Messages) -> io::Result<()> {
        out.clear();
        loop {
            let frame = self.next_frame().await?;
            if raw {
                out.push(frame);
                return Ok(());
            }
            match frame.as_bytes().first() {
                Some(b'h') => continue,
                Some(b'a') if self.resume().is_none() => {
                    *out = serde_json::from_str(&frame[1..])
                        .map_err(|e| bad(format!("bad frame {:?}: {e}", short(&frame))))?;
                    return Ok(());
                }
                // `q[N,"m",...]`: N acknowledges client messages; `q[N]`
                // alone, or `x{...}` (resumed), carries no message.
                Some(b'q') if self.resume().is_some() => {
                    let mut items: Vec<serde_json::Value> = serde_json::from_str(&frame[1..])
                        .map_err(|e| bad(format!("bad frame {:?}: {e}", short(&frame))))?;
                    if items.len() < 2 {
                        continue;
                    }
                    for m in items.drain(1..) {
                        match m {
                            serde_json::Value::String(s) => out.push(s),
                            _ => return Err(bad(format!("bad frame {:?}", short(&frame)))),
                        }
                    }
                    if let Some(r) = self.resume() {
                        r.received += out.len() as u64;
                    }
                    return Ok(());
                }
                Some(b'x') if self.resume().is_some() => continue,
                _ => return Err(bad(format!("unexpected frame {:?}", short(&frame)))),
            }
        }
    }
}

impl HttpReceiver {
    fn take_frame(&mut self) -> Option<String> {
        loop {
            let data = &self.pending[self.pos..];
            let nl = data.iter().position(|&b| b == b'\n')?;
            let mut line = &data[..nl];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            let frame = if self.transport == Transport::EventSource {
                line.strip_prefix(b"data: ")
            } else {
                Some(line)
            }
            .map(|f| String::from_utf8_lossy(f).into_owned());
            self.pos += nl + 1;
            if self.pos == self.pending.len() {
                self.pending.clear();
                self.pos = 0;
            }
            if frame.is_some() {
                return frame;
            }
        }
    }

    async fn next_frame(&mut self) -> io::Result<String> {
        loop {
            if let Some(f) = self.take_frame() {
                return Ok(f);
            }
            let conn = match &mut self.conn {
                Some(c) => c,
                None => self.conn.insert(Conn::connect(self.port).await?),
            };
            match &mut self.state {
                RecvState::Idle => {
                    let method = if self.transport == Transport::EventSource {
                        "GET"
                    } else {
                        "POST"
                    };
                    let path = match &self.resume {
                        Some(r) => format!("{}{}", self.path, r.query()),
                        None => self.path.clone(),
                    };
                    conn.write_all(&request(method, &path, self.port, b"", false))
                        .await?;
                    self.state = RecvState::Head;
                }
                RecvState::Head => {
                    let head = conn.read_head().await?;
                    if head.status != 200 {
                        return Err(bad(format!("{}: status {}", self.path, head.status)));
                    }
                    self.close_after = head.close;
                    self.state = RecvState::Body(Body::new(&head));
                }
                RecvState::Body(body) => {
                    conn.read_body(body, &mut self.pending).await?;
                    if body.done {
                        // Poll again (or re-open the stream) at once, as a
                        // browser client does.
                        self.state = RecvState::Idle;
                        if self.close_after {
                            self.conn = None;
                        }
                    }
                }
            }
        }
    }
}

/// Sends through `xhr_send` on a keep-alive connection.
pub struct HttpSender {
    port: u16,
    path: String,
    conn: Option<Conn>,
    body: Vec<u8>,
}

impl HttpSender {
    pub fn new(port: u16, prefix: &str, sid: &str) -> HttpSender {
        HttpSender {
            port,
            path: format!("{prefix}/000/{sid}/xhr_send"),
            conn: None,
            body: Vec::new(),
        }
    }

    /// Opens the connection ahead of the first send.
    pub async fn connect(&mut self) -> io::Result<()> {
        if self.conn.is_none() {
            self.conn = Some(Conn::connect(self.port).await?);
        }
        Ok(())
    }

    /// Sends one message; `query` is the extension's (`Receiver::send_query`).
    pub async fn send(&mut self, text: &str, query: &str) -> io::Result<()> {
        let framed = serde_json::to_vec(&[text]).map_err(|e| bad(e.to_string()))?;
        let path = format!("{}{query}", self.path);
        let req = request("POST", &path, self.port, &framed, false);
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(Conn::connect(self.port).await?),
        };
        conn.write_all(&req).await?;
        self.body.clear();
        let head = conn.read_response(&mut self.body).await?;
        if head.close {
            self.conn = None;
        }
        if head.status != 204 && head.status != 200 {
            return Err(bad(format!(
                "xhr_send: status {} {:?}",
                head.status,
                String::from_utf8_lossy(&self.body)
            )));
        }
        Ok(())
    }
}

/// Opens a session with one xhr poll and leaves it parked (no poll
/// outstanding, no connection). With `resume`, asks for the extension (as
/// client-js does by default) and polls once more for the token.
pub async fn park(port: u16, prefix: &str, sid: &str, resume: bool) -> io::Result<()> {
    let polls: &[(&str, &str)] = match resume {
        false => &[("", "o\n")],
        true => &[("?resume=1", "o\n"), ("?resume=1&ack=0", "x{\"token\":")],
    };
    for (query, want) in polls {
        let mut conn = Conn::connect(port).await?;
        let path = format!("{prefix}/000/{sid}/xhr{query}");
        conn.write_all(&request("POST", &path, port, b"", true))
            .await?;
        let mut body = Vec::new();
        let head = conn.read_response(&mut body).await?;
        if head.status != 200 || !body.starts_with(want.as_bytes()) {
            return Err(bad(format!(
                "park: status {} {:?}",
                head.status,
                String::from_utf8_lossy(&body)
            )));
        }
    }
    Ok(())
}
