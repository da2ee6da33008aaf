//! The HTTP transports, end to end: the receivers (xhr polling and
//! streaming, EventSource, htmlfile, JSONP polling) and the sends they pair
//! with (`xhr_send`, `jsonp_send`).
//!
//! The receivers differ only in what [`HttpReceiver`] says about each: its
//! content type, what comes before the first frame, how a frame is wrapped,
//! whether it answers one frame (polling) or streams up to the response
//! limit, and whether it takes a callback.

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use futures_core::Stream;
use futures_util::stream;

use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use std::sync::Arc;

use super::{SessionRequest, Transport};
use crate::error::CloseReason;
use crate::http::{body, headers, RequestError};
use crate::protocol::frame;
use crate::protocol::inbound::{self, PayloadError, Texts};
use crate::session::state::Batch;
use crate::session::{Attachment, Inner, Open, Outgoing, ResumeAsk, ResumeError};

/// The HTTP receiving transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpReceiver {
    XhrPolling,
    XhrStreaming,
    EventSource,
    HtmlFile,
    Jsonp,
}

const HTMLFILE_HEAD_1: &str = "<!doctype html>\n<html><head>\n  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n</head><body><h2>Don't panic!</h2>\n  <script>\n    document.domain = document.domain;\n    var c = parent.";
const HTMLFILE_HEAD_2: &str = ";\n    c.start();\n    function p(d) {c.message(d);};\n    window.onload = function() {c.stop();};\n  </script>";

impl HttpReceiver {
    pub fn transport(self) -> Transport {
        match self {
            HttpReceiver::XhrPolling => Transport::XhrPolling,
            HttpReceiver::XhrStreaming => Transport::XhrStreaming,
            HttpReceiver::EventSource => Transport::EventSource,
            HttpReceiver::HtmlFile => Transport::HtmlFile,
            HttpReceiver::Jsonp => Transport::JsonpPolling,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            HttpReceiver::EventSource => "text/event-stream",
            HttpReceiver::HtmlFile => "text/html; charset=UTF-8",
            HttpReceiver::XhrPolling | HttpReceiver::XhrStreaming | HttpReceiver::Jsonp => {
                "application/javascript; charset=UTF-8"
            }
        }
    }

    /// Streaming receivers keep the response open up to the response limit;
    /// polling ones answer one frame.
    fn streaming(self) -> bool {
        match self {
            HttpReceiver::XhrStreaming | HttpReceiver::EventSource | HttpReceiver::HtmlFile => true,
            HttpReceiver::XhrPolling | HttpReceiver::Jsonp => false,
        }
    }

    /// Receivers whose frames call a page's function, named by `c=`.
    fn takes_callback(self) -> bool {
        match self {
            HttpReceiver::HtmlFile | HttpReceiver::Jsonp => true,
            HttpReceiver::XhrPolling | HttpReceiver::XhrStreaming | HttpReceiver::EventSource => {
                false
            }
        }
    }
}

/// How one receiving request writes frames: its transport and callback.
#[derive(Debug, Clone)]
pub(crate) struct Framing {
    receiver: HttpReceiver,
    /// The validated JSONP / htmlfile callback.
    callback: Box<str>,
}

impl Framing {
    pub fn new(receiver: HttpReceiver, callback: Option<&str>) -> Self {
        Framing {
            receiver,
            callback: callback.unwrap_or_default().into(),
        }
    }

    /// What a streaming response starts with, before any frame: padding
    /// that makes browsers and proxies start delivering.
    pub fn prelude(&self) -> Option<Bytes> {
        match self.receiver {
            HttpReceiver::XhrStreaming => {
                let mut p = vec![b'h'; 2049];
                p[2048] = b'\n';
                Some(p.into())
            }
            HttpReceiver::EventSource => Some(Bytes::from_static(b"\r\n")),
            HttpReceiver::HtmlFile => {
                let mut p = String::with_capacity(1100);
                p.push_str(HTMLFILE_HEAD_1);
                p.push_str(&self.callback);
                p.push_str(HTMLFILE_HEAD_2);
                // Old browsers render nothing until they have 1 KiB.
                while p.len() <= 1024 {
                    p.push(' ');
                }
                p.push_str("\r\n");
                Some(p.into())
            }
            HttpReceiver::XhrPolling | HttpReceiver::Jsonp => None,
        }
    }

    /// One frame, wrapped for this transport.
    pub fn wrap(&self, frame: &str) -> Bytes {
        let mut out = String::with_capacity(frame.len() + 32);
        self.wrap_into(frame, &mut out);
        Bytes::from(out)
    }

    /// [`Framing::wrap`], appended to `out` (a buffer its caller reuses).
    pub fn wrap_into(&self, frame: &str, out: &mut String) {
        self.open_into(out);
        self.piece_into(frame, out);
        self.close_into(out);
    }

    /// What comes before a frame's text.
    fn open_into(&self, out: &mut String) {
        match self.receiver {
            HttpReceiver::EventSource => out.push_str("data: "),
            HttpReceiver::HtmlFile => out.push_str("<script>\np(\""),
            HttpReceiver::Jsonp => {
                out.push_str("/**/");
                out.push_str(&self.callback);
                out.push_str("(\"");
            }
            HttpReceiver::XhrPolling | HttpReceiver::XhrStreaming => {}
        }
    }

    /// A frame's text, or a piece of it: each character is written alone,
    /// so a frame written in pieces reads as the frame written whole.
    fn piece_into(&self, frame: &str, out: &mut String) {
        match self.receiver {
            HttpReceiver::EventSource => {
                // sockjs-client passes every event through `decodeURI`, so a
                // raw `%` would break it (or change the message): send it as
                // `%25`. CR, LF and NUL, which would end or corrupt the
                // event, never appear raw in a JSON-quoted frame.
                for (i, part) in frame.split('%').enumerate() {
                    if i > 0 {
                        out.push_str("%25");
                    }
                    out.push_str(part);
                }
            }
            HttpReceiver::HtmlFile | HttpReceiver::Jsonp => frame::escape_frame(frame, out),
            HttpReceiver::XhrPolling | HttpReceiver::XhrStreaming => out.push_str(frame),
        }
    }

    /// What comes after a frame's text.
    fn close_into(&self, out: &mut String) {
        out.push_str(match self.receiver {
            HttpReceiver::EventSource => "\r\n\r\n",
            HttpReceiver::HtmlFile => "\");\n</script>\r\n",
            HttpReceiver::Jsonp => "\");\r\n",
            HttpReceiver::XhrPolling | HttpReceiver::XhrStreaming => "\n",
        });
    }
}

/// True for a JSONP / htmlfile callback name that cannot inject script:
/// only `[A-Za-z0-9_.-]`, at most [`MAX_CALLBACK_LEN`] bytes.
pub(crate) fn valid_callback(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CALLBACK_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The longest callback name accepted.
pub(crate) const MAX_CALLBACK_LEN: usize = 64;

/// A receiving request: opens the session if it is new, becomes its
/// receiver (or answers 2010 when another is attached), and answers one
/// frame or streams.
pub(crate) async fn receive(
    r: SessionRequest,
    receiver: HttpReceiver,
) -> Result<HttpResponse, RequestError> {
    let req = &r.http;
    let callback = match receiver.takes_callback() {
        true => match crate::session::query_param(req.query_string(), "c") {
            None => return Err(RequestError::CallbackRequired),
            Some(c) if !valid_callback(&c) => return Err(RequestError::InvalidCallback),
            Some(c) => Some(c),
        },
        false => None,
    };
    let framing = Framing::new(receiver, callback.as_deref());
    let ask = ResumeAsk::from_query(req.query_string());
    #[cfg(feature = "redis")]
    if let Some(link) = r.sessions.cluster.clone() {
        if let Some(answer) = cluster_receive(&r, &link, receiver, &framing, &ask).await? {
            return Ok(answer);
        }
    }
    let admitted = r.sessions.admit(req, Some(r.id()), &ask).await?;
    let opened = r
        .sessions
        .open(req, r.id(), receiver.transport(), &ask, admitted)?;
    let mut b = receive_head(&r, receiver);
    let (inner, mode) = match opened {
        Open::Session(inner, mode) => (inner, mode),
        Open::ResumeFailed(why) => {
            return Ok(one_frame(req, b, &framing, &frame::close(2011, why)))
        }
    };
    let attachment = inner.attach(ask.ack, mode);
    Ok(match (attachment, receiver.streaming()) {
        (Ok(mut attachment), false) => {
            // A poll answers one frame with a sized body, written together
            // with the head once the frame is ready: a head sent ahead of a
            // late body would wait for the client's delayed ACK under Nagle
            // (actix-web's default), 40 ms per message. If the client goes
            // away meanwhile, actix drops this future and the attachment's
            // drop interrupts the session, as a dropped body would.
            let out = match attachment.try_next() {
                Some(out) => out,
                None => attachment.next().await,
            };
            attachment.complete();
            drop(attachment);
            let answer = framing.wrap(&frame_of(out));
            // Up to a piece, the answer goes whole, with its head, in one write.
            match answer.len() > frame::PIECE {
                false => b.body(answer),
                true => b.body(Unread::new(answer, inner)),
            }
        }
        (Ok(attachment), true) => streaming(
            req,
            b,
            receiver_body(attachment, framing, r.sessions.config.response_limit),
        ),
        (Err(None), _) => one_frame(req, b, &framing, frame::ANOTHER_CONNECTION),
        (Err(Some(ResumeError::MessagesMissing)), _) => one_frame(
            req,
            b,
            &framing,
            &frame::close(2011, "Resume failed: messages missing"),
        ),
    })
}

/// A poll's answer longer than a [`frame::PIECE`], handed to actix-http a
/// piece at a time, as it takes them: it takes the next only when its write
/// buffer has room, so what is left here is what the client has not read
/// (but for that buffer and the kernel's). Until it is all taken, the
/// session answers no other receiver (`Inner::unread`): a client that polls
/// and never reads would otherwise get a new answer at each poll, each held
/// by its connection for as long as it stays open (a resumable session's
/// kept messages, sent again to every receiver that came back with
/// `ack=0`, took a server to 1.3 GB from one session).
struct Unread {
    rest: Bytes,
    inner: Arc<Inner>,
}

impl Unread {
    fn new(answer: Bytes, inner: Arc<Inner>) -> Self {
        inner.add_unread(answer.len());
        Unread {
            rest: answer,
            inner,
        }
    }
}

impl actix_web::body::MessageBody for Unread {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.rest.len() as u64)
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            return std::task::Poll::Ready(None);
        }
        let piece = this.rest.split_to(this.rest.len().min(frame::PIECE));
        this.inner.taken_unread(piece.len());
        std::task::Poll::Ready(Some(Ok(piece)))
    }
}

impl Drop for Unread {
    fn drop(&mut self) {
        // Given up with the connection: what was not taken is not waited for.
        if !self.rest.is_empty() {
            self.inner.taken_unread(self.rest.len());
        }
    }
}

/// The response head of a receiving request.
fn receive_head(r: &SessionRequest, receiver: HttpReceiver) -> HttpResponseBuilder {
    let mut b = headers::session(&r.http, StatusCode::OK);
    b.content_type(HeaderValue::from_static(receiver.content_type()));
    if r.sessions.config.cookie_needed {
        headers::jsessionid(&mut b, &r.http);
    }
    b
}

/// A receiving request for a session this node does not have: `None` to
/// serve it here (a new session, claimed for this node), else the answer:
/// relayed from the session's owner, or the close frame of a session whose
/// node is gone.
#[cfg(feature = "redis")]
async fn cluster_receive(
    r: &SessionRequest,
    link: &crate::cluster::relay::Link,
    receiver: HttpReceiver,
    framing: &Framing,
    ask: &ResumeAsk,
) -> Result<Option<HttpResponse>, RequestError> {
    use crate::cluster::relay::Owner;
    if r.sessions.get(r.id()).is_some() || r.sessions.has_token(ask) {
        return Ok(None);
    }
    // A resumable session coming back on a new URL is found by its token.
    let located = match &ask.kind {
        crate::session::ResumeKind::Token(token) => {
            match r
                .sessions
                .find_resumable(&r.http, token, receiver.transport())
                .await?
            {
                Some(owner) => Ok(Owner::Node(owner)),
                None => return Ok(None),
            }
        }
        _ => link.locate(r.id(), true).await,
    };
    let owner = match located {
        Ok(Owner::Here) => return Ok(None),
        // Redis is away: a new session is served here (local sessions go on).
        Err(_) => {
            tracing::warn!(
                "session {}: Redis cannot be reached: served on this node alone",
                r.id()
            );
            return Ok(None);
        }
        Ok(Owner::Lost(owner)) => {
            link.forget(r.id(), &owner);
            let frame = crate::cluster::relay::lost_frame();
            return Ok(Some(one_frame(
                &r.http,
                receive_head(r, receiver),
                framing,
                &frame,
            )));
        }
        Ok(Owner::Node(owner)) => owner,
    };
    // Without the pub/sub link no answer could come back.
    if !link.node.is_up() {
        return Err(RequestError::ClusterUnavailable);
    }
    let config = &r.sessions.config;
    let relayed = link
        .receive(
            &owner,
            r.id(),
            receiver.transport().name(),
            r.http.query_string(),
            receiver.streaming(),
            config.response_limit,
            config.queue_bytes.max(64 * 1024),
        )
        .await;
    let mut frames = match relayed {
        Ok(Ok(frames)) => frames,
        Ok(Err((status, text))) => return Err(RequestError::Remote(status, text)),
        Err(_) => return Err(RequestError::ClusterUnavailable),
    };
    let b = receive_head(r, receiver);
    if !receiver.streaming() {
        let mut b = b;
        let frame = frames
            .next()
            .await
            .unwrap_or_else(|| ByteString::from_static(frame::HEARTBEAT));
        return Ok(Some(b.body(framing.wrap(&frame))));
    }
    let framing = framing.clone();
    let prelude = framing.prelude();
    let body = stream::unfold(
        (frames, framing, prelude),
        |(mut frames, framing, prelude)| async move {
            if let Some(p) = prelude {
                return Some((Ok(p), (frames, framing, None)));
            }
            let f = frames.next().await?;
            let chunk = framing.wrap(&f);
            Some((
                Ok::<_, std::convert::Infallible>(chunk),
                (frames, framing, None),
            ))
        },
    );
    Ok(Some(streaming(&r.http, b, body)))
}

/// What a relayed receiving request gets from its session here.
#[cfg(feature = "redis")]
pub(crate) enum Source {
    /// One frame, and the end (2010, 2011).
    One(ByteString),
    /// The session's receiver, to pull frames from.
    Attached(Attachment),
}

/// A receiving request relayed here by the node it landed on (the session
/// is here, or its token is).
#[cfg(feature = "redis")]
pub(crate) fn relayed_receive(
    sessions: &Arc<crate::session::Sessions>,
    sid: &str,
    transport: &str,
    query: &str,
) -> Result<Source, RequestError> {
    let ask = ResumeAsk::from_query(query);
    let transport = Transport::from_name(transport).ok_or(RequestError::NotFound)?;
    let (inner, mode) = match sessions.find(sid, transport, &ask) {
        Some(Open::Session(inner, mode)) => (inner, mode),
        // A stopping node has let its resumable sessions go (handed over
        // through Redis), while the relaying node may still have read that
        // the token names this node: the client is to come back and find
        // the session where it went, never be told that it expired. (A
        // token that did expire is told so by a node that is not stopping.)
        Some(Open::ResumeFailed(_))
            if sessions.is_shutting_down()
                && matches!(ask.kind, crate::session::ResumeKind::Token(_)) =>
        {
            return Err(RequestError::SessionMoving)
        }
        Some(Open::ResumeFailed(why)) => return Ok(Source::One(frame::close(2011, why))),
        None => return Err(RequestError::NotFound),
    };
    Ok(match inner.attach(ask.ack, mode) {
        Ok(a) => Source::Attached(a),
        Err(None) => Source::One(ByteString::from_static(frame::ANOTHER_CONNECTION)),
        Err(Some(ResumeError::MessagesMissing)) => {
            Source::One(frame::close(2011, "Resume failed: messages missing"))
        }
    })
}

/// A complete answer of one frame, for a request that does not attach:
/// prelude (streaming receivers), frame, end.
fn one_frame(
    req: &HttpRequest,
    mut b: HttpResponseBuilder,
    framing: &Framing,
    frame: &str,
) -> HttpResponse {
    match framing.receiver.streaming() {
        false => b.body(framing.wrap(frame)),
        true => {
            let chunks = framing
                .prelude()
                .into_iter()
                .chain([framing.wrap(frame)])
                .map(Ok::<_, std::convert::Infallible>);
            streaming(req, b, stream::iter(chunks))
        }
    }
}

/// A send (`xhr_send`, or `jsonp_send` with `jsonp`): a JSON array of
/// messages for the session's handler, from the body or (JSONP) the form
/// field `d`.
pub(crate) async fn send(r: SessionRequest, jsonp: bool) -> Result<HttpResponse, RequestError> {
    let req = &r.http;
    let Some(inner) = r.sessions.get(r.id()) else {
        #[cfg(feature = "redis")]
        if let Some(link) = r.sessions.cluster.clone() {
            return relay_send(r, &link, jsonp).await;
        }
        return Err(RequestError::NotFound);
    };
    // One send at a time per session: what a session holds in sends is
    // then one body, however many a client opens in parallel.
    let Some(_sending) = inner.begin_send() else {
        return Err(RequestError::SendInProgress);
    };
    let config = &r.sessions.config;
    let body = body::read(req, r.payload, config.max_message_size, config.body_timeout).await?;
    // The body goes with the parse: a send that waits for room in the
    // handler's queue holds its packed messages, not the body beside them.
    deliver_send(&inner, req.query_string(), move || {
        parse_send(req, &body, jsonp)
    })
    .await?;
    Ok(send_answer(req, config.cookie_needed, jsonp))
}

/// What a send's body holds: the messages of its JSON array.
fn parse_send(req: &HttpRequest, body: &[u8], jsonp: bool) -> Result<Texts, PayloadError> {
    if jsonp && body::is_form(req) {
        match form_urlencoded::parse(body).find(|(k, _)| k == "d") {
            Some((_, d)) if !d.is_empty() => inbound::parse_array(d.as_bytes()),
            _ => Err(PayloadError::Empty),
        }
    } else {
        inbound::parse_array(body)
    }
}

/// The answer to a send whose messages were delivered.
fn send_answer(req: &HttpRequest, cookie_needed: bool, jsonp: bool) -> HttpResponse {
    let status = match jsonp {
        true => StatusCode::OK,
        false => StatusCode::NO_CONTENT,
    };
    let mut b = headers::session(req, status);
    b.content_type(HeaderValue::from_static(headers::TEXT_PLAIN));
    if cookie_needed {
        headers::jsessionid(&mut b, req);
    }
    match jsonp {
        true => b.body("ok"),
        false => b.finish(),
    }
}

/// How long a send of a resumable session in a cluster waits for Redis to
/// count its messages (under the cluster's relay timeout).
const DURABLE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// A send's effect on its session, wherever the request landed: the resume
/// extension's acknowledgement and numbering (`ack`, `seq`: what was
/// accepted already is skipped), then delivery to the handler, and a
/// resumable client's `close=1`. `messages` parses the body (after the
/// acknowledgement, which holds even for a broken body).
pub(crate) async fn deliver_send(
    inner: &Arc<Inner>,
    query: &str,
    messages: impl FnOnce() -> Result<Texts, PayloadError>,
) -> Result<(), RequestError> {
    let resumable = inner.resumable();
    let (seq, ack) = match resumable && !query.is_empty() {
        true => (
            crate::session::query_value(query, "seq").and_then(|v| v.parse::<u64>().ok()),
            crate::session::query_value(query, "ack").and_then(|v| v.parse::<u64>().ok()),
        ),
        false => (None, None),
    };
    if resumable {
        inner.heard();
        if let Some(ack) = ack {
            inner.acknowledge(ack);
        }
    }
    let messages = messages()?;
    match seq.filter(|_| !messages.is_empty()) {
        Some(seq) => {
            let last = seq + messages.len() as u64 - 1;
            if !inner.deliver_from(seq, messages).await {
                return Err(RequestError::OutOfOrder);
            }
            // In a cluster, accepted means kept in Redis: the answer waits
            // for it (a retry is then answered once it is, without a copy).
            if !inner.durable_upto(last, DURABLE_WAIT).await {
                return Err(RequestError::NotYetDurable);
            }
        }
        None => inner.deliver(messages).await,
    }
    // Resume extension: a client closing for good says so (a resumable
    // session would otherwise wait out its window for it).
    if resumable && query.contains("close=1") {
        inner.close(CloseReason::Client {
            code: 1000,
            reason: "Normal closure".into(),
        });
    }
    Ok(())
}

/// A send relayed here by the node it landed on.
#[cfg(feature = "redis")]
pub(crate) async fn relayed_send(
    sessions: &Arc<crate::session::Sessions>,
    sid: &str,
    query: &str,
    messages: Vec<String>,
) -> Result<String, RequestError> {
    let inner = sessions.get(sid).ok_or(RequestError::NotFound)?;
    let _sending = inner.begin_send().ok_or(RequestError::SendInProgress)?;
    deliver_send(&inner, query, || Texts::from_vec(messages)).await?;
    Ok(String::new())
}

/// A send for a session this node does not have: relayed to its owner.
#[cfg(feature = "redis")]
async fn relay_send(
    r: SessionRequest,
    link: &crate::cluster::relay::Link,
    jsonp: bool,
) -> Result<HttpResponse, RequestError> {
    use crate::cluster::relay::Owner;
    let owner = match link.locate(r.id(), false).await {
        Ok(Owner::Node(owner)) => owner,
        Ok(Owner::Here | Owner::Lost(_)) => return Err(RequestError::NotFound),
        Err(_) => return Err(RequestError::ClusterUnavailable),
    };
    if !link.node.is_up() {
        return Err(RequestError::ClusterUnavailable);
    }
    let SessionRequest {
        sessions,
        http,
        payload,
        id_at,
    } = r;
    let id = super::session_id(&http, &id_at);
    let config = &sessions.config;
    let body = body::read(&http, payload, config.max_message_size, config.body_timeout).await?;
    let messages = parse_send(&http, &body, jsonp)?;
    match link
        .send(&owner, id, http.query_string(), messages.into_vec())
        .await
    {
        Ok((204, _)) => Ok(send_answer(&http, config.cookie_needed, jsonp)),
        Ok((status, text)) => Err(RequestError::Remote(status, text)),
        Err(_) => Err(RequestError::ClusterUnavailable),
    }
}

/// A streamed answer. HTTP/1.0 has no chunked encoding: the body then ends
/// by closing the connection.
fn streaming<S>(req: &HttpRequest, mut b: HttpResponseBuilder, body: S) -> HttpResponse
where
    S: Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static,
{
    let http10 = req.version() < actix_web::http::Version::HTTP_11;
    if http10 {
        b.force_close();
    }
    let mut response = b.streaming(body);
    if http10 {
        response.head_mut().no_chunking(true);
    }
    response
}

struct BodyState {
    attachment: Option<Attachment>,
    framing: Framing,
    prelude: Option<Bytes>,
    /// Bytes of frames still allowed before the response ends.
    remaining: usize,
    /// A frame's text, then the frame wrapped for the transport, built in
    /// buffers the stream keeps.
    text: String,
    wrapped: String,
    /// What goes out is split off this. actix-http copies a chunk to the
    /// connection's buffer and drops it at once, so the next chunk reuses
    /// the same memory: no allocation per frame.
    buf: BytesMut,
    /// A batch longer than a [`frame::PIECE`], on its way out a piece at a
    /// time, each escaped and wrapped for the transport as it is written:
    /// a stream whose client does not read holds a piece, not the whole
    /// frame escaped (up to 6 times its text, 7 in htmlfile).
    long: Option<Box<frame::Pieces<Batch>>>,
}

impl BodyState {
    /// Writes the next piece of the long frame, and its end after the last.
    fn go_on(&mut self, mut pieces: Box<frame::Pieces<Batch>>) {
        self.text.clear();
        pieces.fill(&mut self.text, frame::PIECE);
        self.framing.piece_into(&self.text, &mut self.wrapped);
        match pieces.is_done() {
            true => self.framing.close_into(&mut self.wrapped),
            false => self.long = Some(pieces),
        }
    }
}

/// The body of a streaming receiver. Dropping it (the client went away)
/// detaches the receiver; if that happens before the response finished,
/// the session is interrupted.
fn receiver_body(
    attachment: Attachment,
    framing: Framing,
    response_limit: usize,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static {
    let state = BodyState {
        attachment: Some(attachment),
        prelude: framing.prelude(),
        framing,
        remaining: response_limit,
        text: String::new(),
        wrapped: String::new(),
        buf: BytesMut::new(),
        long: None,
    };
    stream::unfold(state, |mut st| async move {
        if let Some(p) = st.prelude.take() {
            return Some((Ok(p), st));
        }
        st.wrapped.clear();
        if let Some(pieces) = st.long.take() {
            st.go_on(pieces);
            return Some((Ok(st.chunk(false)), st));
        }
        let attachment = st.attachment.as_mut()?;
        let out = attachment.next().await;
        if matches!(out, Outgoing::Kick) {
            // Replaced, or its client went silent: end here, the session lives on.
            if let Some(mut a) = st.attachment.take() {
                a.complete();
            }
            return None;
        }
        let last = matches!(out, Outgoing::Close(_));
        match out {
            Outgoing::Messages(batch, accepted) if frame::goes_in_pieces(&batch) => {
                st.framing.open_into(&mut st.wrapped);
                st.go_on(Box::new(frame::Pieces::new(batch, accepted)));
            }
            out => {
                let (framing, wrapped) = (&st.framing, &mut st.wrapped);
                with_frame(out, &mut st.text, |f| framing.wrap_into(f, wrapped));
            }
        }
        Some((Ok(st.chunk(last)), st))
    })
}

impl BodyState {
    /// What was written, to hand to actix-http; the response ends after a
    /// close frame (`last`) or at its byte limit, once no frame is half
    /// written.
    fn chunk(&mut self, last: bool) -> Bytes {
        self.buf.extend_from_slice(self.wrapped.as_bytes());
        let chunk = self.buf.split().freeze();
        if chunk.len() > frame::KEEP_BUFFER {
            self.buf = BytesMut::new();
            self.text = String::new();
            self.wrapped = String::new();
        }
        self.remaining = self.remaining.saturating_sub(chunk.len());
        if self.long.is_none() && (last || self.remaining == 0) {
            // Finished normally: detach now, not when the body is dropped.
            if let Some(mut a) = self.attachment.take() {
                a.complete();
            }
        }
        chunk
    }
}

/// `f` of the SockJS frame for what a receiver sends next; a message
/// frame's text is built in `scratch` (a buffer its caller reuses).
fn with_frame<R>(out: Outgoing, scratch: &mut String, f: impl FnOnce(&str) -> R) -> R {
    match out {
        Outgoing::Messages(batch, accepted) => f(frame::batch_into(&batch, accepted, scratch)),
        other => f(&frame_of(other)),
    }
}

/// The SockJS frame for what a receiver sends next.
pub(crate) fn frame_of(out: Outgoing) -> ByteString {
    match out {
        Outgoing::Open => ByteString::from_static(frame::OPEN),
        // A replaced poll answers a heartbeat: its client polls again.
        Outgoing::Heartbeat | Outgoing::Kick => ByteString::from_static(frame::HEARTBEAT),
        Outgoing::Messages(batch, None) => frame::messages(&batch),
        Outgoing::Messages(batch, Some(accepted)) => frame::messages_acked(accepted, &batch),
        Outgoing::Ack(accepted) => frame::ack(accepted),
        Outgoing::Control(f) | Outgoing::Close(f) => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_wrapped_in_pieces_is_the_frame_wrapped() {
        use crate::protocol::message::Message;
        let long = "x%\u{7f}\"<é😀\u{2028}&\n".repeat(2000);
        let batch = [Message::new(long.clone()), Message::prepared(long)];
        for receiver in [
            HttpReceiver::XhrStreaming,
            HttpReceiver::EventSource,
            HttpReceiver::HtmlFile,
            HttpReceiver::Jsonp,
        ] {
            let framing = Framing::new(receiver, Some("cb"));
            for accepted in [None, Some(7)] {
                let mut scratch = String::new();
                let whole = framing.wrap(frame::batch_into(&batch, accepted, &mut scratch));
                let mut pieces = frame::Pieces::new(&batch[..], accepted);
                let mut out = String::new();
                framing.open_into(&mut out);
                while !pieces.is_done() {
                    let mut piece = String::new();
                    pieces.fill(&mut piece, 1000);
                    framing.piece_into(&piece, &mut out);
                }
                framing.close_into(&mut out);
                assert_eq!(out.as_bytes(), &whole[..], "{receiver:?}");
            }
        }
    }

    #[test]
    fn wrapping() {
        let xhr = Framing::new(HttpReceiver::XhrPolling, None);
        assert_eq!(&xhr.wrap("o")[..], b"o\n");
        let es = Framing::new(HttpReceiver::EventSource, None);
        assert_eq!(&es.wrap(r#"a["x"]"#)[..], b"data: a[\"x\"]\r\n\r\n");
        assert_eq!(
            &es.wrap(r#"a["100%","%2F"]"#)[..],
            b"data: a[\"100%25\",\"%252F\"]\r\n\r\n"
        );
        let html = Framing::new(HttpReceiver::HtmlFile, Some("cb"));
        assert_eq!(
            &html.wrap(r#"a["x"]"#)[..],
            b"<script>\np(\"a[\\\"x\\\"]\");\n</script>\r\n"
        );
        let jsonp = Framing::new(HttpReceiver::Jsonp, Some("x"));
        assert_eq!(&jsonp.wrap("o")[..], b"/**/x(\"o\");\r\n");
    }

    /// The streaming body builds its frames in buffers it reuses: they are
    /// the frames [`frame_of`] builds, whatever the buffer held before.
    #[test]
    fn frames_built_in_a_kept_buffer_are_the_same() {
        use crate::protocol::message::Message;
        use crate::session::state::Batch;
        let all = || {
            vec![
                Outgoing::Open,
                Outgoing::Heartbeat,
                Outgoing::Messages(Batch::One(Message::new("a\"b")), None),
                Outgoing::Messages(Batch::One(Message::prepared("tick")), None),
                Outgoing::Messages(Batch::One(Message::prepared("tick")), Some(3)),
                Outgoing::Messages(Batch::Many(vec!["x".into(), "y".into()]), None),
                Outgoing::Messages(Batch::Many(vec!["x".into(), "y".into()]), Some(2)),
                Outgoing::Ack(7),
                Outgoing::Close(frame::close(3000, "Go away!")),
            ]
        };
        let mut scratch = String::from("left over from before");
        for (kept, fresh) in all().into_iter().zip(all()) {
            let built = with_frame(kept, &mut scratch, str::to_owned);
            assert_eq!(built, &*frame_of(fresh));
        }
    }

    #[test]
    fn preludes() {
        let p = Framing::new(HttpReceiver::XhrStreaming, None)
            .prelude()
            .unwrap_or_default();
        assert_eq!(p.len(), 2049);
        assert!(p.starts_with(b"hhhh") && p.ends_with(b"h\n"));
        let html = Framing::new(HttpReceiver::HtmlFile, Some("callback"))
            .prelude()
            .unwrap_or_default();
        assert!(html.len() > 1024);
        let text = std::str::from_utf8(&html).unwrap_or_default();
        assert!(text.trim().ends_with("c.stop();};\n  </script>"));
        assert!(text.contains("var c = parent.callback;"));
        assert!(Framing::new(HttpReceiver::XhrPolling, None)
            .prelude()
            .is_none());
    }

    #[test]
    fn callbacks() {
        assert!(valid_callback("callback"));
        assert!(valid_callback("_jp.a1b2-c"));
        for bad in ["", " ", "*", "abc(", "a b", "<x>", "a\"", &"a".repeat(65)] {
            assert!(!valid_callback(bad), "{bad:?}");
        }
    }
}
