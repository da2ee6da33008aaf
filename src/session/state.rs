//! The per-session state machine, as pure code: it never sleeps or reads the
//! clock (time is passed in), so every rule is unit-tested deterministically.
//! It lives behind the session's mutex; callers never hold that lock across
//! an `.await`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytestring::ByteString;

use crate::error::CloseReason;
use crate::message::Message;
use crate::protocol::frame;

/// Bounds of the outbound queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub messages: usize,
    pub bytes: usize,
}

/// Result of [`State::push`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Push {
    Queued,
    Full(Message),
    Closed(Message),
}

/// The close frame's code and reason for why a session closed.
fn close_parts(reason: &CloseReason) -> (u16, &str) {
    match reason {
        CloseReason::Server { code, reason } | CloseReason::Client { code, reason } => {
            (*code, reason.as_str())
        }
        CloseReason::Interrupted => (1002, "Connection interrupted"),
        CloseReason::Timeout => (1000, "Session timed out"),
        CloseReason::Overflow => (1008, "Send queue full"),
        CloseReason::ProtocolError => (1002, "Protocol error"),
    }
}

/// Result of [`State::push_inbound`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InPush {
    Queued,
    /// The handler's queue is at its bound: wait and offer it again.
    Full(String),
    /// The session is closed or the handler dropped its stream.
    Discard,
}

/// Result of [`State::attach`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Attach {
    /// The caller is now the receiver, with this id.
    Attached(u64),
    /// Another receiver is attached: answer `c[2010,...]`.
    Busy,
}

/// Messages taken from the queue together. One message, the common case
/// for an attached receiver, needs no allocation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Batch {
    One(Message),
    Many(Vec<Message>),
}

impl std::ops::Deref for Batch {
    type Target = [Message];

    fn deref(&self) -> &[Message] {
        match self {
            Batch::One(m) => std::slice::from_ref(m),
            Batch::Many(v) => v,
        }
    }
}

impl IntoIterator for Batch {
    type Item = Message;
    type IntoIter = std::iter::Chain<std::option::IntoIter<Message>, std::vec::IntoIter<Message>>;

    fn into_iter(self) -> Self::IntoIter {
        match self {
            Batch::One(m) => Some(m).into_iter().chain(Vec::new()),
            Batch::Many(v) => None.into_iter().chain(v),
        }
    }
}

/// What the receiver should send next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    Open,
    /// Messages, and whether a sender waits for the room they leave.
    Messages(Batch, bool),
    Close(ByteString),
    /// Nothing yet: wait for a wake-up or the heartbeat.
    Wait,
}

#[derive(Debug)]
pub(crate) struct State {
    /// The open frame went to a receiver. Independent of closing: a
    /// session closed before its first receiver polled still opens first.
    opened: bool,
    /// Set once, when the session closes; receivers then get the close
    /// frame (after any messages the application queued before closing).
    reason: Option<CloseReason>,
    queue: VecDeque<Message>,
    queued_bytes: usize,
    receiver: Option<u64>,
    next_receiver: u64,
    /// When the last receiver left; `None` while one is attached.
    detached_at: Option<Instant>,
    /// A sender found the queue full and waits for room.
    sender_waiting: bool,
    /// Received from the client, not yet read by the handler. After a
    /// close the handler still reads what is here, then its stream ends.
    inbound: VecDeque<String>,
    inbound_bytes: usize,
    /// A client send found `inbound` full and waits for the handler.
    deliverer_waiting: bool,
    /// The handler dropped its stream: inbound messages are discarded.
    reader_gone: bool,
}

impl State {
    pub fn new(now: Instant) -> Self {
        State {
            opened: false,
            reason: None,
            queue: VecDeque::new(),
            queued_bytes: 0,
            receiver: None,
            next_receiver: 0,
            detached_at: Some(now),
            sender_waiting: false,
            inbound: VecDeque::new(),
            inbound_bytes: 0,
            deliverer_waiting: false,
            reader_gone: false,
        }
    }

    pub fn reason(&self) -> Option<&CloseReason> {
        self.reason.as_ref()
    }

    /// A receiver is attached.
    pub fn attached(&self) -> bool {
        self.receiver.is_some()
    }

    pub fn queued(&self) -> (usize, usize) {
        (self.queue.len(), self.queued_bytes)
    }

    /// Queues a message from the client for the handler. An empty queue
    /// always takes one message, whatever its size.
    pub fn push_inbound(&mut self, msg: String, limits: Limits) -> InPush {
        if self.reason.is_some() || self.reader_gone {
            return InPush::Discard;
        }
        if !self.inbound.is_empty()
            && (self.inbound.len() >= limits.messages
                || self.inbound_bytes + msg.len() > limits.bytes)
        {
            self.deliverer_waiting = true;
            return InPush::Full(msg);
        }
        self.inbound_bytes += msg.len();
        self.inbound.push_back(msg);
        InPush::Queued
    }

    /// The handler's next message: `Ok(Some)`, `Ok(None)` when there is
    /// none yet, `Err(())` when the stream has ended (closed and drained).
    /// The bool says a client send waits for the room this leaves.
    #[allow(clippy::result_unit_err)]
    pub fn pop_inbound(&mut self) -> Result<Option<(String, bool)>, ()> {
        match self.inbound.pop_front() {
            Some(m) => {
                self.inbound_bytes -= m.len();
                Ok(Some((m, std::mem::take(&mut self.deliverer_waiting))))
            }
            None if self.reason.is_some() => Err(()),
            None => Ok(None),
        }
    }

    /// The handler dropped its stream.
    pub fn reader_gone(&mut self) {
        self.reader_gone = true;
        self.inbound.clear();
        self.inbound_bytes = 0;
    }

    /// Queues a message. An empty queue always takes one message, whatever
    /// its size, so a message larger than the byte bound can still be sent.
    pub fn push(&mut self, msg: Message, limits: Limits) -> Push {
        if self.reason.is_some() {
            return Push::Closed(msg);
        }
        if !self.queue.is_empty()
            && (self.queue.len() >= limits.messages || self.queued_bytes + msg.len() > limits.bytes)
        {
            self.sender_waiting = true;
            return Push::Full(msg);
        }
        self.queued_bytes += msg.len();
        self.queue.push_back(msg);
        Push::Queued
    }

    /// A receiving request arrives.
    pub fn attach(&mut self) -> Attach {
        if self.receiver.is_some() {
            return Attach::Busy;
        }
        self.next_receiver += 1;
        self.receiver = Some(self.next_receiver);
        self.detached_at = None;
        Attach::Attached(self.next_receiver)
    }

    /// The attached receiver's next frame.
    pub fn next(&mut self) -> Next {
        if !self.opened {
            self.opened = true;
            return Next::Open;
        }
        let batch = if self.queue.len() > 1 {
            Some(Batch::Many(self.queue.drain(..).collect()))
        } else {
            self.queue.pop_front().map(Batch::One)
        };
        if let Some(batch) = batch {
            self.queued_bytes = 0;
            return Next::Messages(batch, std::mem::take(&mut self.sender_waiting));
        }
        match &self.reason {
            // Built when asked: only polls of a closed session need it.
            Some(reason) => {
                let (code, text) = close_parts(reason);
                Next::Close(frame::close(code, text))
            }
            None => Next::Wait,
        }
    }

    /// The receiver `id` leaves. `completed` is false when its request was
    /// aborted before it finished, which interrupts the session.
    /// Returns true when this closed the session.
    pub fn detach(&mut self, id: u64, completed: bool, now: Instant) -> bool {
        if self.receiver != Some(id) {
            return false;
        }
        self.receiver = None;
        self.detached_at = Some(now);
        !completed && self.close(CloseReason::Interrupted)
    }

    /// Closes the session. Messages the application queued before a
    /// close of its own still go out first; any other reason drops them.
    /// Returns false if it was closed already.
    pub fn close(&mut self, reason: CloseReason) -> bool {
        if self.reason.is_some() {
            return false;
        }
        if !matches!(reason, CloseReason::Server { .. }) {
            self.queue.clear();
            self.queued_bytes = 0;
        }
        self.reason = Some(reason);
        true
    }

    /// When the session expires if nothing attaches: `None` while a
    /// receiver is attached.
    pub fn deadline(&self, delay: Duration) -> Option<Instant> {
        self.detached_at.map(|t| t + delay)
    }

    /// True when no receiver has been attached for `delay`.
    pub fn expired(&self, now: Instant, delay: Duration) -> bool {
        self.deadline(delay).is_some_and(|d| d <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        messages: 3,
        bytes: 10,
    };

    fn state() -> (State, Instant) {
        let now = Instant::now();
        (State::new(now), now)
    }

    fn texts(next: Next) -> Vec<String> {
        match next {
            Next::Messages(m, _) => m.iter().map(|m| m.as_str().to_owned()).collect(),
            other => panic!("expected messages, got {other:?}"),
        }
    }

    #[test]
    fn open_frame_comes_first_then_queued_messages() {
        let (mut s, _) = state();
        assert_eq!(s.push("a".into(), LIMITS), Push::Queued);
        assert_eq!(s.attach(), Attach::Attached(1));
        assert_eq!(s.next(), Next::Open);
        assert_eq!(texts(s.next()), ["a"]);
        assert_eq!(s.next(), Next::Wait);
    }

    #[test]
    fn one_receiver_at_a_time() {
        let (mut s, now) = state();
        assert_eq!(s.attach(), Attach::Attached(1));
        assert_eq!(s.attach(), Attach::Busy);
        assert!(!s.detach(1, true, now));
        assert_eq!(s.attach(), Attach::Attached(2));
        // A stale id does not detach the current receiver.
        assert!(!s.detach(1, true, now));
        assert_eq!(s.attach(), Attach::Busy);
    }

    #[test]
    fn queue_bounds_by_count_and_bytes() {
        let (mut s, _) = state();
        assert_eq!(
            s.push("12345678901234".into(), LIMITS),
            Push::Queued,
            "empty queue takes any size"
        );
        assert!(matches!(s.push("x".into(), LIMITS), Push::Full(m) if m.as_str() == "x"));
        s.attach();
        s.next();
        assert_eq!(texts(s.next()), ["12345678901234"]);
        for _ in 0..3 {
            assert_eq!(s.push("a".into(), LIMITS), Push::Queued);
        }
        assert!(matches!(s.push("a".into(), LIMITS), Push::Full(_)));
        assert_eq!(s.queued(), (3, 3));
        // The drain says a sender was turned away, once.
        let drained = s.next();
        assert!(
            matches!(&drained, Next::Messages(b, true) if b.len() == 3),
            "{drained:?}"
        );
        s.push("a".into(), LIMITS);
        assert!(matches!(s.next(), Next::Messages(Batch::One(_), false)));
    }

    #[test]
    fn application_close_flushes_queue_first() {
        let (mut s, _) = state();
        s.attach();
        assert_eq!(s.next(), Next::Open);
        s.push("bye".into(), LIMITS);
        assert!(s.close(CloseReason::Server {
            code: 3000,
            reason: "Go away!".into()
        }));
        assert!(!s.close(CloseReason::Timeout), "close is once");
        assert!(matches!(s.push("late".into(), LIMITS), Push::Closed(_)));
        assert_eq!(texts(s.next()), ["bye"]);
        assert_eq!(s.next(), Next::Close(r#"c[3000,"Go away!"]"#.into()));
        // A closed session keeps answering its close frame.
        assert_eq!(s.next(), Next::Close(r#"c[3000,"Go away!"]"#.into()));
        assert_eq!(s.push_inbound("late".into(), LIMITS), InPush::Discard);
    }

    #[test]
    fn inbound_is_bounded_and_drains_after_close() {
        let (mut s, _) = state();
        assert_eq!(s.push_inbound("12345678".into(), LIMITS), InPush::Queued);
        assert_eq!(
            s.push_inbound("123".into(), LIMITS),
            InPush::Full("123".into())
        );
        assert_eq!(s.pop_inbound(), Ok(Some(("12345678".into(), true))));
        assert_eq!(s.pop_inbound(), Ok(None));
        assert_eq!(s.push_inbound("a".into(), LIMITS), InPush::Queued);
        s.close(CloseReason::Timeout);
        assert_eq!(s.push_inbound("b".into(), LIMITS), InPush::Discard);
        assert_eq!(
            s.pop_inbound(),
            Ok(Some(("a".into(), false))),
            "read after close"
        );
        assert_eq!(s.pop_inbound(), Err(()), "then the stream ends");
    }

    #[test]
    fn a_dropped_reader_discards() {
        let (mut s, _) = state();
        s.push_inbound("a".into(), LIMITS);
        s.reader_gone();
        assert_eq!(s.push_inbound("b".into(), LIMITS), InPush::Discard);
        assert_eq!(s.pop_inbound(), Ok(None));
    }

    #[test]
    fn closed_before_the_first_poll_still_opens() {
        let (mut s, _) = state();
        s.close(CloseReason::Server {
            code: 3000,
            reason: "Go away!".into(),
        });
        s.attach();
        assert_eq!(s.next(), Next::Open);
        assert_eq!(s.next(), Next::Close(r#"c[3000,"Go away!"]"#.into()));
    }

    #[test]
    fn aborted_receiver_interrupts_and_drops_queue() {
        let (mut s, now) = state();
        let Attach::Attached(id) = s.attach() else {
            panic!()
        };
        s.next();
        s.push("lost".into(), LIMITS);
        assert!(s.detach(id, false, now));
        assert_eq!(s.reason(), Some(&CloseReason::Interrupted));
        s.attach();
        assert_eq!(
            s.next(),
            Next::Close(r#"c[1002,"Connection interrupted"]"#.into())
        );
    }

    #[test]
    fn expiry_counts_from_the_last_detach() {
        let (mut s, t0) = state();
        let delay = Duration::from_secs(5);
        assert_eq!(s.deadline(delay), Some(t0 + delay));
        let Attach::Attached(id) = s.attach() else {
            panic!()
        };
        assert!(
            !s.expired(t0 + Duration::from_secs(60), delay),
            "attached never expires"
        );
        let t1 = t0 + Duration::from_secs(10);
        s.detach(id, true, t1);
        assert!(!s.expired(t1 + Duration::from_millis(4999), delay));
        assert!(s.expired(t1 + delay, delay));
    }
}
