//! Client → server payloads: a JSON array of strings (or, on WebSocket, a
//! single JSON string).
//!
//! Parsed by hand, in one pass, because the JSON libraries refuse what
//! browsers send: `JSON.stringify` writes a lone surrogate (a string cut
//! in the middle of an emoji, say) as `"\ud800"`, which is valid JSON but
//! no valid Unicode. Such an escape becomes U+FFFD, as sockjs-node does,
//! instead of failing the whole batch.

use std::fmt;

use smallvec::SmallVec;

/// The messages of one client payload, packed: their text one after the
/// other in one `String`, and where each ends. A payload of many small
/// messages held while it waits for the handler costs its text and 4 bytes
/// a message, where a `String` each cost 24 bytes and an allocation: a
/// 256 KiB body of 65,534 one-letter messages held 4 MB (16 times its
/// size), and an attacker could hold one such body per session. Nearly
/// every payload carries one message, which goes on as its `String`, with
/// no copy.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Texts {
    text: String,
    ends: SmallVec<[u32; 2]>,
}

impl Texts {
    /// No messages.
    pub(crate) fn new() -> Self {
        Texts::default()
    }

    /// One message: its `String` as it is.
    pub(crate) fn one(text: String) -> Result<Self, PayloadError> {
        let mut t = Texts::new();
        t.text = text;
        t.end()?;
        Ok(t)
    }

    /// The messages of `list`, in order (a send relayed from another node).
    #[cfg(any(test, feature = "redis"))]
    pub(crate) fn from_vec(list: Vec<String>) -> Result<Self, PayloadError> {
        if list.len() == 1 {
            return Texts::one(list.into_iter().next().unwrap_or_default());
        }
        let mut t = Texts::new();
        for m in &list {
            t.text.push_str(m);
            t.end()?;
        }
        Ok(t)
    }

    /// Ends a message where the text ends now. A payload over 4 GiB (no
    /// bound lets one through) is refused.
    fn end(&mut self) -> Result<(), PayloadError> {
        let at = u32::try_from(self.text.len()).map_err(|_| PayloadError::Broken)?;
        self.ends.push(at);
        Ok(())
    }

    /// How many messages.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// True with none.
    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Message `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        self.text.get(start..end)
    }

    /// The messages from number `from` on, owned, each copied out as its
    /// turn comes (the one message of a payload of one is its `String`).
    pub(crate) fn into_owned_from(self, from: usize) -> OwnedFrom {
        OwnedFrom {
            texts: self,
            at: from,
        }
    }

    /// The messages, owned, in order (a send relayed to another node).
    #[cfg(any(test, feature = "redis"))]
    pub(crate) fn into_vec(self) -> Vec<String> {
        (0..self.len())
            .filter_map(|i| self.get(i).map(str::to_owned))
            .collect()
    }
}

/// See [`Texts::into_owned_from`].
pub(crate) struct OwnedFrom {
    texts: Texts,
    at: usize,
}

impl Iterator for OwnedFrom {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let i = self.at;
        if i >= self.texts.len() {
            return None;
        }
        self.at += 1;
        if self.texts.len() == 1 {
            return Some(std::mem::take(&mut self.texts.text));
        }
        self.texts.get(i).map(str::to_owned)
    }
}

/// Why a client payload was refused. The `Display` text is the protocol's
/// own answer body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadError {
    /// Nothing was sent.
    Empty,
    /// Not a JSON array of strings (or, on WebSocket, a string).
    Broken,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PayloadError::Empty => "Payload expected.",
            PayloadError::Broken => "Broken JSON encoding.",
        })
    }
}

/// Parses an HTTP send body: a JSON array of strings.
pub(crate) fn parse_array(body: &[u8]) -> Result<Texts, PayloadError> {
    let mut p = Parser { s: body, at: 0 };
    p.skip_ws();
    if p.at == body.len() {
        return Err(PayloadError::Empty);
    }
    let out = p.array()?;
    p.end()?;
    Ok(out)
}

/// Parses a WebSocket message: a JSON array of strings or a single JSON
/// string. An empty (or all-whitespace) message carries no messages.
pub(crate) fn parse_ws(text: &str) -> Result<Texts, PayloadError> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
    };
    p.skip_ws();
    let out = match p.peek() {
        None => return Ok(Texts::new()),
        Some(b'[') => p.array()?,
        Some(_) => {
            let mut text = String::new();
            p.string(&mut text)?;
            Texts::one(text)?
        }
    };
    p.end()?;
    Ok(out)
}

/// Resume extension: a WebSocket text message `{"ack":N}` (an
/// acknowledgement and a heartbeat). `None` for anything else.
pub(crate) fn parse_ack(text: &str) -> Option<u64> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    let value = inner
        .strip_prefix("\"ack\"")?
        .trim_start()
        .strip_prefix(':')?
        .trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), PayloadError> {
        if self.peek() != Some(b) {
            return Err(PayloadError::Broken);
        }
        self.at += 1;
        Ok(())
    }

    /// Only whitespace may follow.
    fn end(&mut self) -> Result<(), PayloadError> {
        self.skip_ws();
        match self.at == self.s.len() {
            true => Ok(()),
            false => Err(PayloadError::Broken),
        }
    }

    fn array(&mut self) -> Result<Texts, PayloadError> {
        self.eat(b'[')?;
        let mut out = Texts::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(out);
        }
        loop {
            self.skip_ws();
            self.string(&mut out.text)?;
            out.end()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(out);
                }
                _ => return Err(PayloadError::Broken),
            }
        }
    }

    /// One JSON string, its text appended to `out`.
    fn string(&mut self, out: &mut String) -> Result<(), PayloadError> {
        self.eat(b'"')?;
        let start = self.at;
        // Fast path: no escapes, copied as one run.
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    let run = &self.s[start..self.at];
                    self.at += 1;
                    out.push_str(std::str::from_utf8(run).map_err(|_| PayloadError::Broken)?);
                    return Ok(());
                }
                b'\\' => break,
                0x00..=0x1f => return Err(PayloadError::Broken),
                _ => self.at += 1,
            }
        }
        out.push_str(
            std::str::from_utf8(&self.s[start..self.at]).map_err(|_| PayloadError::Broken)?,
        );
        loop {
            let run_start = self.at;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(
                std::str::from_utf8(&self.s[run_start..self.at])
                    .map_err(|_| PayloadError::Broken)?,
            );
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(out)?;
                }
                _ => return Err(PayloadError::Broken),
            }
        }
    }

    /// One escape after its backslash. A `\uXXXX` that is half of a
    /// surrogate pair without its other half becomes U+FFFD.
    fn escape(&mut self, out: &mut String) -> Result<(), PayloadError> {
        let c = self.peek().ok_or(PayloadError::Broken)?;
        self.at += 1;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xd800..=0xdbff => {
                        // A high surrogate: a low one must follow.
                        let low = self.s.get(self.at..self.at + 2) == Some(b"\\u")
                            && self
                                .hex4_at(self.at + 2)
                                .is_some_and(|u| (0xdc00..=0xdfff).contains(&u));
                        if low {
                            self.at += 2;
                            let lo = self.hex4()?;
                            let c = 0x10000
                                + ((u32::from(unit) - 0xd800) << 10)
                                + (u32::from(lo) - 0xdc00);
                            out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                        } else {
                            out.push('\u{fffd}');
                        }
                    }
                    0xdc00..=0xdfff => out.push('\u{fffd}'),
                    u => out.push(char::from_u32(u32::from(u)).unwrap_or('\u{fffd}')),
                }
            }
            _ => return Err(PayloadError::Broken),
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, PayloadError> {
        let v = self.hex4_at(self.at).ok_or(PayloadError::Broken)?;
        self.at += 4;
        Ok(v)
    }

    fn hex4_at(&self, at: usize) -> Option<u16> {
        let digits = self.s.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(text, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_packed_and_come_out_one_by_one() {
        let t = parse_array(br#"["a","","b\u00e9c","d"]"#).expect("an array");
        assert_eq!(t.len(), 4);
        assert_eq!(t.text, "ab\u{e9}cd", "one text");
        assert_eq!(
            (t.get(0), t.get(1), t.get(2), t.get(4)),
            (Some("a"), Some(""), Some("b\u{e9}c"), None)
        );
        assert_eq!(
            t.clone().into_owned_from(2).collect::<Vec<_>>(),
            ["b\u{e9}c", "d"]
        );
        assert_eq!(t.clone().into_owned_from(9).count(), 0);
        assert_eq!(
            Texts::from_vec(t.into_vec()),
            parse_array(br#"["a","","b\u00e9c","d"]"#)
        );
        // One message is handed on as its own String, not copied.
        let one = parse_ws(r#""hello""#).expect("a string");
        let at = one.text.as_ptr();
        let out: Vec<String> = one.into_owned_from(0).collect();
        assert_eq!((out[0].as_str(), out[0].as_ptr()), ("hello", at));
        assert!(Texts::from_vec(vec![]).expect("none").is_empty());
    }

    #[test]
    fn arrays() {
        assert_eq!(
            parse_array(br#"["a","b"]"#).map(Texts::into_vec),
            Ok(vec!["a".into(), "b".into()])
        );
        assert_eq!(parse_array(b"[]").map(Texts::into_vec), Ok(vec![]));
        assert_eq!(parse_array(b" [ ] ").map(Texts::into_vec), Ok(vec![]));
        assert_eq!(
            parse_array(br#"["\u2028x"]"#).map(Texts::into_vec),
            Ok(vec!["\u{2028}x".into()])
        );
        assert_eq!(
            parse_array(br#"[ "a\"b\\c\/d\b\f\n\r\t" , "" ]"#).map(Texts::into_vec),
            Ok(vec!["a\"b\\c/d\u{8}\u{c}\n\r\t".into(), String::new()])
        );
        assert_eq!(
            parse_array("[\"한국어 😀\"]".as_bytes()).map(Texts::into_vec),
            Ok(vec!["한국어 😀".into()])
        );
    }

    #[test]
    fn surrogates() {
        // A pair is one character; a lone half is U+FFFD.
        assert_eq!(
            parse_array(br#"["\ud83d\ude00"]"#).map(Texts::into_vec),
            Ok(vec!["😀".into()])
        );
        assert_eq!(
            parse_array(br#"["\ud800"]"#).map(Texts::into_vec),
            Ok(vec!["\u{fffd}".into()])
        );
        assert_eq!(
            parse_array(br#"["a\udc00b"]"#).map(Texts::into_vec),
            Ok(vec!["a\u{fffd}b".into()])
        );
        assert_eq!(
            parse_array(br#"["\ud800\u0041"]"#).map(Texts::into_vec),
            Ok(vec!["\u{fffd}A".into()])
        );
        assert_eq!(
            parse_array(br#"["\ud800\ud800\udc00"]"#).map(Texts::into_vec),
            Ok(vec!["\u{fffd}\u{10000}".into()])
        );
        assert_eq!(
            parse_ws(r#"["\udfff"]"#).map(Texts::into_vec),
            Ok(vec!["\u{fffd}".into()])
        );
    }

    #[test]
    fn agrees_with_serde_json_on_valid_input() {
        let all: String = (0u32..=0xffff).filter_map(char::from_u32).collect();
        let json = serde_json::to_string(&vec![all.clone(), "x".into()]).unwrap_or_default();
        assert_eq!(
            parse_array(json.as_bytes()).map(Texts::into_vec),
            Ok(vec![all, "x".into()])
        );
    }

    #[test]
    fn empty_and_broken() {
        assert_eq!(
            parse_array(b"").map(Texts::into_vec),
            Err(PayloadError::Empty)
        );
        assert_eq!(
            parse_array(b"  \n").map(Texts::into_vec),
            Err(PayloadError::Empty)
        );
        for broken in [
            &br#"["a"#[..],
            br#"[1]"#,
            br#""a""#,
            b"\xff",
            br#"["\xff"]"#,
            br#"["a",]"#,
            br#"["a"] x"#,
            br#"["\x"]"#,
            br#"["\u12"]"#,
            b"[\"a\nb\"]",
            br#"[,"a"]"#,
            br#"["a" "b"]"#,
            br#"{"a":1}"#,
        ] {
            assert_eq!(
                parse_array(broken).map(Texts::into_vec),
                Err(PayloadError::Broken),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
        assert_eq!(PayloadError::Broken.to_string(), "Broken JSON encoding.");
        assert_eq!(PayloadError::Empty.to_string(), "Payload expected.");
    }

    #[test]
    fn acknowledgements() {
        assert_eq!(parse_ack(r#"{"ack":12}"#), Some(12));
        assert_eq!(parse_ack(r#" { "ack" : 0 } "#), Some(0));
        for bad in [
            r#"{"ack":-1}"#,
            r#"{"ack":"1"}"#,
            r#"{"ack":1,"x":2}"#,
            r#"["a"]"#,
            "{}",
            r#"{"ack":}"#,
        ] {
            assert_eq!(parse_ack(bad), None, "{bad}");
        }
    }

    #[test]
    fn websocket_payloads() {
        assert_eq!(
            parse_ws(r#"["a"]"#).map(Texts::into_vec),
            Ok(vec!["a".into()])
        );
        assert_eq!(
            parse_ws(r#""a""#).map(Texts::into_vec),
            Ok(vec!["a".into()])
        );
        assert_eq!(parse_ws("").map(Texts::into_vec), Ok(vec![]));
        assert_eq!(parse_ws("   ").map(Texts::into_vec), Ok(vec![]));
        assert_eq!(
            parse_ws(r#"["a"#).map(Texts::into_vec),
            Err(PayloadError::Broken)
        );
        assert_eq!(
            parse_ws("nope").map(Texts::into_vec),
            Err(PayloadError::Broken)
        );
    }
}
