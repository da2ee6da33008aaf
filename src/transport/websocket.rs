//! WebSocket transports, end to end: the handshake (RFC 6455, or the legacy
//! hixie-76 of [`super::hixie76`]), SockJS-framed (`o`, `h`, `a[...]`,
//! `c[...]` as text messages) or raw (plain text messages, `/websocket`).
//!
//! Both directions are bounded by the session, not by buffers of their own:
//!
//! - **Out:** the response body *is* the socket's writer. actix-http polls it
//!   only when its write buffer has room, and it takes frames from the
//!   session's queue only then, so a client that does not read leaves the
//!   messages in the queue, where [`queue_limit`](crate::SockJs::queue_limit)
//!   and the overflow policy apply. A frame longer than 16 KiB goes a
//!   piece at a time (`Long`): the socket holds a piece, not the frame.
//! - **In:** a reader (run in the session's own task, beside the handler)
//!   decodes frames and hands messages to the handler's queue, waiting when
//!   it is full. A frame or fragmented message over
//!   [`max_message_size`](crate::SockJs::max_message_size) is refused at its
//!   header, before its payload is buffered.

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use bytestring::ByteString;
use futures_core::Stream;
use futures_util::StreamExt;

use actix_http::ws::{Codec, Frame, Item, Message, OpCode, Parser};
use actix_web::body::{BodyStream, MessageBody};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, FromRequest, HttpResponse};

use futures_util::future::Either;

use super::{hixie76, SessionRequest, Transport};
use crate::error::CloseReason;
use crate::http::RequestError;
use crate::protocol::frame::{self, PIECE};
use crate::protocol::inbound;
use crate::session::state::Batch;
use crate::session::{Attachment, Inner, Outgoing, ResumeAsk, Socket};

/// `/<server>/<session>/websocket`: SockJS framing.
pub(crate) async fn framed(r: SessionRequest) -> Result<HttpResponse, RequestError> {
    handshake(r, Transport::Websocket).await
}

/// `/websocket`: plain text messages, no SockJS framing.
pub(crate) async fn raw(r: SessionRequest) -> Result<HttpResponse, RequestError> {
    handshake(r, Transport::RawWebsocket).await
}

/// hybi-07 and -08 frame exactly like RFC 6455 (13), which is all actix
/// accepts: the router lets them through as 13.
pub(crate) fn normalize_version(req: &mut actix_web::dev::ServiceRequest) {
    if let Some(v) = req.headers().get(header::SEC_WEBSOCKET_VERSION) {
        if v == "7" || v == "8" {
            req.headers_mut().insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
    }
}

/// Checks the upgrade request, opens the session, and answers with the
/// socket's writer as the body; the reader joins the session's task.
async fn handshake(r: SessionRequest, transport: Transport) -> Result<HttpResponse, RequestError> {
    let SessionRequest {
        sessions,
        http: req,
        mut payload,
        id_at,
    } = r;
    let id = super::session_id(&req, &id_at);
    if !sessions.config.websocket {
        return Err(RequestError::NotFound);
    }
    let upgrade_ok = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
    if !upgrade_ok {
        return Err(RequestError::BadRequest(
            "Can \"Upgrade\" only to \"WebSocket\".",
        ));
    }
    let connection_ok = req
        .headers()
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if !connection_ok {
        return Err(RequestError::BadRequest(
            "\"Connection\" must be \"Upgrade\".",
        ));
    }
    let payload = web::Payload::from_request(&req, &mut payload)
        .await
        .map_err(RequestError::Other)?;
    let config = &sessions.config;
    let limits = Limits {
        max_message: config.max_message_size,
        handshake_timeout: config.body_timeout,
    };
    let shared = Rc::new(Shared::default());
    let raw = transport == Transport::RawWebsocket;
    let hixie = hixie76::keys(&req)?;
    // Only hixie-76 has a handshake answer in the body.
    shared.answered.set(hixie.is_none());
    let ask = ResumeAsk::from_query(req.query_string());

    let (head, wire, decoder) = match hixie {
        Some(keys) => (
            hixie76::response(&req),
            Wire::Hixie76,
            Decoder::Hixie76 { keys: Some(keys) },
        ),
        None => {
            actix_http::ws::verify_handshake(req.head()).map_err(|e| {
                use actix_http::ws::HandshakeError as E;
                match e {
                    E::GetMethodRequired => RequestError::MethodNotAllowed("GET"),
                    E::UnsupportedVersion | E::NoVersionHeader => RequestError::BadRequest(
                        "Unsupported Sec-WebSocket-Version: 13 (or 7, 8) expected.",
                    ),
                    E::BadWebsocketKey => {
                        RequestError::BadRequest("Missing or malformed Sec-WebSocket-Key.")
                    }
                    _ => RequestError::BadRequest("Not a valid WebSocket handshake."),
                }
            })?;
            // Verified above: the key is there.
            let key = req
                .headers()
                .get(header::SEC_WEBSOCKET_KEY)
                .map(|k| actix_http::ws::hash_key(k.as_bytes()))
                .unwrap_or_default();
            let mut head = HttpResponse::SwitchingProtocols();
            head.upgrade("websocket");
            if let Ok(accept) = HeaderValue::from_bytes(&key) {
                head.insert_header((header::SEC_WEBSOCKET_ACCEPT, accept));
            }
            (
                head,
                Wire::Rfc6455(Codec::new()),
                Decoder::Rfc6455(Rfc6455::new(limits.max_message)),
            )
        }
    };
    // A resumed socket whose session lives on another node is refused:
    // client-js then comes back over an HTTP transport, which is relayed.
    #[cfg(feature = "redis")]
    if let crate::session::ResumeKind::Token(token) = &ask.kind {
        if !sessions.has_token(&ask)
            && sessions
                .find_resumable(&req, token, transport)
                .await?
                .is_some()
        {
            return Err(RequestError::Remote(
                503,
                "The session is on another node: resume it over HTTP.".into(),
            ));
        }
    }
    let admitted = sessions.admit(&req, None, &ask).await?;
    let reader_shared = shared.clone();
    let opened =
        sessions.open_socket(&req, id, transport, &ask, admitted, move |inner, socket| {
            Box::pin(read(
                inner,
                socket,
                payload,
                decoder,
                reader_shared,
                raw,
                limits,
            ))
        })?;
    let body = match opened {
        Socket::Attached(inner, attachment) => Either::Left(Writer {
            attachment: Some(attachment),
            inner,
            wire,
            shared,
            raw,
            buf: BytesMut::new(),
            scratch: String::new(),
            long: None,
        }),
        Socket::Refused(why) => refusal(wire, raw, why),
    };
    let mut head = head;
    Ok(head.body(BodyStream::new(body).boxed()))
}

type Refusal =
    futures_util::stream::Iter<std::option::IntoIter<Result<Bytes, std::convert::Infallible>>>;

/// The body of a socket that cannot be served: the close frame that says
/// why (`c[2011,...]`), then the WebSocket close.
fn refusal(mut wire: Wire, raw: bool, why: &str) -> Either<Writer, Refusal> {
    let mut out = BytesMut::new();
    if !raw && matches!(wire, Wire::Rfc6455(_)) {
        wire.text(&frame::close(2011, why), &mut out);
    }
    wire.close(1000, "", &mut out);
    Either::Right(futures_util::stream::iter(Some(Ok(out.freeze()))))
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_message: usize,
    handshake_timeout: std::time::Duration,
}

/// What the reader tells the writer (both run on the connection's worker).
#[derive(Default)]
struct Shared {
    /// The latest ping's payload, to answer (RFC 6455 §5.5.3 allows
    /// answering only the most recent).
    pong: RefCell<Option<Bytes>>,
    /// How the socket closes when the client broke the protocol.
    invalid: Cell<Option<(u16, &'static str)>>,
    /// hixie-76: the answer to the client's key, which must go out first.
    preamble: RefCell<Option<Bytes>>,
    /// hixie-76: the answer went out (RFC 6455 has no such step).
    answered: Cell<bool>,
    /// hixie-76: the key never came; nothing will be answered.
    no_key: Cell<bool>,
}

// ------------------------------------------------------------------ out

/// How frames look on the wire.
enum Wire {
    Rfc6455(Codec),
    Hixie76,
}

impl Wire {
    fn text(&mut self, text: &str, out: &mut BytesMut) {
        match self {
            // What actix-http's codec writes for a server's text frame,
            // from a borrowed text (the codec takes it by value).
            Wire::Rfc6455(_) => Parser::write_message(out, text, OpCode::Text, true, false),
            Wire::Hixie76 => {
                out.reserve(text.len() + 2);
                out.extend_from_slice(&[0x00]);
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(&[0xff]);
            }
        }
    }

    /// A batch of messages as one frame, its text built in `scratch`; a
    /// prepared message's frame (a broadcast's) as it is.
    fn messages(
        &mut self,
        batch: &[crate::protocol::message::Message],
        accepted: Option<u64>,
        scratch: &mut String,
        out: &mut BytesMut,
    ) {
        self.text(frame::batch_into(batch, accepted, scratch), out);
        if scratch.capacity() > frame::KEEP_BUFFER {
            *scratch = String::new();
        }
    }

    /// The start of a text frame of `len` bytes, whose text follows in
    /// pieces ([`Long`]); what [`Wire::text`] writes before the text.
    fn text_head(&self, len: usize, out: &mut BytesMut) {
        match self {
            // RFC 6455 §5.2: FIN and text, then the length (a server's
            // frames are not masked).
            Wire::Rfc6455(_) => {
                out.put_u8(0x81);
                match u16::try_from(len) {
                    Ok(short) if short < 126 => out.put_u8(short as u8),
                    Ok(short) => {
                        out.put_u8(126);
                        out.put_u16(short);
                    }
                    Err(_) => {
                        out.put_u8(127);
                        out.put_u64(len as u64);
                    }
                }
            }
            Wire::Hixie76 => out.put_u8(0x00),
        }
    }

    fn ping(&mut self, out: &mut BytesMut) {
        if let Wire::Rfc6455(codec) = self {
            encode(codec, Message::Ping(Bytes::new()), out);
        }
    }

    fn pong(&mut self, payload: Bytes, out: &mut BytesMut) {
        if let Wire::Rfc6455(codec) = self {
            encode(codec, Message::Pong(payload), out);
        }
    }

    fn close(&mut self, code: u16, reason: &str, out: &mut BytesMut) {
        match self {
            Wire::Rfc6455(codec) => {
                let reason = actix_http::ws::CloseReason {
                    code: code.into(),
                    description: (!reason.is_empty()).then(|| reason.to_owned()),
                };
                encode(codec, Message::Close(Some(reason)), out);
            }
            Wire::Hixie76 => out.extend_from_slice(&[0xff, 0x00]),
        }
    }
}

fn encode(codec: &mut Codec, msg: Message, out: &mut BytesMut) {
    use actix_codec::Encoder as _;
    // Encoding a server frame into a buffer cannot fail.
    if let Err(e) = codec.encode(msg, out) {
        tracing::debug!("websocket: encoding a frame failed: {e}");
    }
}

/// The socket's writer: the 101 response's body. Dropping it (the
/// connection is gone) detaches the receiver, which interrupts the session.
struct Writer {
    attachment: Option<Attachment>,
    inner: Arc<Inner>,
    wire: Wire,
    shared: Rc<Shared>,
    raw: bool,
    /// Frames are written here and what goes out is split off. actix-http
    /// copies it to the connection's buffer and drops it at once, so the
    /// next frame reuses the same memory: no allocation per frame.
    buf: BytesMut,
    /// A message frame's text, built before it is framed.
    scratch: String,
    /// A frame longer than a [`PIECE`] on its way out, a piece at a time.
    long: Option<Box<Long>>,
}

/// A raw socket's batch: the messages not yet framed (one frame each).
type RawRest = <Batch as IntoIterator>::IntoIter;

/// What is left of a long frame. A broadcast's shared frame is not copied
/// whole into each member's buffer, and a batch's text is escaped as it
/// goes.
struct Long {
    /// Bytes that go as they are: a prepared frame's (shared by all the
    /// receivers of a broadcast) or a raw socket's message text.
    bytes: Bytes,
    /// A SockJS batch's text (`a[...]`), quoted as it goes.
    pieces: Option<frame::Pieces<Batch>>,
    /// A raw socket: the batch's messages after this one.
    raw_rest: Option<RawRest>,
}

impl Stream for Writer {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(attachment) = this.attachment.as_mut() else {
            return Poll::Ready(None);
        };
        let out = &mut this.buf;
        if !this.shared.answered.get() {
            // hixie-76: nothing goes out before the answer to the key.
            this.inner.register_receiver(cx);
            if let Some(answer) = this.shared.preamble.borrow_mut().take() {
                this.shared.answered.set(true);
                return Poll::Ready(Some(Ok(answer)));
            }
            // The key never came, or the client went away. (A session the
            // application closed at once still answers the key first, then
            // its close frame.)
            let gone = matches!(
                this.inner.lock().reason(),
                Some(r) if !matches!(r, CloseReason::Server { .. })
            );
            if this.shared.no_key.get() || gone {
                if let Some(mut a) = this.attachment.take() {
                    a.complete();
                }
                return Poll::Ready(None);
            }
            return Poll::Pending;
        }
        if this.long.is_some() {
            // Nothing goes between a frame's pieces, not even a pong.
            this.go_on(None);
            return Poll::Ready(Some(Ok(this.chunk())));
        }
        if let Some(payload) = this.shared.pong.borrow_mut().take() {
            this.wire.pong(payload, out);
        }
        match attachment.poll_next(cx) {
            Poll::Pending if out.is_empty() => return Poll::Pending,
            Poll::Pending => {}
            Poll::Ready(Outgoing::Open) if this.raw => {
                // Raw sockets have no open frame: take the next one now.
                return Pin::new(this).poll_next(cx);
            }
            Poll::Ready(Outgoing::Open) => this.wire.text(frame::OPEN, out),
            Poll::Ready(Outgoing::Heartbeat) if this.raw => this.wire.ping(out),
            Poll::Ready(Outgoing::Heartbeat) => this.wire.text(frame::HEARTBEAT, out),
            Poll::Ready(Outgoing::Messages(batch, _)) if this.raw => {
                this.go_on(Some(batch.into_iter()))
            }
            Poll::Ready(Outgoing::Messages(batch, accepted)) => this.framed(batch, accepted),
            Poll::Ready(Outgoing::Ack(accepted)) => this.wire.text(&frame::ack(accepted), out),
            Poll::Ready(Outgoing::Control(control)) => this.wire.text(&control, out),
            Poll::Ready(Outgoing::Kick) => {
                // Replaced by a socket that came back, or its client went
                // silent: end the connection without a word; the session
                // lives on.
                if let Some(mut a) = this.attachment.take() {
                    a.complete();
                }
                return Poll::Ready(None);
            }
            Poll::Ready(Outgoing::Close(close_frame)) => {
                // The SockJS close frame tells the client why the server
                // ended it; a close the client caused (its close frame, a
                // broken frame, a dropped connection) gets only the
                // WebSocket close.
                let by_client = matches!(
                    this.inner.lock().reason(),
                    Some(
                        CloseReason::Client { .. }
                            | CloseReason::ProtocolError
                            | CloseReason::Interrupted
                    )
                );
                if !this.raw && !by_client {
                    this.wire.text(&close_frame, &mut this.buf);
                }
                let (code, reason) = this.close_code();
                this.wire.close(code, &reason, &mut this.buf);
                if let Some(mut a) = this.attachment.take() {
                    a.complete();
                }
            }
        }
        Poll::Ready(Some(Ok(this.chunk())))
    }
}

impl Writer {
    /// What was written, to hand to actix-http.
    fn chunk(&mut self) -> Bytes {
        let chunk = self.buf.split().freeze();
        if chunk.len() > frame::KEEP_BUFFER {
            self.buf = BytesMut::new();
        }
        chunk
    }

    /// A SockJS batch's frame: written whole when its text is short, else
    /// started as a [`Long`] frame.
    fn framed(&mut self, batch: Batch, accepted: Option<u64>) {
        if !frame::goes_in_pieces(&batch) {
            return self
                .wire
                .messages(&batch, accepted, &mut self.scratch, &mut self.buf);
        }
        let prepared = match (&*batch, accepted) {
            ([only], None) => only.frame().map(|f| f.as_bytes().clone()),
            _ => None,
        };
        let (bytes, pieces) = match prepared {
            Some(bytes) => (bytes, None),
            None => (Bytes::new(), Some(frame::Pieces::new(batch, accepted))),
        };
        let len = pieces.as_ref().map_or(bytes.len(), frame::Pieces::len);
        self.wire.text_head(len, &mut self.buf);
        self.long = Some(Box::new(Long {
            bytes,
            pieces,
            raw_rest: None,
        }));
        self.go_on(None);
    }

    /// Writes up to a [`PIECE`] more of the long frame, if one is on its
    /// way; then, for a raw socket, the batch's next messages (`raw`), each
    /// its own frame, until one is long.
    fn go_on(&mut self, mut raw: Option<RawRest>) {
        let out = &mut self.buf;
        if let Some(mut long) = self.long.take() {
            if !long.bytes.is_empty() {
                let n = long.bytes.len().min(PIECE.saturating_sub(out.len()).max(1));
                out.extend_from_slice(&long.bytes.split_to(n));
            }
            if let Some(pieces) = long.pieces.as_mut().filter(|_| long.bytes.is_empty()) {
                self.scratch.clear();
                pieces.fill(&mut self.scratch, PIECE.saturating_sub(out.len()).max(1));
                out.extend_from_slice(self.scratch.as_bytes());
                if pieces.is_done() {
                    long.pieces = None;
                    if self.scratch.capacity() > frame::KEEP_BUFFER {
                        self.scratch = String::new();
                    }
                }
            }
            if !long.bytes.is_empty() || long.pieces.is_some() {
                self.long = Some(long);
                return;
            }
            if matches!(self.wire, Wire::Hixie76) {
                // hixie-76: the frame's end byte, after its text.
                out.put_u8(0xff);
            }
            raw = long.raw_rest.take();
        }
        let Some(mut rest) = raw.take() else { return };
        while let Some(m) = rest.next() {
            if m.len() <= PIECE {
                self.wire.text(m.as_str(), out);
                continue;
            }
            self.wire.text_head(m.len(), out);
            self.long = Some(Box::new(Long {
                bytes: m.text().as_bytes().clone(),
                pieces: None,
                raw_rest: Some(rest),
            }));
            return;
        }
    }

    /// The WebSocket close code for how the session ended.
    fn close_code(&self) -> (u16, String) {
        match self.inner.lock().reason() {
            Some(CloseReason::Server { code, reason }) => (*code, reason.clone()),
            Some(CloseReason::Client { code, .. }) if *code != 1005 => (*code, String::new()),
            Some(CloseReason::ProtocolError) => {
                let (code, why) = self
                    .shared
                    .invalid
                    .get()
                    .unwrap_or((1002, "Protocol error"));
                (code, why.to_owned())
            }
            _ => (1000, String::new()),
        }
    }
}

// ------------------------------------------------------------------- in

/// An inbound WebSocket event, whatever the wire framing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WsIn {
    Text(ByteString),
    Ping(Bytes),
    Pong,
    /// The client's close frame.
    Close(Option<(u16, String)>),
    /// Something SockJS cannot carry: the socket is closed with `code`
    /// (1002 protocol error, 1003 unsupported data, 1007 invalid UTF-8,
    /// 1009 too big).
    Invalid(u16, &'static str),
}

enum Decoder {
    Rfc6455(Rfc6455),
    /// hixie-76; `keys` until the 8-byte key has been answered.
    Hixie76 {
        keys: Option<(u32, u32)>,
    },
}

/// Reads the socket until it closes, delivering messages to the handler.
async fn read(
    inner: Arc<Inner>,
    socket: u64,
    mut payload: web::Payload,
    mut decoder: Decoder,
    shared: Rc<Shared>,
    raw: bool,
    limits: Limits,
) {
    let mut buf = BytesMut::new();
    if let Decoder::Hixie76 { keys } = &mut decoder {
        // The key follows the head the client (or HAProxy) waited for.
        let Some(keys) = keys.take() else { return };
        let got = tokio::time::timeout(limits.handshake_timeout, async {
            while buf.len() < 8 {
                match payload.next().await {
                    Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                    _ => return false,
                }
            }
            true
        })
        .await;
        if got != Ok(true) {
            tracing::debug!("session {}: hixie-76 key missing, closing", inner.id());
            shared.no_key.set(true);
            inner.close(CloseReason::Interrupted);
            inner.wake_receiver();
            return;
        }
        let mut key3 = [0u8; 8];
        key3.copy_from_slice(&buf[..8]);
        buf.advance(8);
        let answer = hixie76::challenge(keys.0, keys.1, &key3);
        *shared.preamble.borrow_mut() = Some(Bytes::copy_from_slice(&answer));
        inner.wake_receiver();
    }
    let resumable = inner.resumable();
    let ended = loop {
        let event = match &mut decoder {
            Decoder::Rfc6455(d) => d.decode(&mut buf, limits.max_message),
            Decoder::Hixie76 { .. } => hixie76::parse_frame(&mut buf, limits.max_message),
        };
        let Some(event) = event else {
            match payload.next().await {
                Some(Ok(chunk)) => {
                    buf.extend_from_slice(&chunk);
                    continue;
                }
                // The connection ended without a close frame.
                _ => break CloseReason::Interrupted,
            }
        };
        match event {
            WsIn::Text(text) if resumable && text.starts_with('{') => {
                match inbound::parse_ack(&text) {
                    Some(ack) => inner.acknowledge(ack),
                    None => {
                        shared.invalid.set(Some((1002, "Broken JSON encoding")));
                        break CloseReason::ProtocolError;
                    }
                }
            }
            WsIn::Text(text) => {
                if resumable {
                    inner.heard();
                }
                let messages = if raw {
                    match inbound::Texts::one(String::from(&*text)) {
                        Ok(m) => m,
                        Err(_) => break CloseReason::ProtocolError,
                    }
                } else {
                    match inbound::parse_ws(&text) {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::debug!("session {}: websocket: {e}", inner.id());
                            shared.invalid.set(Some((1002, "Broken JSON encoding")));
                            break CloseReason::ProtocolError;
                        }
                    }
                };
                inner.deliver_from_socket(Some(socket), messages).await;
            }
            WsIn::Ping(p) => {
                *shared.pong.borrow_mut() = Some(p);
                inner.wake_receiver();
            }
            WsIn::Pong => {}
            WsIn::Close(r) => {
                let (code, reason) = r.unwrap_or((1005, String::new()));
                break CloseReason::Client { code, reason };
            }
            WsIn::Invalid(code, why) => {
                tracing::debug!("session {}: websocket: {why}", inner.id());
                shared.invalid.set(Some((code, why)));
                break CloseReason::ProtocolError;
            }
        }
    };
    // A resumable session outlives a broken connection: its client comes
    // back with the token (or the session ends after the resume window).
    if !(resumable && ended == CloseReason::Interrupted) {
        inner.close(ended);
    }
}

/// RFC 6455 frames through actix-http's codec, with what it leaves out:
/// sizes checked at each frame's header, continuations gathered within the
/// limit, reserved bits and UTF-8 checked.
struct Rfc6455 {
    codec: Codec,
    /// A fragmented message being gathered: its bytes, and whether text.
    partial: Option<(BytesMut, bool)>,
}

impl Rfc6455 {
    fn new(max_message: usize) -> Self {
        Rfc6455 {
            codec: Codec::new().max_size(max_message),
            partial: None,
        }
    }

    /// The next event in `buf`, `None` when more bytes are needed.
    ///
    /// A loop over the frames of a fragmented message, not a call per
    /// frame: a message may come in any number of them (each continuation
    /// of one byte, or of none), and a recursion one level deep per frame
    /// overflowed the worker's stack at 6,000 fragments (42 KB) in a release
    /// build. What a message gathers is bounded by `max` at each frame's
    /// header; a fragment costs what a ping does.
    fn decode(&mut self, buf: &mut BytesMut, max: usize) -> Option<WsIn> {
        use actix_codec::Decoder as _;
        loop {
            if let Err(e) = self.check_header(buf, max) {
                return Some(e);
            }
            let item = match self.codec.decode(buf) {
                Ok(None) => return None,
                Err(actix_http::ws::ProtocolError::Overflow) => {
                    return Some(WsIn::Invalid(1009, "Message too big"))
                }
                Err(_) => return Some(WsIn::Invalid(1002, "Protocol error")),
                Ok(Some(Frame::Text(bytes))) => return Some(text(bytes)),
                Ok(Some(Frame::Binary(_))) => {
                    return Some(WsIn::Invalid(1003, "Binary messages are not supported"))
                }
                Ok(Some(Frame::Ping(p))) => return Some(WsIn::Ping(p)),
                Ok(Some(Frame::Pong(_))) => return Some(WsIn::Pong),
                Ok(Some(Frame::Close(r))) => {
                    return Some(WsIn::Close(
                        r.map(|r| (u16::from(r.code), r.description.unwrap_or_default())),
                    ))
                }
                Ok(Some(Frame::Continuation(item))) => item,
            };
            match (item, self.partial.take()) {
                (Item::FirstText(b), None) => self.partial = Some((BytesMut::from(&b[..]), true)),
                (Item::FirstBinary(b), None) => {
                    self.partial = Some((BytesMut::from(&b[..]), false))
                }
                (Item::Continue(b), Some((mut acc, is_text))) => {
                    acc.extend_from_slice(&b);
                    self.partial = Some((acc, is_text));
                }
                (Item::Last(b), Some((mut acc, true))) => {
                    acc.extend_from_slice(&b);
                    return Some(text(acc.freeze()));
                }
                (Item::Last(_), Some((_, false))) => {
                    return Some(WsIn::Invalid(1003, "Binary messages are not supported"))
                }
                _ => return Some(WsIn::Invalid(1002, "Protocol error")),
            }
        }
    }

    /// Looks at the next frame's header, if it is all there, and refuses
    /// what must not be buffered or is malformed.
    fn check_header(&self, buf: &[u8], max: usize) -> Result<(), WsIn> {
        let Some(h) = FrameHead::parse(buf) else {
            return Ok(());
        };
        if h.rsv != 0 {
            return Err(WsIn::Invalid(1002, "Reserved bits set"));
        }
        if h.opcode >= 8 {
            if h.len > 125 || !h.fin {
                return Err(WsIn::Invalid(1002, "Malformed control frame"));
            }
            return Ok(());
        }
        let gathered = match (h.opcode, &self.partial) {
            (0, Some((acc, _))) => acc.len() as u64,
            (0, None) => return Err(WsIn::Invalid(1002, "Continuation without a message")),
            (_, Some(_)) => return Err(WsIn::Invalid(1002, "Message interleaved with another")),
            (_, None) => 0,
        };
        if gathered.saturating_add(h.len) > max as u64 {
            return Err(WsIn::Invalid(1009, "Message too big"));
        }
        Ok(())
    }
}

/// A text message, which must be UTF-8.
fn text(bytes: Bytes) -> WsIn {
    match ByteString::try_from(bytes) {
        Ok(t) => WsIn::Text(t),
        Err(_) => WsIn::Invalid(1007, "Invalid UTF-8"),
    }
}

/// The fields of an RFC 6455 frame header that decide whether to read on.
#[derive(Debug, PartialEq, Eq)]
struct FrameHead {
    fin: bool,
    rsv: u8,
    opcode: u8,
    len: u64,
}

impl FrameHead {
    /// `None` until the header's length field has arrived.
    fn parse(buf: &[u8]) -> Option<FrameHead> {
        let (&b0, &b1) = (buf.first()?, buf.get(1)?);
        let len = match b1 & 0x7f {
            126 => u64::from(u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?])),
            127 => u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?),
            n => u64::from(n),
        };
        Some(FrameHead {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x07,
            opcode: b0 & 0x0f,
            len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_frames_head_is_the_codecs() {
        for len in [0, 1, 125, 126, 127, 65_535, 65_536, 300_000] {
            let text = "x".repeat(len);
            let mut whole = BytesMut::new();
            Parser::write_message(&mut whole, text.as_str(), OpCode::Text, true, false);
            let mut head = BytesMut::new();
            Wire::Rfc6455(Codec::new()).text_head(len, &mut head);
            head.extend_from_slice(text.as_bytes());
            assert_eq!(head, whole, "length {len}");
        }
        let mut whole = BytesMut::new();
        Wire::Hixie76.text("abc", &mut whole);
        let mut head = BytesMut::new();
        Wire::Hixie76.text_head(3, &mut head);
        assert_eq!(&whole[..1], &head[..]);
    }

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![first];
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
        let mask = [1, 2, 3, 4];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        f
    }

    fn decode_all(bytes: &[u8], max: usize) -> Vec<WsIn> {
        let mut d = Rfc6455::new(max);
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(e) = d.decode(&mut buf, max) {
            let stop = matches!(e, WsIn::Invalid(..));
            out.push(e);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn headers() {
        assert_eq!(FrameHead::parse(&[0x81]), None);
        assert_eq!(
            FrameHead::parse(&[0x81, 0x85]),
            Some(FrameHead {
                fin: true,
                rsv: 0,
                opcode: 1,
                len: 5
            })
        );
        assert_eq!(FrameHead::parse(&[0x01, 0xfe, 0x01]), None);
        let gib = [0x81, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0];
        assert_eq!(FrameHead::parse(&gib).map(|h| h.len), Some(1 << 30));
    }

    #[test]
    fn an_oversized_frame_is_refused_at_its_header() {
        // Only the header of a 1 GiB frame: refused before any payload.
        let mut d = Rfc6455::new(1024);
        let mut buf = BytesMut::from(&[0x81u8, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0][..]);
        assert_eq!(
            d.decode(&mut buf, 1024),
            Some(WsIn::Invalid(1009, "Message too big"))
        );
    }

    #[test]
    fn fragments_are_gathered_within_the_limit() {
        let mut bytes = masked(0x01, b"hel");
        bytes.extend(masked(0x00, b"lo"));
        bytes.extend(masked(0x89, b"")); // a ping between fragments
        bytes.extend(masked(0x80, b"!"));
        assert_eq!(
            decode_all(&bytes, 10),
            [WsIn::Ping(Bytes::new()), WsIn::Text("hello!".into())]
        );
        let mut big = masked(0x01, &[b'x'; 8]);
        big.extend(masked(0x80, &[b'x'; 8]));
        assert_eq!(
            decode_all(&big, 10),
            [WsIn::Invalid(1009, "Message too big")]
        );
    }

    #[test]
    fn malformed_frames() {
        assert_eq!(
            decode_all(&masked(0xc1, b"x"), 10),
            [WsIn::Invalid(1002, "Reserved bits set")]
        );
        assert_eq!(
            decode_all(&masked(0x80, b"x"), 10),
            [WsIn::Invalid(1002, "Continuation without a message")]
        );
        assert_eq!(
            decode_all(&masked(0x81, &[0xff, 0xfe]), 10),
            [WsIn::Invalid(1007, "Invalid UTF-8")]
        );
        assert_eq!(
            decode_all(&masked(0x82, b"x"), 10),
            [WsIn::Invalid(1003, "Binary messages are not supported")]
        );
        assert_eq!(
            decode_all(&masked(0x09, b""), 10),
            [WsIn::Invalid(1002, "Malformed control frame")],
            "a fragmented ping"
        );
        let mut unmasked = vec![0x81u8, 0x01, b'x'];
        assert_eq!(
            Rfc6455::new(10).decode(&mut BytesMut::from(&unmasked[..]), 10),
            Some(WsIn::Invalid(1002, "Protocol error"))
        );
        unmasked.clear();
    }
}
