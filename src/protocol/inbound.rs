//! Client → server payloads.

use std::fmt;

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
pub(crate) fn parse_array(body: &[u8]) -> Result<Vec<String>, PayloadError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError::Empty);
    }
    serde_json::from_slice(body).map_err(|_| PayloadError::Broken)
}

/// Parses a WebSocket message: a JSON array of strings or a single JSON
/// string. An empty (or all-whitespace) message carries no messages.
pub(crate) fn parse_ws(text: &str) -> Result<Vec<String>, PayloadError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if trimmed.starts_with('[') {
        serde_json::from_str(trimmed).map_err(|_| PayloadError::Broken)
    } else {
        serde_json::from_str::<String>(trimmed)
            .map(|s| vec![s])
            .map_err(|_| PayloadError::Broken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays() {
        assert_eq!(
            parse_array(br#"["a","b"]"#),
            Ok(vec!["a".into(), "b".into()])
        );
        assert_eq!(parse_array(b"[]"), Ok(vec![]));
        assert_eq!(parse_array(br#"["\u2028x"]"#), Ok(vec!["\u{2028}x".into()]));
    }

    #[test]
    fn empty_and_broken() {
        assert_eq!(parse_array(b""), Err(PayloadError::Empty));
        assert_eq!(parse_array(b"  \n"), Err(PayloadError::Empty));
        assert_eq!(parse_array(br#"["a"#), Err(PayloadError::Broken));
        assert_eq!(parse_array(br#"[1]"#), Err(PayloadError::Broken));
        assert_eq!(parse_array(br#""a""#), Err(PayloadError::Broken));
        assert_eq!(parse_array(b"\xff"), Err(PayloadError::Broken));
        assert_eq!(PayloadError::Broken.to_string(), "Broken JSON encoding.");
        assert_eq!(PayloadError::Empty.to_string(), "Payload expected.");
    }

    #[test]
    fn websocket_payloads() {
        assert_eq!(parse_ws(r#"["a"]"#), Ok(vec!["a".into()]));
        assert_eq!(parse_ws(r#""a""#), Ok(vec!["a".into()]));
        assert_eq!(parse_ws(""), Ok(vec![]));
        assert_eq!(parse_ws(r#"["a"#), Err(PayloadError::Broken));
        assert_eq!(parse_ws("nope"), Err(PayloadError::Broken));
    }
}
