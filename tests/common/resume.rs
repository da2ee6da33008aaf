//! A client of the resume extension (`docs/resume.md`) for volume tests, on
//! every transport: it keeps going through cut connections, dropped answers
//! and stalls, and records every message it got, so a test can check that
//! nothing was lost, duplicated or reordered in either direction.
//!
//! It speaks HTTP/1.1 itself (a request per connection, errors as values:
//! a fault is an `Err`, never a panic) and WebSocket through
//! tokio-tungstenite.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// How long any read may take before the connection is taken for dead.
const READ_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Websocket,
    XhrStreaming,
    EventSource,
    XhrPolling,
    JsonpPolling,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Websocket,
        Kind::XhrStreaming,
        Kind::EventSource,
        Kind::XhrPolling,
        Kind::JsonpPolling,
    ];
}

type Io<T> = Result<T, String>;

/// What the client knows of its session.
#[derive(Debug, Default)]
pub struct State {
    /// The session URL (`<base>/000/<id>`), new on each resume by token.
    pub url: String,
    pub token: Option<String>,
    /// Server messages received, in order.
    pub got: Vec<String>,
    /// `got.len()` as last acknowledged to the server.
    pub acked: u64,
    /// Client messages the server has accepted (its `N`).
    pub accepted: u64,
    /// Client messages not yet accepted: (number, text).
    pub outbox: VecDeque<(u64, String)>,
    pub next_seq: u64,
    /// Times the client came back with its token.
    pub resumes: u32,
    /// Receive requests and sends that failed and were retried.
    pub retries: u32,
    /// `c[1012]` frames taken as drops (a node shutting down).
    pub restarts: u32,
    /// A close frame: the end.
    pub closed: Option<String>,
    /// Nodes to spread requests over, as a round-robin balancer does (the
    /// session URLs are made on the first; empty: one node).
    pub bases: Vec<String>,
    turn: usize,
    /// The latest requests and what they got, for a failure's message.
    trail: VecDeque<String>,
}

impl State {
    /// Keeps `what` in the trail of the latest requests.
    fn note(&mut self, what: String) {
        if self.trail.len() == 40 {
            self.trail.pop_front();
        }
        self.trail.push_back(what);
    }

    /// `url` on the next node in turn (round robin), when there are nodes.
    fn on_next(&mut self, url: &str) -> String {
        let Some(first) = self.bases.first() else {
            return url.to_owned();
        };
        let rest = url.strip_prefix(first.as_str()).unwrap_or(url);
        let node = self.turn % self.bases.len();
        self.turn += 1;
        format!("{}{rest}", self.bases[node])
    }

    fn received(&self) -> u64 {
        self.got.len() as u64
    }

    /// Accepted up to `n`: those leave the outbox.
    fn accepted_upto(&mut self, n: u64) {
        self.accepted = self.accepted.max(n);
        while self.outbox.front().is_some_and(|(seq, _)| *seq <= n) {
            self.outbox.pop_front();
        }
    }

    /// Handles one frame. Returns false on a close frame.
    fn frame(&mut self, frame: &str) -> bool {
        let (kind, rest) = frame.split_at(frame.len().min(1));
        match kind {
            "o" | "h" => {}
            "x" => {
                let v: serde_json::Value = serde_json::from_str(rest).unwrap_or_default();
                if let Some(t) = v.get("token").and_then(|t| t.as_str()) {
                    self.token = Some(t.to_owned());
                }
                if v.get("resumed").and_then(|r| r.as_bool()) == Some(true) {
                    let n = v.get("in").and_then(|n| n.as_u64()).unwrap_or(0);
                    self.accepted_upto(n);
                    // Not accepted: to be sent again, from the top.
                    self.accepted = n;
                }
            }
            "q" => {
                let v: Vec<serde_json::Value> = serde_json::from_str(rest).unwrap_or_default();
                let Some(n) = v.first().and_then(|n| n.as_u64()) else {
                    panic!("a q frame without its count: {frame}");
                };
                self.accepted_upto(n);
                for m in &v[1..] {
                    self.got
                        .push(m.as_str().expect("string messages").to_owned());
                }
            }
            // A server restarting (graceful shutdown): a resumable client
            // takes it as a dropped connection and resumes elsewhere.
            "c" if rest.starts_with("[1012,") && self.token.is_some() => {
                self.restarts += 1;
                return false;
            }
            "c" => {
                self.closed = Some(frame.to_owned());
                return false;
            }
            _ => panic!("unexpected frame {frame:?}"),
        }
        true
    }

    /// The query of a receiving request: how it opens, resumes or goes on.
    fn receive_query(&self, first: bool) -> String {
        match (first, &self.token) {
            (true, None) => "resume=1".to_owned(),
            (_, Some(t)) => format!("resume={t}&ack={}", self.received()),
            (false, None) => format!("resume=1&ack={}", self.received()),
        }
    }
}

pub type Shared = Rc<RefCell<State>>;

/// Runs a session over `kind` at `base` (`http://host:port/prefix`) until
/// `expect` server messages arrived and `send` client messages were
/// accepted; then closes it. Returns its state.
pub async fn run(base: &str, kind: Kind, send: u64, expect: u64) -> State {
    run_on(&[base.to_owned()], kind, send, expect, |_| {}).await
}

/// [`run`] with requests spread over `bases` (nodes of one cluster, the
/// same path on each), round robin; `progress` sees the state after every
/// frame batch (a test kills a node from it).
pub async fn run_on(
    bases: &[String],
    kind: Kind,
    send: u64,
    expect: u64,
    progress: impl Fn(&State),
) -> State {
    let base = bases[0].as_str();
    let st: Shared = Rc::new(RefCell::new(State {
        url: new_url(base),
        bases: if bases.len() > 1 {
            bases.to_vec()
        } else {
            Vec::new()
        },
        ..State::default()
    }));
    {
        let mut s = st.borrow_mut();
        for i in 1..=send {
            s.outbox.push_back((i, format!("c{i}")));
        }
        s.next_seq = send + 1;
    }
    let done = || {
        let s = st.borrow();
        progress(&s);
        s.closed.is_some() || (s.received() >= expect && s.accepted >= send && s.outbox.is_empty())
    };
    match kind {
        Kind::Websocket => websocket(base, &st, &done).await,
        _ => {
            let recv = receive_http(base, kind, &st, &done);
            let sends = send_http(kind, &st, &done, expect);
            futures_util::future::join(recv, sends).await;
        }
    }
    let s = st.replace(State::default());
    assert!(
        s.closed.is_none(),
        "the session closed: {:?}; the latest requests:\n{}",
        s.closed,
        s.trail.iter().cloned().collect::<Vec<_>>().join("\n")
    );
    s
}

fn new_url(base: &str) -> String {
    format!(
        "{base}/000/{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

// ----------------------------------------------------------------- HTTP

async fn receive_http(base: &str, kind: Kind, st: &Shared, done: &impl Fn() -> bool) {
    let mut first = true;
    let mut failures = 0u32;
    while !done() {
        let (url, query) = {
            let mut s = st.borrow_mut();
            let url = s.url.clone();
            (s.on_next(&url), s.receive_query(first))
        };
        let (method, path) = match kind {
            Kind::XhrPolling => ("POST", format!("{url}/xhr?{query}")),
            Kind::XhrStreaming => ("POST", format!("{url}/xhr_streaming?{query}")),
            Kind::EventSource => ("GET", format!("{url}/eventsource?{query}")),
            Kind::JsonpPolling => ("GET", format!("{url}/jsonp?c=cb&{query}")),
            Kind::Websocket => unreachable!(),
        };
        let got = receive_once(kind, method, &path, st, done).await;
        st.borrow_mut().note(format!("{method} {path}: {got:?}"));
        match got {
            Ok(()) => {
                if query.starts_with("resume=") && query != "resume=1" {
                    st.borrow_mut().resumes += 1;
                }
                first = false;
            }
            Err(_) => {
                st.borrow_mut().retries += 1;
                failures += 1;
                // After a fault: come back on a new URL with the token (as a
                // client does after losing its transport), every other time.
                let resume = failures.is_multiple_of(2) && st.borrow().token.is_some();
                if resume {
                    st.borrow_mut().url = new_url(base);
                    first = true;
                } else if st.borrow().token.is_none() {
                    // The opening request itself failed: start over.
                    st.borrow_mut().url = new_url(base);
                    first = true;
                } else {
                    first = false;
                }
            }
        }
        tokio::task::yield_now().await;
    }
}

async fn receive_once(
    kind: Kind,
    method: &str,
    path: &str,
    st: &Shared,
    done: &impl Fn() -> bool,
) -> Io<()> {
    let mut c = Http::request(method, path, b"").await?;
    let head = c.head().await?;
    if head.status != 200 {
        return Err(format!("status {}", head.status));
    }
    match kind {
        Kind::XhrPolling => {
            let body = c.body(&head).await?;
            let text = String::from_utf8(body).map_err(|e| e.to_string())?;
            st.borrow_mut()
                .note(format!("  {}", text.chars().take(100).collect::<String>()));
            for line in text.split('\n').filter(|l| !l.is_empty()) {
                st.borrow_mut().frame(line);
            }
        }
        Kind::JsonpPolling => {
            let body = c.body(&head).await?;
            let text = String::from_utf8(body).map_err(|e| e.to_string())?;
            let call = text
                .strip_prefix("/**/cb(")
                .and_then(|t| t.strip_suffix(");\r\n"))
                .ok_or_else(|| format!("not a callback: {text:?}"))?;
            let frame: String = serde_json::from_str(call).map_err(|e| e.to_string())?;
            st.borrow_mut().frame(&frame);
        }
        Kind::XhrStreaming | Kind::EventSource => {
            let mut pending = String::new();
            let mut prelude = true;
            loop {
                let Some(chunk) = c.chunk(&head).await? else {
                    return Ok(());
                };
                pending.push_str(std::str::from_utf8(&chunk).map_err(|e| e.to_string())?);
                if prelude {
                    let end = match kind {
                        Kind::XhrStreaming => pending.find('\n').map(|i| i + 1),
                        _ => pending.starts_with("\r\n").then_some(2),
                    };
                    let Some(end) = end else { continue };
                    pending.drain(..end);
                    prelude = false;
                }
                let sep = if kind == Kind::XhrStreaming {
                    "\n"
                } else {
                    "\r\n\r\n"
                };
                while let Some(i) = pending.find(sep) {
                    let item: String = pending.drain(..i + sep.len()).collect();
                    let frame = item.trim_end_matches(sep);
                    let frame = match kind {
                        Kind::EventSource => frame
                            .strip_prefix("data: ")
                            .ok_or("not an event")?
                            .replace("%25", "%"),
                        _ => frame.to_owned(),
                    };
                    st.borrow_mut().frame(&frame);
                }
                if done() {
                    return Ok(());
                }
            }
        }
        Kind::Websocket => unreachable!(),
    }
    Ok(())
}

async fn send_http(kind: Kind, st: &Shared, done: &impl Fn() -> bool, expect: u64) {
    let mut every = tokio::time::interval(Duration::from_millis(20));
    while !done() {
        let (url, seq, batch, ack, need_ack) = {
            let mut s = st.borrow_mut();
            let url = s.url.clone();
            let url = s.on_next(&url);
            let batch: Vec<&(u64, String)> = s.outbox.iter().take(50).collect();
            // Streaming transports acknowledge through sends: often enough
            // that the server never waits for room.
            // (acknowledged within a tick: the server's window never fills
            // for want of it)
            let need_ack = s.received() > s.acked && (kind_streams(kind) || s.received() >= expect);
            (
                url,
                batch.first().map(|(seq, _)| *seq),
                serde_json::to_string(&batch.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>())
                    .unwrap_or_default(),
                s.received(),
                need_ack,
            )
        };
        if seq.is_none() && !need_ack {
            every.tick().await;
            continue;
        }
        if st.borrow().token.is_none() {
            // Not open yet.
            every.tick().await;
            continue;
        }
        let seq = seq.unwrap_or(st.borrow().next_seq);
        let query = format!("seq={seq}&ack={ack}");
        let sent = match kind {
            Kind::JsonpPolling => {
                let form = format!("d={}", urlencode(&batch));
                Http::form(&format!("{url}/jsonp_send?{query}"), form.as_bytes()).await
            }
            _ => Http::post(&format!("{url}/xhr_send?{query}"), batch.as_bytes()).await,
        };
        st.borrow_mut()
            .note(format!("send {url} {query}: {sent:?}"));
        match sent {
            Ok(200 | 204) => {
                let mut s = st.borrow_mut();
                let n: u64 =
                    serde_json::from_str::<Vec<String>>(&batch).map_or(0, |b| b.len() as u64);
                if n > 0 {
                    s.accepted_upto(seq + n - 1);
                }
                s.acked = s.acked.max(ack);
            }
            // 404: the session answers to the newer URL a receive moved to.
            _ => {
                st.borrow_mut().retries += 1;
                every.tick().await;
            }
        }
    }
}

/// Transports whose receiving requests last: they acknowledge by sends.
fn kind_streams(kind: Kind) -> bool {
    matches!(kind, Kind::XhrStreaming | Kind::EventSource)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response head.
struct Head {
    status: u16,
    chunked: bool,
    length: Option<usize>,
}

/// One HTTP/1.1 request on its own connection.
struct Http {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Http {
    async fn request(method: &str, url: &str, body: &[u8]) -> Io<Http> {
        Http::request_typed(method, url, None, body).await
    }

    async fn request_typed(
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Io<Http> {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let stream = tokio::time::timeout(READ_TIMEOUT, TcpStream::connect(host))
            .await
            .map_err(|_| "connect timed out")?
            .map_err(|e| e.to_string())?;
        stream.set_nodelay(true).ok();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(ct) = content_type {
            req.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let mut c = Http {
            stream,
            buf: Vec::new(),
        };
        tokio::time::timeout(READ_TIMEOUT, c.stream.write_all(&bytes))
            .await
            .map_err(|_| "write timed out")?
            .map_err(|e| e.to_string())?;
        Ok(c)
    }

    /// A POST; its status.
    async fn post(url: &str, body: &[u8]) -> Io<u16> {
        let mut c = Http::request("POST", url, body).await?;
        let head = c.head().await?;
        c.body(&head).await?;
        Ok(head.status)
    }

    /// A form POST (JSONP's send); its status.
    async fn form(url: &str, body: &[u8]) -> Io<u16> {
        let mut c =
            Http::request_typed("POST", url, Some("application/x-www-form-urlencoded"), body)
                .await?;
        let head = c.head().await?;
        c.body(&head).await?;
        Ok(head.status)
    }

    async fn fill(&mut self) -> Io<()> {
        let mut tmp = [0u8; 16384];
        let n = tokio::time::timeout(READ_TIMEOUT, self.stream.read(&mut tmp))
            .await
            .map_err(|_| "read timed out")?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(())
    }

    async fn line(&mut self) -> Io<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..i + 2).collect();
                return String::from_utf8(line[..i].to_vec()).map_err(|e| e.to_string());
            }
            self.fill().await?;
        }
    }

    async fn exact(&mut self, n: usize) -> Io<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    async fn head(&mut self) -> Io<Head> {
        let status_line = self.line().await?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let (mut chunked, mut length) = (false, None);
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap_or((&line, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
            if k == "content-length" {
                length = v.parse().ok();
            }
        }
        Ok(Head {
            status,
            chunked,
            length,
        })
    }

    /// The whole body.
    async fn body(&mut self, head: &Head) -> Io<Vec<u8>> {
        if head.chunked {
            let mut body = Vec::new();
            while let Some(c) = self.chunk(head).await? {
                body.extend(c);
            }
            return Ok(body);
        }
        self.exact(head.length.unwrap_or(0)).await
    }

    /// The next chunk of a chunked body, `None` at its end.
    async fn chunk(&mut self, head: &Head) -> Io<Option<Vec<u8>>> {
        if !head.chunked {
            return Err("a stream that is not chunked".into());
        }
        let size_line = self.line().await?;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_line:?}"))?;
        let data = self.exact(size + 2).await?;
        Ok((size > 0).then(|| data[..size].to_vec()))
    }
}

// ------------------------------------------------------------- WebSocket

async fn websocket(base: &str, st: &Shared, done: &impl Fn() -> bool) {
    let ws_base = base.replacen("http://", "ws://", 1);
    let mut first = true;
    while !done() {
        let (url, query) = {
            let mut s = st.borrow_mut();
            let url = s.url.clone();
            let url = s.on_next(&url);
            let ws = url.replacen("http://", "ws://", 1);
            let _ = &ws_base;
            (ws, s.receive_query(first))
        };
        let url = format!("{url}/websocket?{query}");
        let got = websocket_once(&url, st, done).await;
        {
            let mut s = st.borrow_mut();
            let at = s.received();
            s.note(format!("socket {url}: {got:?} ({at} received)"));
            if got.is_err() {
                s.retries += 1;
            }
        }
        // A socket that ended comes back on a new URL with the token.
        st.borrow_mut().url = new_url(base);
        first = true;
        tokio::task::yield_now().await;
    }
}

async fn websocket_once(url: &str, st: &Shared, done: &impl Fn() -> bool) -> Io<()> {
    let (mut ws, _) = tokio::time::timeout(READ_TIMEOUT, tokio_tungstenite::connect_async(url))
        .await
        .map_err(|_| "handshake timed out")?
        .map_err(|e| e.to_string())?;
    // Messages after `sent` went out on this socket (reset by `resumed`).
    let mut sent: u64 = 0;
    let mut opened = false;
    loop {
        if done() {
            let _ = ws.close(None).await;
            return Ok(());
        }
        // Send what is due: the outbox after what this socket sent, and an ack.
        let (batch, ack) = {
            let s = st.borrow();
            let from = sent.max(s.accepted);
            let batch: Vec<(u64, String)> = match opened {
                true => s
                    .outbox
                    .iter()
                    .filter(|(seq, _)| *seq > from)
                    .take(50)
                    .cloned()
                    .collect(),
                false => Vec::new(),
            };
            let ack = (s.received() > s.acked).then_some(s.received());
            (batch, ack)
        };
        if let Some((last, _)) = batch.last() {
            let texts: Vec<&str> = batch.iter().map(|(_, m)| m.as_str()).collect();
            let text = serde_json::to_string(&texts).unwrap_or_default();
            ws.send(Message::text(text))
                .await
                .map_err(|e| e.to_string())?;
            sent = *last;
        }
        if let Some(ack) = ack.filter(|_| opened) {
            ws.send(Message::text(format!("{{\"ack\":{ack}}}")))
                .await
                .map_err(|e| e.to_string())?;
            st.borrow_mut().acked = ack;
        }
        let wait = if batch.is_empty() {
            READ_TIMEOUT
        } else {
            Duration::from_millis(1)
        };
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) if batch.is_empty() => return Err("silent socket".into()),
            Err(_) => continue,
            Ok(None) => return Err("socket ended".into()),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(Some(Ok(Message::Text(t)))) => {
                let mut s = st.borrow_mut();
                s.frame(t.as_str());
                let resumed = t.as_str().starts_with("x{\"resumed\"");
                if resumed {
                    s.resumes += 1;
                }
                if t.as_str() == "o" || resumed {
                    opened = true;
                    // Sent again from what the server accepted.
                    sent = s.accepted;
                }
            }
            Ok(Some(Ok(Message::Close(_)))) => return Err("closed".into()),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Server messages `s1..=sN`, for comparing.
pub fn numbered(prefix: &str, n: u64) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

/// Where two sequences first differ, for a failure message.
pub fn first_difference(got: &[String], want: &[String]) -> String {
    let i = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    format!(
        "{} got, {} wanted; first difference at {i}: got {:?}, wanted {:?}",
        got.len(),
        want.len(),
        got.get(i),
        want.get(i)
    )
}
