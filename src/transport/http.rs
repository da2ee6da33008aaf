//! The HTTP receiving transports: xhr polling and streaming, EventSource,
//! htmlfile and JSONP polling. They differ only in how a frame is wrapped,
//! what comes before the first frame, and whether the response carries one
//! frame or streams up to the response limit.

use std::time::Duration;

use bytes::Bytes;
use bytestring::ByteString;
use futures_core::Stream;
use futures_util::stream;

use super::Transport;
use crate::protocol::frame;
use crate::session::{Attachment, Outgoing};

const HTMLFILE_HEAD_1: &str = "<!doctype html>\n<html><head>\n  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n</head><body><h2>Don't panic!</h2>\n  <script>\n    document.domain = document.domain;\n    var c = parent.";
const HTMLFILE_HEAD_2: &str = ";\n    c.start();\n    function p(d) {c.message(d);};\n    window.onload = function() {c.stop();};\n  </script>";

/// How one HTTP receiving transport writes frames.
#[derive(Debug, Clone)]
pub(crate) struct Framing {
    transport: Transport,
    /// The validated JSONP / htmlfile callback.
    callback: Box<str>,
}

impl Framing {
    pub fn new(transport: Transport, callback: Option<&str>) -> Self {
        Framing {
            transport,
            callback: callback.unwrap_or_default().into(),
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self.transport {
            Transport::EventSource => "text/event-stream",
            Transport::HtmlFile => "text/html; charset=UTF-8",
            _ => "application/javascript; charset=UTF-8",
        }
    }

    /// Streaming transports keep the response open up to the response
    /// limit; polling ones answer one frame.
    pub fn streaming(&self) -> bool {
        matches!(
            self.transport,
            Transport::XhrStreaming | Transport::EventSource | Transport::HtmlFile
        )
    }

    /// What a streaming response starts with, before any frame: padding
    /// that makes browsers and proxies start delivering.
    pub fn prelude(&self) -> Option<Bytes> {
        match self.transport {
            Transport::XhrStreaming => {
                let mut p = vec![b'h'; 2049];
                p[2048] = b'\n';
                Some(p.into())
            }
            Transport::EventSource => Some(Bytes::from_static(b"\r\n")),
            Transport::HtmlFile => {
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
            _ => None,
        }
    }

    /// One frame, wrapped for this transport.
    pub fn wrap(&self, frame: &str) -> Bytes {
        let mut out = String::with_capacity(frame.len() + 32);
        match self.transport {
            Transport::EventSource => {
                // sockjs-client passes every event through `decodeURI`, so a
                // raw `%` would break it (or change the message): send it as
                // `%25`. CR, LF and NUL, which would end or corrupt the
                // event, never appear raw in a JSON-quoted frame.
                out.push_str("data: ");
                for (i, part) in frame.split('%').enumerate() {
                    if i > 0 {
                        out.push_str("%25");
                    }
                    out.push_str(part);
                }
                out.push_str("\r\n\r\n");
            }
            Transport::HtmlFile => {
                out.push_str("<script>\np(");
                frame::quote_frame(frame, &mut out);
                out.push_str(");\n</script>\r\n");
            }
            Transport::JsonpPolling => {
                out.push_str("/**/");
                out.push_str(&self.callback);
                out.push('(');
                frame::quote_frame(frame, &mut out);
                out.push_str(");\r\n");
            }
            _ => {
                out.push_str(frame);
                out.push('\n');
            }
        }
        Bytes::from(out)
    }

    /// A complete answer of one frame for a request that does not attach
    /// (another receiver is attached): prelude, frame, end.
    pub fn one_frame(&self, frame: &str) -> Vec<Bytes> {
        self.prelude()
            .into_iter()
            .chain(std::iter::once(self.wrap(frame)))
            .collect()
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

struct BodyState {
    attachment: Option<Attachment>,
    framing: Framing,
    prelude: Option<Bytes>,
    heartbeat: Duration,
    /// Bytes of frames still allowed before the response ends (streaming).
    remaining: usize,
}

/// The response body of an attached receiver. Dropping it (the client went
/// away) detaches the receiver; if that happens before the response
/// finished, the session is interrupted.
pub(crate) fn receiver_body(
    attachment: Attachment,
    framing: Framing,
    heartbeat: Duration,
    response_limit: usize,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static {
    let state = BodyState {
        attachment: Some(attachment),
        prelude: framing.prelude(),
        framing,
        heartbeat,
        remaining: response_limit,
    };
    stream::unfold(state, |mut st| async move {
        if let Some(p) = st.prelude.take() {
            return Some((Ok(p), st));
        }
        let attachment = st.attachment.as_mut()?;
        let out = attachment.next(st.heartbeat).await;
        let last = matches!(out, Outgoing::Close(_));
        let chunk = st.framing.wrap(&frame_of(out));
        st.remaining = st.remaining.saturating_sub(chunk.len());
        if last || !st.framing.streaming() || st.remaining == 0 {
            // Finished normally: detach now, not when the body is dropped.
            if let Some(mut a) = st.attachment.take() {
                a.complete();
            }
        }
        Some((Ok(chunk), st))
    })
}

/// The SockJS frame for what a receiver sends next.
pub(crate) fn frame_of(out: Outgoing) -> ByteString {
    match out {
        Outgoing::Open => ByteString::from_static(frame::OPEN),
        Outgoing::Heartbeat => ByteString::from_static(frame::HEARTBEAT),
        Outgoing::Messages(batch) => frame::messages(&batch),
        Outgoing::Close(f) => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping() {
        let xhr = Framing::new(Transport::XhrPolling, None);
        assert_eq!(&xhr.wrap("o")[..], b"o\n");
        let es = Framing::new(Transport::EventSource, None);
        assert_eq!(&es.wrap(r#"a["x"]"#)[..], b"data: a[\"x\"]\r\n\r\n");
        assert_eq!(
            &es.wrap(r#"a["100%","%2F"]"#)[..],
            b"data: a[\"100%25\",\"%252F\"]\r\n\r\n"
        );
        let html = Framing::new(Transport::HtmlFile, Some("cb"));
        assert_eq!(
            &html.wrap(r#"a["x"]"#)[..],
            b"<script>\np(\"a[\\\"x\\\"]\");\n</script>\r\n"
        );
        let jsonp = Framing::new(Transport::JsonpPolling, Some("x"));
        assert_eq!(&jsonp.wrap("o")[..], b"/**/x(\"o\");\r\n");
    }

    #[test]
    fn preludes() {
        let p = Framing::new(Transport::XhrStreaming, None)
            .prelude()
            .unwrap_or_default();
        assert_eq!(p.len(), 2049);
        assert!(p.starts_with(b"hhhh") && p.ends_with(b"h\n"));
        let html = Framing::new(Transport::HtmlFile, Some("callback"))
            .prelude()
            .unwrap_or_default();
        assert!(html.len() > 1024);
        let text = std::str::from_utf8(&html).unwrap_or_default();
        assert!(text.trim().ends_with("c.stop();};\n  </script>"));
        assert!(text.contains("var c = parent.callback;"));
        assert!(Framing::new(Transport::XhrPolling, None)
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
