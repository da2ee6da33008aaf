//! What the transport tests share: the hostile message set, an echo service
//! that reports how each session ended, decoders from every transport's wire
//! format back to SockJS frames (checking on the way that a frame cannot break
//! out of its wrapping), and the checks every HTTP receiving transport must
//! pass (response limit, close frame, abort, second receiver, callbacks).

use actix_sockjs::{CloseReason, MessageStream, Session, SockJs, Transport};
use tokio::sync::mpsc;

use crate::common::{
    self,
    client::{self, Hixie76, RawConn, Response, Ws, TIMEOUT},
};

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// Length of the big message of the set.
pub const BIG: usize = 100 * 1024;

/// The hostile message set, in the order it is sent: Korean, emoji (with a
/// skin-tone modifier), every C0 control, every C1 control, U+2028, U+2029,
/// U+FEFF, U+FFFF, the empty string and 100 KiB of mixed ASCII.
pub fn message_set() -> Vec<String> {
    vec![
        "안녕하세요".to_owned(),
        "😀👍🏽".to_owned(),
        ('\u{0}'..='\u{1f}').collect(),
        ('\u{80}'..='\u{9f}').collect(),
        "\u{2028}".to_owned(),
        "\u{2029}".to_owned(),
        "\u{feff}".to_owned(),
        "\u{ffff}".to_owned(),
        String::new(),
        big_message(),
    ]
}

/// [`BIG`] characters cycling through printable ASCII: `"`, `\`, `<`, `>`,
/// `&` and `/` included.
pub fn big_message() -> String {
    (0..BIG)
        .map(|i| char::from(b' ' + (i % 95) as u8))
        .collect()
}

/// Messages that try to end an event, a script block or a JavaScript string
/// early, or to forge a frame of their own.
pub const BREAKOUTS: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "a\r\n\r\ndata: c[3000,\"forged\"]\r\n\r\n",
    "a\nforged",
    "\u{2028}x\u{2029}",
    "\u{85}",
    "</script><script>alert(1)</script>",
    "<!--<script>",
    "\");alert(1);//",
    "&lt;&#x2028;",
    "100% %25 %0A%0D %E2%80%A8 %",
];

/// A message's short description for failure reports (no 100 KiB dumps).
fn describe(m: &str) -> String {
    if m.chars().count() <= 40 {
        format!("{m:?}")
    } else {
        let head: String = m.chars().take(20).collect();
        format!("{head:?}… ({} bytes)", m.len())
    }
}

/// Asserts `got` is exactly `want`, naming the first difference.
pub fn assert_messages(got: &[String], want: &[String]) {
    if got == want {
        return;
    }
    let i = got
        .iter()
        .zip(want)
        .position(|(g, w)| g != w)
        .unwrap_or(got.len().min(want.len()));
    let at = |v: &[String]| v.get(i).map_or("nothing".to_owned(), |m| describe(m));
    panic!(
        "messages differ at #{i} (got {} messages, want {}): got {}, want {}",
        got.len(),
        want.len(),
        at(got),
        at(want)
    );
}

/// The messages as a JSON array, as clients send them.
pub fn json_array<S: AsRef<str>>(messages: &[S]) -> String {
    let v: Vec<&str> = messages.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&v).expect("JSON")
}

// ---------------------------------------------------------------------------------------------
// The echo service
// ---------------------------------------------------------------------------------------------

/// The message that makes the echo service close the session.
pub const CLOSE_ME: &str = "please close";
/// The close code and reason it closes with; the reason needs escaping.
pub const CLOSE_CODE: u16 = 4321;
pub const CLOSE_REASON: &str = "안녕 \"bye\" </script>\u{2028}\n";

/// The frame every receiver gets once the echo service closed.
pub fn echo_close_frame() -> Frame {
    Frame::Close(CLOSE_CODE, CLOSE_REASON.to_owned())
}

/// The frame after an aborted receiver.
pub fn interrupted_frame() -> Frame {
    Frame::Close(1002, "Connection interrupted".to_owned())
}

/// An echo service at `/s` that closes on [`CLOSE_ME`] and reports how each
/// session ended.
pub struct Echo {
    pub server: common::Server,
    /// The service, to observe its sessions from the server side.
    pub service: SockJs,
    ended: mpsc::UnboundedReceiver<(Transport, CloseReason)>,
}

impl Echo {
    /// With the default settings.
    pub fn start() -> Echo {
        Echo::with(|s| s)
    }

    /// With the settings `configure` makes.
    pub fn with(configure: impl FnOnce(SockJs) -> SockJs) -> Echo {
        let (tx, ended) = mpsc::unbounded_channel();
        let service = SockJs::new(move |session: Session, mut messages: MessageStream| {
            let tx = tx.clone();
            async move {
                while let Some(m) = messages.recv().await {
                    if m == CLOSE_ME {
                        session.close(CLOSE_CODE, CLOSE_REASON);
                    } else {
                        let _ = session.send(m).await;
                    }
                }
                let _ = tx.send((session.transport(), session.closed().await));
            }
        });
        let service = configure(service);
        let mounted = service.clone();
        let server = common::serve(move |cfg| {
            cfg.service(mounted.scope("/s"));
        });
        Echo {
            server,
            service,
            ended,
        }
    }

    /// Waits until the session at `session_url` has a receiver attached (a
    /// poll that waits sends nothing before its frame is ready, so the
    /// server's own view is the signal). Polled every millisecond, bounded.
    pub async fn attached(&self, session_url: &str) {
        let id = session_url.rsplit('/').next().expect("a session url");
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(1));
        while !self.service.session(id).is_some_and(|s| s.is_connected()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{session_url}: no receiver attached"
            );
            tick.tick().await;
        }
    }

    /// `http://…/s`
    pub fn base(&self) -> String {
        format!("{}/s", self.server.base())
    }

    /// A fresh `http://…/s/000/<uuid>`.
    pub fn session_url(&self) -> String {
        client::session_url(&self.base())
    }

    /// A fresh SockJS-framed WebSocket url, `ws://…/s/000/<uuid>/websocket`.
    pub fn ws_url(&self) -> String {
        format!("{}/websocket", self.session_url().replacen("http", "ws", 1))
    }

    /// The raw WebSocket url, `ws://…/s/websocket`.
    pub fn raw_ws_url(&self) -> String {
        format!("{}/s/websocket", self.server.ws_base())
    }

    /// How the next session ended (its transport and reason).
    pub async fn ended(&mut self) -> (Transport, CloseReason) {
        tokio::time::timeout(TIMEOUT, self.ended.recv())
            .await
            .expect("timed out waiting for a session to end")
            .expect("handler channel closed")
    }
}

// ---------------------------------------------------------------------------------------------
// Frames and the HTTP receiving transports' wrappings
// ---------------------------------------------------------------------------------------------

/// A SockJS frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Open,
    Heartbeat,
    Messages(Vec<String>),
    Close(u16, String),
}

impl Frame {
    /// Parses `o`, `h`, `a[...]` or `c[code,"reason"]`; anything else fails the test.
    pub fn parse(text: &str) -> Frame {
        match text {
            "o" => Frame::Open,
            "h" => Frame::Heartbeat,
            _ => {
                if let Some(array) = text.strip_prefix('a') {
                    Frame::Messages(
                        serde_json::from_str(array).unwrap_or_else(|e| {
                            panic!("bad message frame {}: {e}", describe(text))
                        }),
                    )
                } else if let Some(close) = text.strip_prefix('c') {
                    let (code, reason) = serde_json::from_str(close)
                        .unwrap_or_else(|e| panic!("bad close frame {text:?}: {e}"));
                    Frame::Close(code, reason)
                } else {
                    panic!("not a SockJS frame: {}", describe(text))
                }
            }
        }
    }
}

/// The HTTP receiving transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    XhrPolling,
    XhrStreaming,
    EventSource,
    HtmlFile,
    Jsonp,
}

/// The callback name [`Receiver`] uses for htmlfile and JSONP.
pub const CALLBACK: &str = "cb";

impl Receiver {
    pub const STREAMING: [Receiver; 3] = [
        Receiver::XhrStreaming,
        Receiver::EventSource,
        Receiver::HtmlFile,
    ];
    pub const ALL: [Receiver; 5] = [
        Receiver::XhrPolling,
        Receiver::XhrStreaming,
        Receiver::EventSource,
        Receiver::HtmlFile,
        Receiver::Jsonp,
    ];

    pub fn transport(self) -> Transport {
        match self {
            Receiver::XhrPolling => Transport::XhrPolling,
            Receiver::XhrStreaming => Transport::XhrStreaming,
            Receiver::EventSource => Transport::EventSource,
            Receiver::HtmlFile => Transport::HtmlFile,
            Receiver::Jsonp => Transport::JsonpPolling,
        }
    }

    pub fn method(self) -> &'static str {
        match self {
            Receiver::XhrPolling | Receiver::XhrStreaming => "POST",
            _ => "GET",
        }
    }

    /// The url segment after the session, query included.
    pub fn path(self) -> &'static str {
        match self {
            Receiver::XhrPolling => "xhr",
            Receiver::XhrStreaming => "xhr_streaming",
            Receiver::EventSource => "eventsource",
            Receiver::HtmlFile => "htmlfile?c=cb",
            Receiver::Jsonp => "jsonp?c=cb",
        }
    }

    pub fn streaming(self) -> bool {
        Receiver::STREAMING.contains(&self)
    }

    /// As `verify_content_type` compares it (no spaces).
    fn content_type(self) -> &'static str {
        match self {
            Receiver::EventSource => "text/event-stream",
            Receiver::HtmlFile => "text/html;charset=UTF-8",
            _ => "application/javascript;charset=UTF-8",
        }
    }

    /// How sockjs-client sends alongside this receiver.
    pub fn sender(self) -> Sender {
        match self {
            Receiver::Jsonp => Sender::JsonpForm,
            _ => Sender::Xhr,
        }
    }

    /// The length of the complete, checked prelude at the front of `buf`,
    /// or `None` while more bytes are needed.
    fn prelude_len(self, buf: &[u8]) -> Option<usize> {
        match self {
            Receiver::XhrPolling | Receiver::Jsonp => Some(0),
            Receiver::XhrStreaming => {
                let prelude = buf.get(..2049)?;
                assert!(
                    prelude[..2048].iter().all(|&b| b == b'h') && prelude[2048] == b'\n',
                    "xhr_streaming prelude is 2048 h's and a newline"
                );
                Some(2049)
            }
            Receiver::EventSource => {
                assert_eq!(buf.get(..2)?, b"\r\n", "eventsource prelude");
                Some(2)
            }
            Receiver::HtmlFile => {
                let end = find(buf, b"\r\n")? + 2;
                let page = String::from_utf8_lossy(&buf[..end]);
                assert!(
                    page.starts_with("<!doctype html>"),
                    "htmlfile page {page:?}"
                );
                assert!(
                    page.contains(&format!("var c = parent.{CALLBACK};")),
                    "htmlfile page calls back {CALLBACK}: {page:?}"
                );
                assert!(end > 1024, "htmlfile page is padded past 1 KiB");
                Some(end)
            }
        }
    }

    /// Takes one wrapped frame off the front of `buf`: the frame and its
    /// size on the wire. `None` while the frame is incomplete.
    fn take_frame(self, buf: &mut Vec<u8>) -> Option<(Frame, usize)> {
        let end: &[u8] = match self {
            Receiver::XhrPolling | Receiver::XhrStreaming => b"\n",
            Receiver::EventSource => b"\r\n\r\n",
            Receiver::HtmlFile => b");\n</script>\r\n",
            Receiver::Jsonp => b");\r\n",
        };
        let len = find(buf, end)? + end.len();
        let wire = String::from_utf8(buf.drain(..len).collect()).expect("frames are UTF-8");
        Some((Frame::parse(&self.unwrap(&wire)), len))
    }

    /// The SockJS frame inside one wrapped frame, as the client sees it.
    /// Each wrapping must hold its frame on one line.
    fn unwrap(self, wire: &str) -> String {
        let inner = match self {
            Receiver::XhrPolling | Receiver::XhrStreaming => wire.strip_suffix('\n'),
            Receiver::EventSource => wire
                .strip_prefix("data: ")
                .and_then(|w| w.strip_suffix("\r\n\r\n")),
            Receiver::HtmlFile => wire
                .strip_prefix("<script>\np(")
                .and_then(|w| w.strip_suffix(");\n</script>\r\n")),
            Receiver::Jsonp => wire
                .strip_prefix(&format!("/**/{CALLBACK}("))
                .and_then(|w| w.strip_suffix(");\r\n")),
        }
        .unwrap_or_else(|| panic!("{self:?}: badly wrapped frame {}", describe(wire)));
        assert_one_line(self, inner);
        match self {
            Receiver::EventSource => {
                // What sockjs-client hands on: the event through decodeURI.
                let frame = decode_uri(inner);
                assert_one_line(self, &frame);
                frame
            }
            Receiver::HtmlFile | Receiver::Jsonp => {
                // A JSON string literal passed to the callback; no markup may
                // pass through raw inside an HTML page.
                assert!(
                    !inner.contains(['<', '>', '&']),
                    "{self:?}: raw markup in {}",
                    describe(inner)
                );
                serde_json::from_str(inner)
                    .unwrap_or_else(|e| panic!("{self:?}: not a JSON string {inner:?}: {e}"))
            }
            _ => inner.to_owned(),
        }
    }
}

/// A raw CR, LF, NEL, U+2028 or U+2029 would end an event or a JavaScript
/// string early.
fn assert_one_line(receiver: Receiver, frame: &str) {
    assert!(
        !frame.contains(['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}']),
        "{receiver:?}: raw line break inside a frame: {}",
        describe(frame)
    );
}

/// JavaScript's `decodeURI`: `%XX` escapes decoded as UTF-8, except those of
/// the reserved characters `;/?:@&=+$,#`, which stay as they are. A
/// malformed escape is a `URIError` in the browser: here it fails the test.
fn decode_uri(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let byte = s
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or_else(|| panic!("URIError: malformed escape at {i} in {}", describe(s)));
        if b";/?:@&=+$,#".contains(&byte) {
            out.extend_from_slice(&b[i..i + 3]);
        } else {
            out.push(byte);
        }
        i += 3;
    }
    String::from_utf8(out).expect("URIError: escapes that are not UTF-8")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How a receiving response's body is delimited.
enum Body {
    Chunked,
    Length(usize),
    /// Ends with the connection (HTTP/1.0).
    UntilClose,
    Ended,
}

/// One receiving request (a poll or a stream), read frame by frame.
pub struct FrameStream {
    receiver: Receiver,
    conn: RawConn,
    /// `None` until the response head has been read.
    body: Option<Body>,
    http10: bool,
    buf: Vec<u8>,
    /// The wire size of each frame read so far (the prelude excluded).
    pub frame_sizes: Vec<usize>,
}

impl FrameStream {
    /// Opens `receiver` on the session at `session_url` in HTTP/1.1, or
    /// HTTP/1.0. A stream's head and prelude are read and checked at once;
    /// a poll's answer (head and body, which leave together once its frame
    /// is ready) is read when its frame is asked for.
    pub async fn open(session_url: &str, receiver: Receiver, http10: bool) -> FrameStream {
        let url = format!("{session_url}/{}", receiver.path());
        let http = if http10 { "1.0" } else { "1.1" };
        let mut conn = RawConn::connect(&url).await;
        conn.send_request(receiver.method(), &url, http, &[], None)
            .await;
        let mut stream = FrameStream {
            receiver,
            conn,
            body: None,
            http10,
            buf: Vec::new(),
            frame_sizes: Vec::new(),
        };
        if receiver.streaming() {
            stream.read_head().await;
        }
        stream
    }

    /// Reads and checks the response head, then the prelude.
    async fn read_head(&mut self) {
        let (receiver, http10) = (self.receiver, self.http10);
        let head = self.conn.read_head().await;
        head.assert_status(200);
        head.verify_content_type(receiver.content_type());
        if matches!(receiver, Receiver::HtmlFile | Receiver::Jsonp) {
            assert_eq!(
                head.header("x-content-type-options").as_deref(),
                Some("nosniff")
            );
        }
        let chunked = head
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let length = head.header("content-length");
        if http10 {
            assert!(!chunked, "chunked encoding in HTTP/1.0: {head:?}");
            if receiver.streaming() {
                assert!(length.is_none(), "a stream with a length: {head:?}");
            }
        }
        if !receiver.streaming() {
            assert!(
                !chunked && length.is_some(),
                "a poll answers with a sized body: {head:?}"
            );
        }
        self.body = Some(match (chunked, length) {
            (true, _) => Body::Chunked,
            (false, Some(n)) => Body::Length(n.trim().parse().expect("Content-Length")),
            (false, None) => Body::UntilClose,
        });
        loop {
            if let Some(n) = receiver.prelude_len(&self.buf) {
                self.buf.drain(..n);
                return;
            }
            assert!(self.fill().await, "{receiver:?}: body ended in the prelude");
        }
    }

    /// The response head has been read: the answer has started.
    pub fn answered(&self) -> bool {
        self.body.is_some()
    }

    /// Reads more of the body; false once it has ended.
    async fn fill(&mut self) -> bool {
        let data = match self.body {
            None => {
                Box::pin(self.read_head()).await;
                return true;
            }
            Some(Body::Ended) => return false,
            Some(Body::Chunked) => self.conn.read_chunk().await,
            Some(Body::Length(n)) => {
                self.body = Some(Body::Length(0));
                self.conn.read_exact(n).await
            }
            Some(Body::UntilClose) => self.conn.read().await,
        };
        if data.is_empty() {
            self.body = Some(Body::Ended);
            return false;
        }
        self.buf.extend_from_slice(&data);
        true
    }

    /// The next frame, or `None` once the body ended (not inside a frame).
    pub async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, size)) = self.receiver.take_frame(&mut self.buf) {
                self.frame_sizes.push(size);
                return Some(frame);
            }
            if !self.fill().await {
                assert!(
                    self.buf.is_empty(),
                    "{:?}: body ended inside a frame: {}",
                    self.receiver,
                    describe(&String::from_utf8_lossy(&self.buf))
                );
                return None;
            }
        }
    }

    /// The next frame; the body must not end first.
    pub async fn frame(&mut self) -> Frame {
        match self.next().await {
            Some(f) => f,
            None => panic!("{:?}: the body ended, expected a frame", self.receiver),
        }
    }

    /// The next frame, which must carry messages; heartbeats are skipped.
    pub async fn messages(&mut self) -> Vec<String> {
        loop {
            match self.frame().await {
                Frame::Heartbeat => {}
                Frame::Messages(m) => return m,
                other => panic!("{:?}: expected messages, got {other:?}", self.receiver),
            }
        }
    }

    /// The body ends next.
    pub async fn expect_end(&mut self) {
        if let Some(f) = self.next().await {
            panic!("{:?}: expected the body to end, got {f:?}", self.receiver);
        }
    }

    /// The server has closed the connection (after the body, for HTTP/1.0).
    pub async fn expect_connection_closed(&mut self) {
        self.conn.assert_closed().await;
    }

    /// Wire bytes of the frames read so far.
    pub fn frame_bytes(&self) -> usize {
        self.frame_sizes.iter().sum()
    }

    /// Drops the connection: a client abort.
    pub fn abort(self) {
        self.conn.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// Sending, and whole HTTP sessions
// ---------------------------------------------------------------------------------------------

/// How a client sends messages over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// `xhr_send`, a JSON array body.
    Xhr,
    /// `jsonp_send`, a form with the JSON array in `d`.
    JsonpForm,
    /// `jsonp_send`, a raw JSON array body.
    JsonpRaw,
}

impl Sender {
    /// The request body that carries `messages`.
    pub fn encode<S: AsRef<str>>(self, messages: &[S]) -> Vec<u8> {
        let json = json_array(messages);
        match self {
            Sender::JsonpForm => serde_urlencoded::to_string([("d", json)])
                .expect("form")
                .into_bytes(),
            _ => json.into_bytes(),
        }
    }

    /// The url segment it posts to, and the body's `Content-Type`.
    fn target(self) -> (&'static str, &'static str) {
        match self {
            Sender::Xhr => ("xhr_send", "text/plain;charset=UTF-8"),
            Sender::JsonpForm => ("jsonp_send", "application/x-www-form-urlencoded"),
            Sender::JsonpRaw => ("jsonp_send", "text/plain;charset=UTF-8"),
        }
    }

    /// Posts `body` as this sender does and returns the answer.
    pub async fn post(self, session_url: &str, http10: bool, body: &[u8]) -> Response {
        let (path, content_type) = self.target();
        let http = if http10 { "1.0" } else { "1.1" };
        let url = format!("{session_url}/{path}");
        client::raw_request_as(
            http,
            "POST",
            &url,
            &[("Content-Type", content_type)],
            Some(body),
        )
        .await
    }

    /// Asserts the answer is this sender's success.
    pub fn assert_accepted(self, r: &Response) {
        if self == Sender::Xhr {
            r.assert_status(204);
            r.assert_empty_body();
        } else {
            r.assert_status(200);
            r.assert_body("ok");
        }
    }

    /// Sends `messages`, which must be accepted.
    pub async fn send<S: AsRef<str>>(self, session_url: &str, http10: bool, messages: &[S]) {
        let r = self.post(session_url, http10, &self.encode(messages)).await;
        self.assert_accepted(&r);
    }

    /// Posts a body with `Transfer-Encoding: chunked` (no length known up
    /// front), in chunks of at most `chunk` bytes.
    pub async fn post_chunked(self, session_url: &str, body: &[u8], chunk: usize) -> Response {
        let (path, content_type) = self.target();
        let url = format!("{session_url}/{path}");
        let (host, target) = client::split_url(&url);
        let mut req = format!(
            "POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
             Transfer-Encoding: chunked\r\n\r\n"
        )
        .into_bytes();
        for piece in body.chunks(chunk) {
            req.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            req.extend_from_slice(piece);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(b"0\r\n\r\n");
        let mut conn = RawConn::connect(&url).await;
        conn.send(&req).await;
        conn.read_response("1.1").await
    }
}

/// A SockJS session over one HTTP receiving transport: sends with the
/// transport's sender, receives by polling or streaming (opening a new
/// stream whenever one ends).
pub struct HttpSession {
    pub url: String,
    pub receiver: Receiver,
    pub sender: Sender,
    pub http10: bool,
    stream: Option<FrameStream>,
}

impl HttpSession {
    /// Opens a session at `url` in HTTP/1.1 with the receiver's usual sender.
    pub async fn open(url: &str, receiver: Receiver) -> HttpSession {
        HttpSession::open_with(url, receiver, receiver.sender(), false).await
    }

    /// Opens a session; the first frame must be the open frame.
    pub async fn open_with(
        url: &str,
        receiver: Receiver,
        sender: Sender,
        http10: bool,
    ) -> HttpSession {
        let mut s = HttpSession {
            url: url.to_owned(),
            receiver,
            sender,
            http10,
            stream: None,
        };
        assert_eq!(s.frame().await, Frame::Open);
        s
    }

    pub async fn send<S: AsRef<str>>(&self, messages: &[S]) {
        self.sender.send(&self.url, self.http10, messages).await;
    }

    /// The next frame: a poll, or the next frame of the stream.
    pub async fn frame(&mut self) -> Frame {
        if !self.receiver.streaming() {
            let mut poll = FrameStream::open(&self.url, self.receiver, self.http10).await;
            let frame = poll.frame().await;
            poll.expect_end().await;
            return frame;
        }
        loop {
            let fresh = self.stream.is_none();
            if fresh {
                self.stream = Some(FrameStream::open(&self.url, self.receiver, self.http10).await);
            }
            let stream = self.stream.as_mut().expect("a stream");
            match stream.next().await {
                Some(frame) => return frame,
                None if fresh => panic!("{:?}: a new stream ended at once", self.receiver),
                None => self.stream = None,
            }
        }
    }

    /// The messages of the next message frame (heartbeats skipped).
    pub async fn messages(&mut self) -> Vec<String> {
        loop {
            match self.frame().await {
                Frame::Heartbeat => {}
                Frame::Messages(m) => return m,
                other => panic!("{:?}: expected messages, got {other:?}", self.receiver),
            }
        }
    }

    /// Messages from as many frames as it takes to get `n`.
    pub async fn collect(&mut self, n: usize) -> Vec<String> {
        let mut got = Vec::new();
        while got.len() < n {
            got.extend(self.messages().await);
        }
        got
    }
}

/// Sends the message set one message per request, each coming back alone
/// and exact, then all of it in one request, coming back exact and in order.
pub async fn echo_message_set(s: &mut HttpSession) {
    let set = message_set();
    for m in &set {
        s.send(std::slice::from_ref(m)).await;
        assert_messages(&s.messages().await, std::slice::from_ref(m));
    }
    s.send(&set).await;
    assert_messages(&s.collect(set.len()).await, &set);
}

/// Each of [`BREAKOUTS`] comes back exact, and (checked by the decoder)
/// inside one intact event / script block / callback.
pub async fn breakouts_stay_inside_their_frame(receiver: Receiver) {
    let echo = Echo::start();
    let mut s = HttpSession::open(&echo.session_url(), receiver).await;
    for m in BREAKOUTS {
        s.send(&[m]).await;
        assert_messages(&s.messages().await, &[m.to_string()]);
    }
    s.send(BREAKOUTS).await;
    let all: Vec<String> = BREAKOUTS.iter().map(|m| m.to_string()).collect();
    assert_messages(&s.collect(all.len()).await, &all);
}

// ---------------------------------------------------------------------------------------------
// Checks every HTTP receiving transport must pass
// ---------------------------------------------------------------------------------------------

/// The response limit of the streaming checks.
pub const LIMIT: usize = 4096;

/// A streaming response ends right after the frame that brings its frames
/// to the response limit, not before; the next response carries on where
/// it ended; a message larger than the limit still arrives whole.
pub async fn response_limit(receiver: Receiver, http10: bool) {
    let echo = Echo::with(|s| s.response_limit(LIMIT));
    let url = echo.session_url();
    let send = |m: String| {
        let url = url.clone();
        async move { Sender::Xhr.send(&url, http10, &[m]).await }
    };
    let mut stream = FrameStream::open(&url, receiver, http10).await;
    assert_eq!(stream.frame().await, Frame::Open);
    let mut sent = 0;
    while stream.frame_bytes() < LIMIT {
        let m = format!("{sent:03}{}", "x".repeat(700));
        send(m.clone()).await;
        assert_messages(&stream.messages().await, &[m]);
        sent += 1;
    }
    let last = stream.frame_sizes.last().copied().unwrap_or_default();
    assert!(
        stream.frame_bytes() - last < LIMIT,
        "the response went on past the limit: {:?}",
        stream.frame_sizes
    );
    assert!(sent > 1, "several frames fit in one response");
    stream.expect_end().await;
    if http10 {
        stream.expect_connection_closed().await;
    }

    let mut next = FrameStream::open(&url, receiver, http10).await;
    send("next".to_owned()).await;
    assert_eq!(next.frame().await, Frame::Messages(vec!["next".into()]));
    let huge = "y".repeat(3 * LIMIT);
    send(huge.clone()).await;
    assert_messages(&next.messages().await, &[huge]);
    next.expect_end().await;
}

/// The application's close frame (a reason that needs escaping) reaches the
/// receiver and ends the response; every later request gets it again.
pub async fn close_frame(receiver: Receiver, http10: bool) {
    let mut echo = Echo::start();
    let url = echo.session_url();
    let mut first = FrameStream::open(&url, receiver, http10).await;
    assert_eq!(first.frame().await, Frame::Open);
    if !receiver.streaming() {
        first.expect_end().await;
        first = FrameStream::open(&url, receiver, http10).await;
    }
    receiver.sender().send(&url, http10, &[CLOSE_ME]).await;
    assert_eq!(first.frame().await, echo_close_frame());
    first.expect_end().await;
    if http10 {
        first.expect_connection_closed().await;
    }
    for _ in 0..2 {
        let mut again = FrameStream::open(&url, receiver, http10).await;
        assert_eq!(again.frame().await, echo_close_frame());
        again.expect_end().await;
    }
    assert_eq!(
        echo.ended().await,
        (
            receiver.transport(),
            CloseReason::Server {
                code: CLOSE_CODE,
                reason: CLOSE_REASON.into()
            }
        )
    );
}

/// A client that drops its receiving request interrupts the session: the
/// handler learns it, and the next request gets `c[1002,…]`.
pub async fn abort(receiver: Receiver, http10: bool) {
    let mut echo = Echo::start();
    let url = echo.session_url();
    let mut s = HttpSession::open_with(&url, receiver, receiver.sender(), http10).await;
    s.send(&["before the abort"]).await;
    assert_eq!(s.messages().await, ["before the abort"]);
    drop(s);
    if !receiver.streaming() {
        // A poll waiting for messages, aborted once it is attached.
        let poll = FrameStream::open(&url, receiver, http10).await;
        echo.attached(&url).await;
        assert!(
            !poll.answered(),
            "a poll with nothing to say answers nothing"
        );
        poll.abort();
    }
    assert_eq!(
        echo.ended().await,
        (receiver.transport(), CloseReason::Interrupted)
    );
    let mut next = FrameStream::open(&url, receiver, http10).await;
    assert_eq!(next.frame().await, interrupted_frame());
    next.expect_end().await;
}

/// A second receiver while one is attached gets the 2010 frame in the
/// transport's own wrapping and ends; the first carries on.
pub async fn second_receiver(receiver: Receiver) {
    let echo = Echo::start();
    let url = echo.session_url();
    let mut first = FrameStream::open(&url, receiver, false).await;
    assert_eq!(first.frame().await, Frame::Open);
    if !receiver.streaming() {
        first.expect_end().await;
        first = FrameStream::open(&url, receiver, false).await;
        echo.attached(&url).await;
    }
    let mut second = FrameStream::open(&url, receiver, false).await;
    assert_eq!(
        second.frame().await,
        Frame::Close(2010, "Another connection still open".into())
    );
    second.expect_end().await;
    receiver.sender().send(&url, false, &["still here"]).await;
    assert_eq!(first.messages().await, ["still here"]);
}

/// Callback names that could inject script, or are unreasonably long.
pub fn bad_callbacks() -> Vec<String> {
    let mut bad: Vec<String> = [
        "",
        " ",
        "a b",
        "a+b",
        "alert(1)",
        "a;b",
        "a,b",
        "a=b",
        "a&b",
        "a/b",
        "a\\b",
        "a\"b",
        "a'b",
        "a`b",
        "<script>",
        "a\0",
        "a\nb",
        "a\u{2028}b",
        "한국",
        "cb\u{feff}",
        "$",
        "a[0]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    bad.push("a".repeat(65));
    bad.push("a".repeat(10_000));
    bad
}

/// Names made of `[A-Za-z0-9_.-]`, up to 64 characters.
pub fn good_callbacks() -> Vec<String> {
    [
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        "_.-",
        "jQuery3_1.cb-2",
        "_jp.a1b2c3",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([("x".repeat(64))])
    .collect()
}

/// `receiver` (htmlfile or JSONP) refuses every bad callback with a 500
/// before creating a session, and accepts every good one.
pub async fn callbacks(receiver: Receiver) {
    let echo = Echo::start();
    let name = receiver
        .path()
        .split_once('?')
        .map(|(n, _)| n)
        .expect("a callback transport");
    for bad in bad_callbacks() {
        let url = echo.session_url();
        let query = serde_urlencoded::to_string([("c", &bad)]).expect("query");
        let r = client::get(&format!("{url}/{name}?{query}"), &[]).await;
        assert_eq!(r.status, 500, "callback {bad:?}: {r:?}");
        r.assert_body_contains("\"callback\" parameter");
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        // Refused before a session existed: a send finds none.
        Sender::Xhr.post(&url, false, b"[\"x\"]").await.verify404();
    }
    for good in good_callbacks() {
        let url = echo.session_url();
        let mut r = client::get_async(&format!("{url}/{name}?c={good}"), &[]).await;
        r.assert_status(200);
        let first = r.read_str().await;
        let expected = match receiver {
            Receiver::HtmlFile => format!("var c = parent.{good};"),
            _ => format!("/**/{good}(\"o\");\r\n"),
        };
        assert!(
            first.contains(&expected),
            "callback {good:?}: {first:?} lacks {expected:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// WebSockets
// ---------------------------------------------------------------------------------------------

/// A socket of text messages: RFC 6455 or hixie-76.
pub trait TextSocket {
    async fn send_text(&mut self, text: &str);
    async fn recv_text(&mut self) -> String;
}

impl TextSocket for Ws {
    async fn send_text(&mut self, text: &str) {
        self.send(text).await;
    }

    async fn recv_text(&mut self) -> String {
        Ws::recv_text(self).await
    }
}

impl TextSocket for Hixie76 {
    async fn send_text(&mut self, text: &str) {
        self.send(text).await;
    }

    async fn recv_text(&mut self) -> String {
        Hixie76::recv_text(self).await
    }
}

/// The messages of the next SockJS frame, which must be a message frame.
async fn framed_messages(socket: &mut impl TextSocket) -> Vec<String> {
    match Frame::parse(&socket.recv_text().await) {
        Frame::Messages(m) => m,
        other => panic!("expected a message frame, got {other:?}"),
    }
}

/// SockJS framing: the open frame, then the message set one message per
/// WebSocket message, each echoed alone and exact, then all of it in one
/// WebSocket message, echoed exact and in order.
pub async fn echo_message_set_framed(socket: &mut impl TextSocket) {
    assert_eq!(Frame::parse(&socket.recv_text().await), Frame::Open);
    let set = message_set();
    for m in &set {
        socket.send_text(&json_array(std::slice::from_ref(m))).await;
        assert_messages(&framed_messages(socket).await, std::slice::from_ref(m));
    }
    socket.send_text(&json_array(&set)).await;
    let mut got = Vec::new();
    while got.len() < set.len() {
        got.extend(framed_messages(socket).await);
    }
    assert_messages(&got, &set);
}

/// No framing: each message of the set comes back as it was sent.
pub async fn echo_message_set_raw(socket: &mut impl TextSocket) {
    for m in message_set() {
        socket.send_text(&m).await;
        assert_messages(&[socket.recv_text().await], &[m]);
    }
}

/// A JSON array of one message whose text is exactly `size` bytes.
pub fn framed_of_size(size: usize) -> String {
    format!("[\"{}\"]", "x".repeat(size - 4))
}

/// An RFC 6455 connection made by hand, for frames no client library sends.
pub async fn ws_handshake_by_hand(ws_url: &str) -> RawConn {
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
    conn
}

/// The head of a masked client text frame announcing `len` payload bytes
/// (`len` < 65536), with an all-zero mask so the payload goes as it is.
pub fn text_frame_head(len: usize) -> Vec<u8> {
    let mut head = vec![0x81];
    if len < 126 {
        head.push(0x80 | len as u8);
    } else {
        head.push(0x80 | 126);
        head.extend_from_slice(&(len as u16).to_be_bytes());
    }
    head.extend_from_slice(&[0, 0, 0, 0]);
    head
}
