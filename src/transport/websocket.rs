//! WebSocket transports, end to end: the handshake (RFC 6455 through
//! actix-ws, or the legacy hixie-76 of [`super::hixie76`]), then one [`pump`]
//! per socket, SockJS-framed (`o`, `h`, `a[...]`, `c[...]` as text messages)
//! or raw (plain text messages, `/websocket`).

use std::sync::Arc;

use bytestring::ByteString;
use futures_core::Stream;
use futures_util::{future, StreamExt};

use actix_http::ws::ProtocolError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpResponse};

use super::{hixie76, SessionRequest, Transport};
use crate::error::CloseReason;
use crate::http::RequestError;
use crate::protocol::{frame, inbound};
use crate::session::{Inner, Outgoing};

/// `/<server>/<session>/websocket`: SockJS framing.
pub(crate) async fn framed(r: SessionRequest) -> Result<HttpResponse, RequestError> {
    handshake(r, Transport::Websocket).await
}

/// `/websocket`: plain text messages, no SockJS framing.
pub(crate) async fn raw(r: SessionRequest) -> Result<HttpResponse, RequestError> {
    handshake(r, Transport::RawWebsocket).await
}

/// Checks the upgrade request, opens the session and starts its pump.
async fn handshake(r: SessionRequest, transport: Transport) -> Result<HttpResponse, RequestError> {
    let SessionRequest {
        sessions,
        http: req,
        mut payload,
        id,
    } = r;
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
    let raw = transport == Transport::RawWebsocket;
    let max = sessions.config.max_message_size;

    if let Some(keys) = hixie76::keys(&req)? {
        let inner = sessions.open_socket(&req, &id, transport)?;
        let (body, sink, input) = hixie76::connect(keys, payload, max);
        actix_rt::spawn(pump(inner, sink, input, raw));
        return Ok(hixie76::response(&req).streaming(body));
    }
    let (response, sink, messages) = actix_ws::handle(&req, payload).map_err(|e| {
        let mut response = e.error_response();
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            return RequestError::MethodNotAllowed("GET");
        }
        *response.status_mut() = StatusCode::BAD_REQUEST;
        RequestError::Other(actix_web::error::InternalError::from_response(e, response).into())
    })?;
    let inner = sessions.open_socket(&req, &id, transport)?;
    let input = actix_input(
        messages
            .max_frame_size(max)
            .aggregate_continuations()
            .max_continuation_size(max),
    );
    actix_rt::spawn(pump(inner, sink, input, raw));
    Ok(response)
}

/// hybi-07 and -08 frame exactly like RFC 6455 (13), which is all actix-ws
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

/// An inbound WebSocket event, whatever the wire framing.
#[derive(Debug)]
pub(crate) enum WsIn {
    Text(ByteString),
    Ping(bytes::Bytes),
    /// The client's close frame.
    Close(Option<(u16, String)>),
    /// The connection broke without a close frame.
    Broken,
    /// Something SockJS cannot carry: the socket is closed with `code`
    /// (1002 protocol error, 1003 unsupported data, 1007 invalid UTF-8,
    /// 1009 too big).
    Invalid(u16, &'static str),
}

/// Where frames for the client go.
pub(crate) trait WsSink: Clone {
    async fn text(&mut self, text: ByteString) -> bool;
    async fn pong(&mut self, payload: &[u8]) -> bool;
    async fn ping(&mut self) -> bool;
    async fn close(self, code: u16, reason: &str);
}

impl WsSink for actix_ws::Session {
    async fn text(&mut self, text: ByteString) -> bool {
        actix_ws::Session::text(self, text).await.is_ok()
    }

    async fn pong(&mut self, payload: &[u8]) -> bool {
        actix_ws::Session::pong(self, payload).await.is_ok()
    }

    async fn ping(&mut self) -> bool {
        actix_ws::Session::ping(self, b"").await.is_ok()
    }

    async fn close(self, code: u16, reason: &str) {
        let reason = actix_ws::CloseReason {
            code: code.into(),
            description: (!reason.is_empty()).then(|| reason.to_owned()),
        };
        let _ = actix_ws::Session::close(self, Some(reason)).await;
    }
}

/// Converts actix-ws's message stream into [`WsIn`] events.
pub(crate) fn actix_input(
    stream: actix_ws::AggregatedMessageStream,
) -> impl Stream<Item = WsIn> + Unpin {
    stream.map(|m| match m {
        Ok(actix_ws::AggregatedMessage::Text(t)) => WsIn::Text(t),
        Ok(actix_ws::AggregatedMessage::Ping(p)) => WsIn::Ping(p),
        Ok(actix_ws::AggregatedMessage::Pong(_)) => WsIn::Ping(bytes::Bytes::new()),
        Ok(actix_ws::AggregatedMessage::Binary(_)) => {
            WsIn::Invalid(1003, "Binary messages are not supported")
        }
        Ok(actix_ws::AggregatedMessage::Close(r)) => {
            WsIn::Close(r.map(|r| (u16::from(r.code), r.description.unwrap_or_default())))
        }
        // actix-ws reports a text message that is not UTF-8 as InvalidData;
        // any other I/O error is the connection breaking.
        Err(ProtocolError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
            WsIn::Invalid(1007, "Invalid UTF-8")
        }
        Err(ProtocolError::Io(_)) => WsIn::Broken,
        Err(ProtocolError::Overflow) => WsIn::Invalid(1009, "Message too big"),
        Err(_) => WsIn::Invalid(1002, "Protocol error"),
    })
}

/// Runs one WebSocket session until either side closes: frames out from the
/// session's attachment, messages in to the handler. Reading and writing
/// run concurrently so a slow handler cannot block outbound frames, and
/// the reverse. The session ends with its socket.
pub(crate) async fn pump<S, I>(inner: Arc<Inner>, sink: S, mut input: I, raw: bool)
where
    S: WsSink,
    I: Stream<Item = WsIn> + Unpin,
{
    let Some(mut attachment) = inner.attach() else {
        return;
    };
    let mut out = sink.clone();
    let mut control = sink.clone();

    let writer = async {
        loop {
            let ok = match attachment.next().await {
                Outgoing::Open if raw => true,
                Outgoing::Open => out.text(ByteString::from_static(frame::OPEN)).await,
                Outgoing::Heartbeat if raw => out.ping().await,
                Outgoing::Heartbeat => out.text(ByteString::from_static(frame::HEARTBEAT)).await,
                Outgoing::Messages(batch) if raw => {
                    let mut ok = true;
                    for m in batch {
                        ok = ok && out.text(m.text().clone()).await;
                    }
                    ok
                }
                Outgoing::Messages(batch) => out.text(frame::messages(&batch)).await,
                Outgoing::Close(close_frame) => {
                    if !raw {
                        out.text(close_frame).await;
                    }
                    return true;
                }
            };
            if !ok {
                return false;
            }
        }
    };

    // How the socket closes when the client broke the protocol.
    let mut invalid: Option<(u16, &'static str)> = None;
    let reader = async {
        while let Some(event) = input.next().await {
            match event {
                WsIn::Text(text) => {
                    let messages = if raw {
                        vec![String::from(&*text)]
                    } else {
                        match inbound::parse_ws(&text) {
                            Ok(m) => m,
                            Err(e) => {
                                log::debug!("session {}: websocket: {e}", inner.id());
                                invalid = Some((1002, "Broken JSON encoding"));
                                return Some(CloseReason::ProtocolError);
                            }
                        }
                    };
                    inner.deliver(messages).await;
                }
                WsIn::Ping(p) => {
                    if !p.is_empty() && !control.pong(&p).await {
                        return None;
                    }
                }
                WsIn::Close(r) => {
                    let (code, reason) = r.unwrap_or((1005, String::new()));
                    return Some(CloseReason::Client { code, reason });
                }
                WsIn::Broken => break,
                WsIn::Invalid(code, why) => {
                    log::debug!("session {}: websocket: {why}", inner.id());
                    invalid = Some((code, why));
                    return Some(CloseReason::ProtocolError);
                }
            }
        }
        // The connection ended without a close frame.
        Some(CloseReason::Interrupted)
    };

    let ended = {
        let writer = std::pin::pin!(writer);
        let reader = std::pin::pin!(reader);
        match future::select(writer, reader).await {
            // The writer stops when the session closed (nothing to add) or
            // when the socket failed.
            future::Either::Left((ok, _)) => (!ok).then_some(CloseReason::Interrupted),
            future::Either::Right((reason, _)) => reason,
        }
    };
    attachment.complete();
    drop(attachment);
    if let Some(reason) = ended {
        inner.close(reason);
    }
    // Close the socket with the session's close code.
    let (code, reason) = match inner.lock().reason() {
        Some(CloseReason::Server { code, reason }) => (*code, reason.clone()),
        Some(CloseReason::Client { code, .. }) if *code != 1005 => (*code, String::new()),
        Some(CloseReason::ProtocolError) => {
            let (code, why) = invalid.unwrap_or((1002, "Protocol error"));
            (code, why.to_owned())
        }
        _ => (1000, String::new()),
    };
    sink.close(code, &reason).await;
}
