//! JSON string quoting with the escaping SockJS requires.
//!
//! Plain JSON only has to escape `"`, `\` and U+0000–U+001F. SockJS clients
//! additionally break on characters that browsers, proxies or `eval`-based
//! transports mangle (line and paragraph separators, BOMs, invisible format
//! characters, specials), so the server writes those as lowercase `\uXXXX`
//! too. Rust strings cannot hold lone surrogates, so that part of the rule
//! holds by construction.

/// True when `c` must be written as `\uXXXX` (beyond `"` and `\`).
#[inline]
pub(crate) fn must_escape(c: char) -> bool {
    matches!(c,
        '\u{0000}'..='\u{001f}'
        | '\u{007f}'..='\u{009f}'
        | '\u{00ad}'
        | '\u{0600}'..='\u{0604}'
        | '\u{070f}'
        | '\u{17b4}'..='\u{17b5}'
        | '\u{200c}'..='\u{200f}'
        | '\u{2028}'..='\u{202f}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff0}'..='\u{ffff}')
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The escape JSON has a short form for, as JSON.stringify writes it.
#[inline]
fn short_escape(c: char) -> Option<&'static str> {
    match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        _ => None,
    }
}

/// Appends `s` to `out` as a quoted JSON string with SockJS escaping.
pub(crate) fn quote_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

/// Appends `s` escaped as [`quote_into`] does, without the quotes. Escaping
/// goes character by character, so a text escaped in parts (cut on
/// character boundaries) reads the same as escaped whole: a long frame is
/// written a piece at a time (`frame::Pieces`).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        // Fast path: printable ASCII other than the two JSON specials.
        if matches!(c, ' '..='~') && c != '"' && c != '\\' {
            continue;
        }
        let escape = short_escape(c);
        if escape.is_none() && !must_escape(c) {
            continue;
        }
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let v = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(HEX[((v >> shift) & 0xf) as usize]));
                }
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
}

/// The length of `s` escaped by [`escape_into`], without writing it.
pub(crate) fn escaped_len(s: &str) -> usize {
    let mut extra = 0;
    for c in s.chars() {
        if matches!(c, ' '..='~') && c != '"' && c != '\\' {
            continue;
        }
        if let Some(e) = short_escape(c) {
            extra += e.len() - c.len_utf8();
        } else if must_escape(c) {
            extra += 6 - c.len_utf8();
        }
    }
    s.len() + extra
}

/// Returns `s` as a quoted JSON string with SockJS escaping.
#[cfg(test)]
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_only_wrapped() {
        assert_eq!(quote("hello world"), r#""hello world""#);
        assert_eq!(quote(""), r#""""#);
    }

    #[test]
    fn json_specials() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quote("\u{0}\u{1f}"), r#""\u0000\u001f""#);
    }

    #[test]
    fn sockjs_specials_are_lowercase_u_escapes() {
        assert_eq!(quote("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(quote("\u{feff}x\u{ffff}"), r#""\ufeffx\uffff""#);
        assert_eq!(quote("\u{7f}\u{9f}\u{ad}"), r#""\u007f\u009f\u00ad""#);
        assert_eq!(quote("\u{200c}\u{206f}\u{fff0}"), r#""\u200c\u206f\ufff0""#);
    }

    #[test]
    fn other_unicode_passes_verbatim() {
        assert_eq!(quote("한국어 😀 é"), "\"한국어 😀 é\"");
        // Just outside the escaped ranges.
        assert_eq!(
            quote("\u{200b}\u{2030}\u{fefe}\u{ffef}"),
            "\"\u{200b}\u{2030}\u{fefe}\u{ffef}\""
        );
    }

    #[test]
    fn every_escaped_char_round_trips_through_json() {
        let all: String = (0u32..=0xffff).filter_map(char::from_u32).collect();
        let quoted = quote(&all);
        let back: String = serde_json::from_str(&quoted).expect("valid JSON");
        assert_eq!(back, all);
        for c in quoted.chars() {
            assert!(
                c == '"' || c == '\\' || !must_escape(c),
                "raw {c:?} in output"
            );
        }
    }

    #[test]
    fn escaping_in_parts_reads_as_whole_and_its_length_is_known() {
        let all: String = (0u32..=0x1_0100).filter_map(char::from_u32).collect();
        let whole = quote(&all);
        assert_eq!(escaped_len(&all) + 2, whole.len());
        for step in [1, 7, 4096] {
            let mut parts = String::from('"');
            let mut at = 0;
            while at < all.len() {
                let mut end = (at + step).min(all.len());
                while !all.is_char_boundary(end) {
                    end += 1;
                }
                escape_into(&mut parts, &all[at..end]);
                at = end;
            }
            parts.push('"');
            assert_eq!(parts, whole, "step {step}");
        }
    }

    #[test]
    fn suite_server_killer_string() {
        // Every char from U+00FF up that the protocol suite's
        // `escapable_by_server` names must come out as \uXXXX.
        for v in 0xffu32..=0xffff {
            let Some(c) = char::from_u32(v) else { continue };
            let suite =
                matches!(v, 0x200c..=0x200f | 0x2028..=0x202f | 0x2060..=0x206f | 0xfff0..=0xffff);
            if suite {
                assert_eq!(quote(&c.to_string()), format!("\"\\u{v:04x}\""));
            }
        }
    }
}
