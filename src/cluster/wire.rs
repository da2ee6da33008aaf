//! What nodes say to each other over Redis pub/sub: requests relayed to a
//! session's owner, their answers and frames, and broadcasts.

use serde::{Deserialize, Serialize};

/// A message on a node's inbox channel (`<prefix>:node:<id>`), or a JSON
/// array of them in order.
///
/// Externally tagged (`{"req":{…}}`), as is [`Op`]: an internally tagged
/// enum is read through serde's buffered `Content` (every field copied,
/// then read again), which cost a relaying node's Redis thread more than
/// the JSON itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Wire {
    /// A request for a session this node owns, from node `from`.
    Req {
        id: u64,
        from: String,
        svc: String,
        op: Op,
    },
    /// The answer to request `id`: a status and text (a send's answer, or a
    /// receive's refusal); `ok` for a receive means frames follow. A poll
    /// relayed with `framed_answer` may get its frame with no answer ahead
    /// of it: a frame answers `ok` too.
    Answer {
        id: u64,
        status: u16,
        body: String,
        ok: bool,
    },
    /// One SockJS frame of receive `id`; `end` when it is the last.
    Frame { id: u64, frame: String, end: bool },
    /// The client of receive `id` (made by `from`) went away: detach as an
    /// aborted request.
    Abort { id: u64, from: String },
}

/// A relayed request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Op {
    /// `xhr_send` / `jsonp_send`, its body already read and parsed.
    Send {
        sid: String,
        query: String,
        messages: Vec<String>,
    },
    /// A receiving request: `transport` is its URL name, `streaming` whether
    /// it streams (up to `limit` bytes of frames) or answers one frame.
    Recv {
        sid: String,
        transport: String,
        query: String,
        streaming: bool,
        limit: usize,
        /// The relaying node takes a frame as the answer too, so a poll's
        /// answer may go with its frame, in one message instead of two.
        /// Absent (false) from a node that predates it: its polls are
        /// answered first, then framed, as before; a node that predates it
        /// ignores it and answers first.
        #[serde(default)]
        framed_answer: bool,
    },
}

/// A broadcast on `<prefix>:b:<service>:<group>` (`*` for a whole service).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Broadcast {
    pub from: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let w = Wire::Req {
            id: 7,
            from: "n1".into(),
            svc: "chat".into(),
            op: Op::Send {
                sid: "abc".into(),
                query: "seq=1".into(),
                messages: vec!["한".into(), "\u{0}".into()],
            },
        };
        let text = serde_json::to_string(&w).unwrap_or_default();
        assert!(text.starts_with("{\"req\":{"), "{text}");
        assert!(text.contains("\"op\":{\"send\":{"), "{text}");
        let back: Wire = serde_json::from_str(&text).expect("parses");
        assert!(
            matches!(back, Wire::Req { id: 7, op: Op::Send { ref messages, .. }, .. } if messages[0] == "한")
        );
    }

    /// Nodes of the version before `framed_answer` and after it read each
    /// other's receives: absent, it is false (the poll answered first, then
    /// framed); a node that predates it skips it.
    #[test]
    fn a_receive_without_framed_answer_is_answered_first() {
        let old = r#"{"req":{"id":1,"from":"n1","svc":"echo","op":{"recv":{"sid":"s","transport":"xhr","query":"","streaming":false,"limit":131072}}}}"#;
        let w: Wire = serde_json::from_str(old).expect("parses");
        assert!(matches!(
            w,
            Wire::Req {
                op: Op::Recv {
                    framed_answer: false,
                    ..
                },
                ..
            }
        ));
        let new = Wire::Req {
            id: 2,
            from: "n2".into(),
            svc: "echo".into(),
            op: Op::Recv {
                sid: "s".into(),
                transport: "xhr".into(),
                query: String::new(),
                streaming: false,
                limit: 1,
                framed_answer: true,
            },
        };
        let text = serde_json::to_string(&new).unwrap_or_default();
        assert!(text.contains("\"framed_answer\":true"), "{text}");
    }
}
