//! The legacy hixie-76 (hybi-00) WebSocket handshake and framing, spoken by
//! Safari 5 and iOS 5 era browsers.
//!
//! No maintained crate speaks it, and it is small, so it is built over
//! actix-web's upgrade payload: actix-http hands an `Upgrade: WebSocket`
//! request's remaining bytes to the handler as a stream and writes a 101
//! response's body straight to the socket. The response head goes out
//! first; only then does the body wait for the client's 8-byte key, which
//! is what proxies such as HAProxy require (they hold the key back until
//! the server has answered the headers). Frames are `0x00 <UTF-8> 0xFF`;
//! `0xFF 0x00` closes.

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use md5::{Digest, Md5};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use super::websocket::WsIn;
use crate::http::RequestError;

/// The two key numbers of a hixie-76 handshake (`Sec-WebSocket-Key1/2`,
/// and no `Sec-WebSocket-Version`), `None` for any other upgrade.
pub(crate) fn keys(req: &HttpRequest) -> Result<Option<(u32, u32)>, RequestError> {
    let h = req.headers();
    let (Some(k1), Some(k2)) = (h.get("sec-websocket-key1"), h.get("sec-websocket-key2")) else {
        return Ok(None);
    };
    if h.contains_key(header::SEC_WEBSOCKET_VERSION) {
        return Ok(None);
    }
    let key = |v: &header::HeaderValue| v.to_str().ok().and_then(key_value);
    match (key(k1), key(k2)) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        _ => Err(RequestError::BadRequest(
            "Malformed Sec-WebSocket-Key1/Key2.",
        )),
    }
}

/// The 101 answer's head: the upgrade, the socket's location and origin.
pub(crate) fn response(req: &HttpRequest) -> HttpResponseBuilder {
    let host = req.connection_info().host().to_owned();
    let location = match req.uri().path_and_query() {
        Some(pq) => format!("ws://{host}{pq}"),
        None => format!("ws://{host}{}", req.path()),
    };
    let mut b = HttpResponse::SwitchingProtocols();
    b.upgrade("WebSocket")
        .insert_header(("Sec-WebSocket-Location", location));
    if let Some(o) = req.headers().get(header::ORIGIN) {
        b.insert_header(("Sec-WebSocket-Origin", o.clone()));
    }
    b
}

/// The numeric value of a `Sec-WebSocket-Key1/2` header: its digits as a
/// number divided by its count of spaces. `None` when malformed.
pub(crate) fn key_value(key: &str) -> Option<u32> {
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let spaces = key.chars().filter(|&c| c == ' ').count() as u64;
    let number: u64 = digits.parse().ok()?;
    if spaces == 0 || !number.is_multiple_of(spaces) {
        return None;
    }
    u32::try_from(number / spaces).ok()
}

/// The 16-byte answer to the challenge.
pub(crate) fn challenge(key1: u32, key2: u32, key3: &[u8; 8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(key1.to_be_bytes());
    md5.update(key2.to_be_bytes());
    md5.update(key3);
    md5.finalize().into()
}

/// The next event in `buf` (`0x00 <UTF-8> 0xFF` text, `0xFF 0x00` close),
/// `None` when more bytes are needed. A frame longer than `max_message` is
/// refused as soon as it is that long, ended or not.
pub(crate) fn parse_frame(buf: &mut BytesMut, max_message: usize) -> Option<WsIn> {
    match buf.first()? {
        0x00 => match buf.iter().position(|&b| b == 0xff) {
            Some(end) if end - 1 > max_message => {
                Some(WsIn::Invalid(1009, "hixie-76: message too large"))
            }
            Some(end) => {
                let frame = buf.split_to(end + 1);
                let text = &frame[1..end];
                Some(match ByteString::try_from(Bytes::copy_from_slice(text)) {
                    Ok(t) => WsIn::Text(t),
                    Err(_) => WsIn::Invalid(1007, "hixie-76: invalid UTF-8"),
                })
            }
            None if buf.len() > max_message + 1 => {
                Some(WsIn::Invalid(1009, "hixie-76: message too large"))
            }
            None => None,
        },
        0xff if buf.len() < 2 => None,
        0xff if buf[1] == 0x00 => Some(WsIn::Close(None)),
        _ => Some(WsIn::Invalid(1002, "hixie-76: unsupported frame type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_handshake_vector() {
        let k1 = key_value("4 @1  46546xW%0l 1 5");
        let k2 = key_value("12998 5 Y3 1  .P00");
        assert_eq!(k1, Some(829_309_203));
        assert_eq!(k2, Some(259_970_620));
        let answer = challenge(829_309_203, 259_970_620, b"aaaaaaaa");
        assert_eq!(
            answer,
            [
                0xca, 0x34, 0x00, 0xd8, 0xa5, 0x08, 0x47, 0x97, 0x2c, 0xd5, 0x71, 0x5a, 0xba, 0xbf,
                0x43, 0x7b
            ]
        );
    }

    #[test]
    fn malformed_keys() {
        assert_eq!(key_value("123"), None, "no spaces");
        assert_eq!(key_value("1 0 1"), None, "101 not divisible by 2");
        assert_eq!(key_value(" "), None, "no digits");
        assert_eq!(key_value("99999999999 "), None, "over u32");
    }

    #[test]
    fn frames() {
        let mut b = BytesMut::from(&b"\x00hi\xff\x00\xff\x00ab"[..]);
        assert!(matches!(parse_frame(&mut b, 10), Some(WsIn::Text(t)) if t == "hi"));
        assert!(matches!(parse_frame(&mut b, 10), Some(WsIn::Text(t)) if t.is_empty()));
        assert!(parse_frame(&mut b, 10).is_none());
        b.extend_from_slice(b"c\xff\xff\x00");
        assert!(matches!(parse_frame(&mut b, 10), Some(WsIn::Text(t)) if t == "abc"));
        assert!(matches!(parse_frame(&mut b, 10), Some(WsIn::Close(None))));
        let mut big = BytesMut::from(&[0u8; 1][..]);
        big.extend_from_slice(&[b'x'; 20]);
        assert!(matches!(parse_frame(&mut big, 10), Some(WsIn::Invalid(..))));
        let mut whole = BytesMut::from(&b"\x00"[..]);
        whole.extend_from_slice(&[b'x'; 11]);
        whole.extend_from_slice(b"\xff");
        assert!(
            matches!(parse_frame(&mut whole, 10), Some(WsIn::Invalid(1009, _))),
            "a complete frame over the limit"
        );
        let mut bad = BytesMut::from(&b"\x80\x01"[..]);
        assert!(matches!(parse_frame(&mut bad, 10), Some(WsIn::Invalid(..))));
    }
}
