//! Server → client frames: `o`, `h`, `a[...]`, `c[code,"reason"]`.

use bytestring::ByteString;

use super::message::Message;
use super::quote::{escape_into, escaped_len, quote_into};

/// The open frame.
pub(crate) const OPEN: &str = "o";
/// The heartbeat frame.
pub(crate) const HEARTBEAT: &str = "h";
/// The answer to a receiving request while another is attached; equal to
/// `close(2010, "Another connection still open")` (tested).
pub(crate) const ANOTHER_CONNECTION: &str = r#"c[2010,"Another connection still open"]"#;

/// `a[...]` for a batch of messages. A single message prepared with
/// [`Message::prepared`] is shared as it is, without copying.
pub(crate) fn messages(batch: &[Message]) -> ByteString {
    if let [only] = batch {
        if let Some(frame) = only.frame() {
            return frame.clone();
        }
    }
    let mut out = String::new();
    messages_into(&mut out, batch);
    out.into()
}

/// [`messages`] appended to `out` (a buffer its caller reuses), without
/// the prepared frame's shortcut.
pub(crate) fn messages_into(out: &mut String, batch: &[Message]) {
    let len: usize = batch.iter().map(|m| m.len() + 3).sum();
    out.reserve(len + 2);
    out.push_str("a[");
    for (i, m) in batch.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        m.quoted_into(out);
    }
    out.push(']');
}

/// Resume extension: `q[accepted,"m1",...]`, messages with the count of
/// client messages the server has accepted (`docs/resume.md`).
pub(crate) fn messages_acked(accepted: u64, batch: &[Message]) -> ByteString {
    let mut out = String::new();
    messages_acked_into(&mut out, accepted, batch);
    out.into()
}

/// [`messages_acked`], appended to `out` (a buffer its caller reuses).
pub(crate) fn messages_acked_into(out: &mut String, accepted: u64, batch: &[Message]) {
    let len: usize = batch.iter().map(|m| m.len() + 3).sum();
    out.reserve(len + 24);
    out.push_str("q[");
    out.push_str(itoa::Buffer::new().format(accepted));
    for m in batch {
        out.push(',');
        m.quoted_into(out);
    }
    out.push(']');
}

/// The frame of a batch (`a[...]`, or `q[accepted,...]` in a resumable
/// session): a single prepared message's frame as it is, otherwise built
/// in `scratch`, a buffer its caller reuses (see [`KEEP_BUFFER`]).
pub(crate) fn batch_into<'a>(
    batch: &'a [Message],
    accepted: Option<u64>,
    scratch: &'a mut String,
) -> &'a str {
    if let ([only], None) = (batch, accepted) {
        if let Some(frame) = only.frame() {
            return frame;
        }
    }
    scratch.clear();
    match accepted {
        None => messages_into(scratch, batch),
        Some(accepted) => messages_acked_into(scratch, accepted, batch),
    }
    scratch
}

/// The frame of a long batch (`a[...]`, or `q[accepted,...]`), written a
/// piece at a time, each message quoted as its part goes out: the frame is
/// never whole in memory. A connection whose client does not read holds
/// one piece, not the batch escaped (up to 6 times its text, all of it in
/// one write before). Its length is known before the first piece, for a
/// WebSocket frame's header. Equal, piece after piece, to [`batch_into`]
/// (tested).
pub(crate) struct Pieces<B> {
    batch: B,
    /// `a[` or `q[accepted` until written, then empty.
    head: String,
    /// Whether the frame is `q[...]`: every message follows a comma.
    acked: bool,
    /// The message being written, and how far into it; `None` before its
    /// first byte (its separator and opening quote).
    at: (usize, Option<usize>),
    done: bool,
}

/// The size of the pieces a long frame is handed to actix-http in (a
/// WebSocket's frame, a stream's, a poll's answer). actix-http takes the
/// next only when its write buffer has room (under 32 KiB), so a client
/// that does not read holds that and a piece, whatever the frame's size.
pub(crate) const PIECE: usize = 16 * 1024;

/// True when a batch's frame goes in pieces ([`Pieces`]): its text is
/// longer than a [`PIECE`]. Shorter ones are written whole, in one write.
pub(crate) fn goes_in_pieces(batch: &[Message]) -> bool {
    batch.iter().map(Message::len).sum::<usize>() > PIECE
}

/// How much of a message's text is escaped at a time (at most 6 times
/// that is written).
const ESCAPE_STEP: usize = 4096;

impl<B: std::ops::Deref<Target = [Message]>> Pieces<B> {
    pub(crate) fn new(batch: B, accepted: Option<u64>) -> Self {
        let head = match accepted {
            None => "a[".to_owned(),
            Some(n) => format!("q[{n}"),
        };
        Pieces {
            batch,
            head,
            acked: accepted.is_some(),
            at: (0, None),
            done: false,
        }
    }

    /// The whole frame's length in bytes.
    pub(crate) fn len(&self) -> usize {
        let quoted: usize = self
            .batch
            .iter()
            .map(|m| match m.frame() {
                Some(f) => f.len() - 3,
                None => escaped_len(m.as_str()) + 2,
            })
            .sum();
        let commas = match self.acked {
            true => self.batch.len(),
            false => self.batch.len().saturating_sub(1),
        };
        self.head.len() + quoted + commas + 1
    }

    /// True once the last piece is written.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Appends the frame's next bytes to `out` until it holds `want` bytes
    /// or the frame ends (it may pass `want` by one step's escape).
    pub(crate) fn fill(&mut self, out: &mut String, want: usize) {
        out.push_str(&self.head);
        self.head.clear();
        while out.len() < want && !self.done {
            let (i, at) = self.at;
            let Some(m) = self.batch.get(i) else {
                out.push(']');
                self.done = true;
                break;
            };
            // A prepared message's quoted text is copied from its frame
            // (`a[` + quoted + `]`), quotes included.
            let (text, quoted) = match m.frame() {
                Some(f) => (&f[2..f.len() - 1], true),
                None => (m.as_str(), false),
            };
            let at = match at {
                Some(at) => at,
                None => {
                    if i > 0 || self.acked {
                        out.push(',');
                    }
                    if !quoted {
                        out.push('"');
                    }
                    0
                }
            };
            let mut end = (at + ESCAPE_STEP).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            match quoted {
                true => out.push_str(&text[at..end]),
                false => escape_into(out, &text[at..end]),
            }
            self.at = match end == text.len() {
                true => {
                    if !quoted {
                        out.push('"');
                    }
                    (i + 1, None)
                }
                false => (i, Some(end)),
            };
        }
    }
}

/// The largest buffer a receiver keeps for its next frame.
pub(crate) const KEEP_BUFFER: usize = 16 * 1024;

/// Resume extension: `q[accepted]`, an acknowledgement alone.
pub(crate) fn ack(accepted: u64) -> ByteString {
    format!("q[{accepted}]").into()
}

/// Resume extension: `x{"token":"..."}`, after the open frame.
pub(crate) fn token(token: &str) -> ByteString {
    let mut out = String::with_capacity(token.len() + 14);
    out.push_str("x{\"token\":");
    quote_into(&mut out, token);
    out.push('}');
    out.into()
}

/// Resume extension: `x{"resumed":true,"in":N}`, first on a resumed request.
pub(crate) fn resumed(accepted: u64) -> ByteString {
    format!("x{{\"resumed\":true,\"in\":{accepted}}}").into()
}

/// `a["text"]` for one message.
pub(crate) fn single(text: &str) -> ByteString {
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str("a[");
    quote_into(&mut out, text);
    out.push(']');
    out.into()
}

/// `c[code,"reason"]`.
pub(crate) fn close(code: u16, reason: &str) -> ByteString {
    let mut out = format!("c[{code},");
    quote_into(&mut out, reason);
    out.push(']');
    out.into()
}

/// Quotes any frame as a JSON string, for transports (htmlfile, JSONP)
/// that pass the frame to a JavaScript function (they write it with
/// [`escape_frame`] between their own quotes). `<`, `>` and `&` are
/// written as `\u003c`, `\u003e`, `\u0026` too: inside an HTML `<script>`
/// block a raw `</script>` in a message would end the script and let the
/// rest of the message run as markup. The client decodes them unchanged.
#[cfg(test)]
pub(crate) fn quote_frame(frame: &str, out: &mut String) {
    out.push('"');
    escape_frame(frame, out);
    out.push('"');
}

/// The frame quoted as a JSON string, as above, without the quotes: a frame written in pieces is
/// escaped a piece at a time (escaping goes character by character).
pub(crate) fn escape_frame(frame: &str, out: &mut String) {
    let start = out.len();
    escape_into(out, frame);
    if !out[start..].contains(['<', '>', '&']) {
        return;
    }
    let escaped = out.split_off(start);
    for c in escaped.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            other => out.push(other),
        }
    }
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
    fn resume_frames() {
        assert_eq!(
            messages_acked(7, &[Message::new("a"), Message::prepared("b\n")]),
            r#"q[7,"a","b\n"]"#
        );
        assert_eq!(ack(0), "q[0]");
        assert_eq!(token("t0k"), r#"x{"token":"t0k"}"#);
        assert_eq!(resumed(12), r#"x{"resumed":true,"in":12}"#);
    }

    #[test]
    fn a_frame_in_pieces_is_the_frame() {
        let long = "x\u{7f}\"é\u{2028}😀".repeat(3000);
        let batches: Vec<Vec<Message>> = vec![
            vec![Message::new(long.clone())],
            vec![Message::prepared(long.clone())],
            vec![
                Message::new("a"),
                Message::prepared(long.clone()),
                Message::new(""),
                Message::new(long.clone()),
            ],
            vec![],
        ];
        for batch in batches {
            for accepted in [None, Some(0), Some(12345)] {
                let mut scratch = String::new();
                let whole = batch_into(&batch, accepted, &mut scratch).to_owned();
                for want in [1, 100, 16 * 1024] {
                    let mut p = Pieces::new(&batch[..], accepted);
                    assert_eq!(p.len(), whole.len());
                    let mut all = String::new();
                    let mut pieces = 0;
                    while !p.is_done() {
                        let mut piece = String::new();
                        p.fill(&mut piece, want);
                        assert!(piece.len() < want + 6 * ESCAPE_STEP + 8);
                        all.push_str(&piece);
                        pieces += 1;
                    }
                    assert_eq!(all, whole, "accepted {accepted:?}, want {want}");
                    assert!(want > 100 || batch.is_empty() || pieces > 5);
                }
            }
        }
    }

    #[test]
    fn close_frames() {
        assert_eq!(close(3000, "Go away!"), r#"c[3000,"Go away!"]"#);
        assert_eq!(
            close(2010, "Another connection still open"),
            ANOTHER_CONNECTION
        );
    }

    #[test]
    fn frames_quote_for_script_transports() {
        let mut out = String::new();
        quote_frame(r#"a["</script>&"]"#, &mut out);
        assert_eq!(out, r#""a[\"\u003c/script\u003e\u0026\"]""#);
        let back: String = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(back, r#"a["</script>&"]"#);
    }
}
