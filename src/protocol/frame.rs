//! Server → client frames: `o`, `h`, `a[...]`, `c[code,"reason"]`.

use bytestring::ByteString;

use super::quote::quote_into;
use crate::message::Message;

/// The open frame.
pub(crate) const OPEN: &str = "o";
/// The heartbeat frame.
pub(crate) const HEARTBEAT: &str = "h";

/// `a[...]` for a batch of messages. A single message prepared with
/// [`Message::prepared`] is shared as it is, without copying.
pub(crate) fn messages(batch: &[Message]) -> ByteString {
    if let [only] = batch {
        if let Some(frame) = only.frame() {
            return frame.clone();
        }
    }
    let len: usize = batch.iter().map(|m| m.len() + 3).sum();
    let mut out = Vec::with_capacity(len + 2);
    out.extend_from_slice(b"a[");
    for (i, m) in batch.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        m.quoted_into(&mut out);
    }
    out.push(b']');
    into_bytestring(out)
}

/// `a["text"]` for one message.
pub(crate) fn single(text: &str) -> ByteString {
    let mut out = Vec::with_capacity(text.len() + 4);
    out.extend_from_slice(b"a[");
    quote_into(&mut out, text);
    out.push(b']');
    into_bytestring(out)
}

/// `c[code,"reason"]`.
pub(crate) fn close(code: u16, reason: &str) -> ByteString {
    let mut out = Vec::with_capacity(reason.len() + 12);
    out.extend_from_slice(b"c[");
    out.extend_from_slice(code.to_string().as_bytes());
    out.push(b',');
    quote_into(&mut out, reason);
    out.push(b']');
    into_bytestring(out)
}

/// Quotes any frame as a JSON string, for transports (htmlfile, JSONP)
/// that pass the frame to a JavaScript function. `<`, `>` and `&` are
/// written as `\u003c`, `\u003e`, `\u0026` too: inside an HTML `<script>`
/// block a raw `</script>` in a message would end the script and let the
/// rest of the message run as markup. The client decodes them unchanged.
pub(crate) fn quote_frame(frame: &str, out: &mut Vec<u8>) {
    let start = out.len();
    quote_into(out, frame);
    if !out[start..].iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return;
    }
    let quoted = out.split_off(start);
    for b in quoted {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            other => out.push(other),
        }
    }
}

fn into_bytestring(out: Vec<u8>) -> ByteString {
    // The builders above only append valid UTF-8 (ASCII and whole input runs).
    ByteString::try_from(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_frames() {
        assert_eq!(messages(&[Message::new("a")]), r#"a["a"]"#);
        assert_eq!(
            messages(&[
                Message::new("x"),
                Message::new("\u{2028}"),
                Message::new("")
            ]),
            r#"a["x","\u2028",""]"#
        );
        assert_eq!(single("q\""), r#"a["q\""]"#);
    }

    #[test]
    fn prepared_messages_share_their_frame() {
        let m = Message::prepared("héllo\n");
        assert_eq!(m.frame().map(|f| &f[..]), Some(r#"a["héllo\n"]"#));
        let a = messages(std::slice::from_ref(&m));
        assert_eq!(
            a.as_ptr(),
            m.frame().map(|f| f.as_ptr()).unwrap_or_default()
        );
        // Batched with others, the quoted part is reused.
        assert_eq!(messages(&[m, Message::new("b")]), r#"a["héllo\n","b"]"#);
    }

    #[test]
    fn close_frames() {
        assert_eq!(close(3000, "Go away!"), r#"c[3000,"Go away!"]"#);
        assert_eq!(
            close(2010, "Another connection still open"),
            r#"c[2010,"Another connection still open"]"#
        );
    }

    #[test]
    fn frames_quote_for_script_transports() {
        let mut out = Vec::new();
        quote_frame(r#"a["</script>&"]"#, &mut out);
        assert_eq!(out, br#""a[\"\u003c/script\u003e\u0026\"]""#);
        let back: String = serde_json::from_slice(&out).unwrap_or_default();
        assert_eq!(back, r#"a["</script>&"]"#);
    }
}
