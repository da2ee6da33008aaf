//! The per-session state machine, as pure code: it never sleeps or reads the
//! clock (time is passed in), so every rule is unit-tested deterministically
//! with a fake clock. It lives behind the session's mutex; callers never
//! hold that lock across an `.await`.
//!
//! In the style of quinn-proto, the state owns its timers as deadlines:
//! [`State::poll_timeout`] says when something is due (the heartbeat, the
//! expiry of a session nobody receives), and [`State::handle_timeout`] does
//! what is due at a given time. One supervisor task per session sleeps until
//! the deadline and calls it; nothing else keeps time.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use bytestring::ByteString;
use tokio::time::Instant;

use crate::error::CloseReason;
use crate::protocol::frame;
use crate::protocol::message::Message;

/// Bounds of a queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub messages: usize,
    pub bytes: usize,
}

/// The session's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    /// Silence after which an attached receiver gets a heartbeat frame.
    pub heartbeat: Duration,
    /// How long the session lives with no receiver attached: the disconnect
    /// delay for HTTP sessions, zero for a WebSocket (its socket is its life).
    pub linger: Duration,
}

/// The bytes all queues of a service may hold together. Every change of a
/// queue's size is counted here by its [`State`] (and given back when the
/// state is dropped).
#[derive(Debug)]
pub(crate) struct Budget {
    used: AtomicUsize,
    max: usize,
}

impl Budget {
    pub fn new(max: usize) -> Arc<Budget> {
        Arc::new(Budget {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn has_room(&self, bytes: usize) -> bool {
        self.used().saturating_add(bytes) <= self.max
    }

    fn add(&self, bytes: usize) {
        self.used.fetch_add(bytes, Ordering::Relaxed);
    }

    fn sub(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// A resumable session's settings (the resume extension, `docs/resume.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResumeTiming {
    /// An accepted client message is acknowledged within this time.
    pub ack_delay: Duration,
    /// A client silent this long while attached is taken for a dead
    /// connection: its receiver is dropped.
    pub silence: Duration,
}

/// A resume that cannot be honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResumeError {
    /// The client acknowledges messages the session no longer has, or
    /// never sent.
    MessagesMissing,
}

/// What the resume extension keeps of a session.
#[derive(Debug)]
struct Resume {
    timing: ResumeTiming,
    token: Arc<str>,
    /// The number of `queue[0]`: messages before it were acknowledged.
    base: u64,
    /// `queue[..sent]` went to the current receiver.
    sent: usize,
    /// `queue[..kept]` went to a receiver: what the queue holds there is
    /// kept for sending again, copied into `arena` (see
    /// [`Message::kept_copy`]).
    kept: usize,
    /// The buffer the kept copies share; given back when the queue empties.
    arena: BytesMut,
    /// Client messages accepted.
    accepted: u64,
    /// `accepted` as the client last learned it.
    told: u64,
    /// When `accepted` moved past `told`.
    untold_since: Option<Instant>,
    /// The pure acknowledgement is due.
    ack_due: bool,
    /// The last sign of life from the client.
    heard: Instant,
    /// The receiver is taken for a dead connection: it is dropped.
    kick: bool,
    /// Receivers that came back after a drop.
    resumes: u32,
    /// A control frame the next receiver sends first.
    control: Option<Control>,
    /// In a cluster: what Redis holds of the session (it outlives the node).
    durable: Option<Durable>,
    /// The number `queue[0]` had when Redis was last told (trim pending).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    trimmed: u64,
}

/// What Redis holds of a resumable session in a cluster. A message goes to
/// the client only once Redis has it, and the client is told that its
/// messages were accepted only as far as Redis has counted the ones the
/// handler took, so a node that dies loses nothing the client relies on.
#[derive(Debug, Clone, Copy, Default)]
struct Durable {
    /// Messages numbered up to this are in Redis.
    out: u64,
    /// Client messages the handler took, as far as Redis has counted.
    inn: u64,
    /// The handler's count last sent to Redis.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    asked_in: u64,
    /// When that count is due to be sent (the handler took messages and
    /// sent nothing that would carry it).
    flush_at: Option<Instant>,
    /// Redis has the session's token (who owns it) and its record. Until
    /// then its token frame waits: a client holding the token could
    /// otherwise come back through a node that cannot find it yet, and be
    /// told its session expired.
    recorded: bool,
}

/// What Redis is to be told of a durable session, from [`State::push`]
/// and the acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) struct Persist {
    /// The number of the message just queued.
    pub number: u64,
    /// The handler's count of client messages it took.
    pub taken: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Token,
    Resumed,
}

/// Result of [`State::push`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Push {
    Queued,
    Full(Message),
    Closed(Message),
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
    /// The caller is now the receiver, with this id; the bool says the
    /// heartbeat is due before what the supervisor waits for (a heartbeat
    /// shorter than the linger time).
    Attached(u64, bool),
    /// Another receiver is attached: answer `c[2010,...]`.
    Busy,
    /// A resume that cannot be honoured.
    Refused(ResumeError),
}

/// What [`State::handle_timeout`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// Nothing was due (a frame or a receiver moved the deadline).
    Nothing,
    /// The receiver owes the client a frame (a heartbeat, an
    /// acknowledgement) or must go (a silent client): wake it.
    WakeReceiver,
    /// Nobody received for the linger time: the session is over (closed
    /// now if it was still open) and must be removed.
    Expired,
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
    /// Messages; whether a sender waits for the room they leave; and, in a
    /// resumable session, the client messages accepted so far.
    Messages(Batch, bool, Option<u64>),
    Heartbeat,
    /// Resumable: the client messages accepted so far, alone.
    Ack(u64),
    /// Resumable: a control frame (`x{...}`).
    Control(ByteString),
    Close(ByteString),
    /// This receiver is replaced or taken for dead: end without a frame.
    Kick,
    /// Nothing yet: wait to be woken.
    Wait,
}

/// The most text one frame of messages carries (see `State::batch_len`);
/// a message longer than this goes alone. sockjs-node sends a whole queue.
pub(crate) const BATCH_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct State {
    timing: Timing,
    budget: Arc<Budget>,
    /// The resume extension's part, for sessions that asked for it.
    resume: Option<Box<Resume>>,
    /// The open frame went to a receiver. Independent of closing: a
    /// session closed before its first receiver polled still opens first.
    opened: bool,
    /// Set once, when the session closes; receivers then get the close
    /// frame (after any messages the application queued before closing).
    /// (Boxed: 8 bytes instead of 32 in every session, for one allocation
    /// when it closes.)
    reason: Option<Box<CloseReason>>,
    /// The close frame went to a receiver.
    told_close: bool,
    queue: VecDeque<Message>,
    queued_bytes: usize,
    receiver: Option<u64>,
    next_receiver: u64,
    /// While a receiver is attached: when the last frame went out (the
    /// heartbeat counts from it). Otherwise: when the last receiver left.
    since: Instant,
    /// The supervisor found the heartbeat due; the receiver sends it next.
    heartbeat_due: bool,
    /// The deadline the supervisor sleeps towards (`None`: none). A change
    /// that brings the next deadline before it must wake the supervisor.
    armed: Option<Instant>,
    /// A sender found the queue full and waits for room.
    sender_waiting: bool,
    /// Room was freed for a waiting sender by [`State::attach`]; see
    /// [`State::take_room_freed`].
    room_freed: bool,
    /// Received from the client, not yet read by the handler. After a
    /// close the handler still reads what is here, then its stream ends.
    inbound: VecDeque<String>,
    inbound_bytes: usize,
    /// A client send found `inbound` full and waits for the handler.
    deliverer_waiting: bool,
    /// The handler dropped its stream: inbound messages are discarded.
    reader_gone: bool,
    /// Client messages the handler took.
    taken: u64,
}

impl State {
    pub fn new(now: Instant, timing: Timing, budget: Arc<Budget>) -> Self {
        State {
            timing,
            budget,
            resume: None,
            opened: false,
            reason: None,
            told_close: false,
            queue: VecDeque::new(),
            queued_bytes: 0,
            receiver: None,
            next_receiver: 0,
            since: now,
            heartbeat_due: false,
            armed: None,
            sender_waiting: false,
            room_freed: false,
            inbound: VecDeque::new(),
            inbound_bytes: 0,
            deliverer_waiting: false,
            reader_gone: false,
            taken: 0,
        }
    }

    /// Makes the session resumable: its receivers come back after drops,
    /// messages are kept until acknowledged, and its first frame after the
    /// open frame carries `token`.
    pub fn make_resumable(&mut self, token: Arc<str>, timing: ResumeTiming, now: Instant) {
        self.resume = Some(Box::new(Resume {
            timing,
            token,
            base: 1,
            sent: 0,
            kept: 0,
            arena: BytesMut::new(),
            accepted: 0,
            told: 0,
            untold_since: None,
            ack_due: false,
            heard: now,
            kick: false,
            resumes: 0,
            control: Some(Control::Token),
            durable: None,
            trimmed: 1,
        }));
    }

    /// Makes a resumable session durable (a cluster keeps it in Redis).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn make_durable(&mut self) {
        let taken = self.taken;
        if let Some(r) = &mut self.resume {
            r.durable = Some(Durable {
                out: r.base - 1 + self.queue.len() as u64,
                inn: taken,
                asked_in: taken,
                flush_at: None,
                recorded: false,
            });
            r.trimmed = r.base;
        }
    }

    /// Durable: Redis has the session's token and record (or could not be
    /// told, and the session goes on here alone). Returns true when the
    /// receiver has the token frame to send now.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn recorded(&mut self) -> bool {
        let Some(d) = self.resume.as_mut().and_then(|r| r.durable.as_mut()) else {
            return false;
        };
        let was = std::mem::replace(&mut d.recorded, true);
        !was && self.receiver.is_some()
    }

    /// A durable session as Redis held it when its node was lost: `base`
    /// is the number of the first of `messages`, `taken` how many client
    /// messages its handler had taken. It has opened already; the next
    /// receiver resumes it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn restore(&mut self, base: u64, messages: Vec<Message>, taken: u64) {
        self.opened = true;
        self.taken = taken;
        for m in messages {
            self.queued_bytes += m.len();
            self.budget.add(m.len());
            self.queue.push_back(m);
        }
        if let Some(r) = &mut self.resume {
            r.base = base.max(1);
            r.trimmed = r.base;
            // The lost node may have sent all of them.
            r.sent = self.queue.len();
            r.accepted = taken;
            r.told = taken;
            r.control = None;
            r.durable = Some(Durable {
                out: r.base - 1 + self.queue.len() as u64,
                inn: taken,
                asked_in: taken,
                flush_at: None,
                // The take-over's claim made the token point here.
                recorded: true,
            });
        }
    }

    /// Durable: Redis has messages up to `out` and the handler's count
    /// `taken`. Returns true when the receiver has something new to send.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn persisted(&mut self, out: Option<u64>, taken: u64) -> bool {
        let Some(r) = &mut self.resume else {
            return false;
        };
        let Some(d) = &mut r.durable else {
            return false;
        };
        let released = out.is_some_and(|o| o > d.out);
        if let Some(o) = out {
            d.out = d.out.max(o);
        }
        d.inn = d.inn.max(taken);
        let tell = r.accepted.min(d.inn) > r.told;
        if tell {
            r.ack_due = true;
        }
        (released || tell) && self.receiver.is_some()
    }

    /// Durable: the handler's count, when it is due to go to Redis alone.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn take_flush(&mut self, now: Instant) -> Option<u64> {
        let taken = self.taken;
        let d = self.resume.as_mut()?.durable.as_mut()?;
        if d.flush_at.is_some_and(|t| now >= t) {
            d.flush_at = None;
            if taken > d.asked_in {
                d.asked_in = taken;
                return Some(taken);
            }
        }
        None
    }

    /// Durable: the first message number Redis still keeps, when it moved
    /// (the client acknowledged messages): (old, new).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn take_trim(&mut self) -> Option<(u64, u64)> {
        let r = self.resume.as_mut()?;
        r.durable?;
        (r.base > r.trimmed).then(|| {
            let old = std::mem::replace(&mut r.trimmed, r.base);
            (old, r.base)
        })
    }

    /// Durable: what a message just queued means for Redis.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn persist_push(&mut self) -> Option<Persist> {
        let taken = self.taken;
        let n = self.queue.len() as u64;
        let r = self.resume.as_mut()?;
        let d = r.durable.as_mut()?;
        d.asked_in = taken;
        d.flush_at = None;
        Some(Persist {
            number: r.base - 1 + n,
            taken,
        })
    }

    /// Durable: the client messages Redis counts as taken by the handler
    /// (`u64::MAX` for a session that is not durable).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn durable_in(&self) -> u64 {
        self.resume
            .as_ref()
            .and_then(|r| r.durable)
            .map_or(u64::MAX, |d| d.inn)
    }

    /// How many of `queue`'s first messages go in one frame: as many as
    /// fit in [`BATCH_BYTES`] of text, and at least one. A frame is one
    /// write (a poll's whole answer, a stream's chunk, a WebSocket message)
    /// that the connection holds until the client reads it, escaped (up to
    /// 6 times its text, 7 for JSONP): a whole queue in one frame, for a
    /// client that never reads, was up to 7 MB per connection, and with
    /// resume each new receiver got the whole kept window again.
    fn batch_len<'q>(queue: impl Iterator<Item = &'q Message>) -> usize {
        let mut bytes = 0usize;
        let mut n = 0;
        for m in queue {
            bytes += m.len();
            if n > 0 && bytes > BATCH_BYTES {
                break;
            }
            n += 1;
        }
        n
    }

    /// The count a resumable session may tell its client it accepted.
    fn tellable(r: &Resume) -> u64 {
        r.durable.map_or(r.accepted, |d| r.accepted.min(d.inn))
    }

    pub fn reason(&self) -> Option<&CloseReason> {
        self.reason.as_deref()
    }

    /// The resume token of a resumable session.
    pub fn token(&self) -> Option<&Arc<str>> {
        self.resume.as_ref().map(|r| &r.token)
    }

    /// Times a receiver came back after a drop.
    pub fn resumes(&self) -> u32 {
        self.resume.as_ref().map_or(0, |r| r.resumes)
    }

    /// A receiver has had the close frame.
    pub fn told_close(&self) -> bool {
        self.told_close
    }

    /// A receiver is attached.
    pub fn attached(&self) -> bool {
        self.receiver.is_some()
    }

    pub fn queued(&self) -> (usize, usize) {
        (self.queue.len(), self.queued_bytes)
    }

    // ---------------------------------------------------------------- time

    /// The next deadline: the heartbeat while a receiver is attached to an
    /// open session, the expiry while none is. (Closed, the attached
    /// receiver gets the close frame and leaves: nothing to time.)
    pub fn poll_timeout(&self) -> Option<Instant> {
        let flush = self
            .resume
            .as_ref()
            .and_then(|r| r.durable.as_ref())
            .and_then(|d| d.flush_at);
        let next = self.next_deadline();
        match (flush, next) {
            (Some(f), Some(n)) => Some(f.min(n)),
            (f, n) => f.or(n),
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        match self.receiver {
            Some(_) if self.reason.is_none() => {
                let heartbeat = self.since + self.timing.heartbeat;
                match &self.resume {
                    None => Some(heartbeat),
                    Some(r) => {
                        let silence = r.heard + r.timing.silence;
                        let ack = r
                            .untold_since
                            .filter(|_| !r.ack_due)
                            .map(|t| t + r.timing.ack_delay);
                        Some(ack.map_or(heartbeat.min(silence), |a| a.min(heartbeat).min(silence)))
                    }
                }
            }
            // Closed: the receiver gets the close frame and leaves.
            Some(_) => None,
            None => Some(self.since + self.timing.linger),
        }
    }

    /// Records the deadline the supervisor now sleeps towards, and returns it.
    pub fn arm(&mut self) -> Option<Instant> {
        self.armed = self.poll_timeout();
        self.armed
    }

    /// True when the next deadline is now earlier than the armed one: the
    /// supervisor must be woken to sleep less.
    fn rearm_needed(&self) -> bool {
        match (self.poll_timeout(), self.armed) {
            (Some(next), Some(armed)) => next < armed,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Does what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> Timeout {
        let open = self.reason.is_none();
        match self.receiver {
            None if now >= self.since + self.timing.linger => {
                self.close(CloseReason::Timeout);
                Timeout::Expired
            }
            Some(_) if open => {
                let mut wake = false;
                if let Some(r) = &mut self.resume {
                    if now >= r.heard + r.timing.silence && !r.kick {
                        r.kick = true;
                        wake = true;
                    }
                    if r.untold_since
                        .is_some_and(|t| now >= t + r.timing.ack_delay)
                        && !r.ack_due
                    {
                        r.ack_due = true;
                        wake = true;
                    }
                }
                if now >= self.since + self.timing.heartbeat {
                    // The next one counts from now, as if it went out at once.
                    self.heartbeat_due = true;
                    self.since = now;
                    wake = true;
                    // Quiet for a heartbeat: the buffer of kept copies goes.
                    if self.queue.is_empty() {
                        if let Some(r) = &mut self.resume {
                            r.arena = BytesMut::new();
                        }
                    }
                }
                match wake {
                    true => Timeout::WakeReceiver,
                    false => Timeout::Nothing,
                }
            }
            _ => Timeout::Nothing,
        }
    }

    // ------------------------------------------------------------ receiving

    /// A receiving request arrives at `now`. A resumable session's request
    /// carries `ack` (the messages the client has received): the session
    /// frees them, sends again what follows, and replaces a receiver it
    /// still believes connected; `resumed` says the request came back on
    /// a new URL with the token.
    #[cfg(test)]
    pub fn attach(&mut self, now: Instant, ack: Option<u64>, resumed: bool) -> Attach {
        self.attach_as(now, ack, resumed, false)
    }

    /// [`State::attach`]; `reopen`: the client asks again to open the session
    /// (`resume=1`: the answer that opened it was lost), so the open and token
    /// frames go out again.
    pub fn attach_as(
        &mut self,
        now: Instant,
        ack: Option<u64>,
        resumed: bool,
        reopen: bool,
    ) -> Attach {
        if reopen && self.resume.is_some() && self.reason.is_none() {
            self.opened = false;
            if let Some(r) = &mut self.resume {
                r.control = Some(Control::Token);
            }
        }
        // Closed for a reason other than the application's own close (whose
        // queued messages still go out), a session has nothing to resume:
        // its close frame answers.
        let ended = self
            .reason
            .as_deref()
            .is_some_and(|r| !matches!(r, CloseReason::Server { .. }));
        if let Some(r) = &mut self.resume {
            let ack = ack.unwrap_or(r.base - 1);
            let last_sent = r.base - 1 + r.sent as u64;
            if !ended && (ack < r.base - 1 || ack > last_sent) {
                return Attach::Refused(ResumeError::MessagesMissing);
            }
            r.heard = now;
            r.kick = false;
            r.sent = 0;
            if resumed && !ended {
                r.resumes += 1;
                r.control = Some(Control::Resumed);
            }
            if !ended {
                self.room_freed |= self.free_acked(ack);
            }
        } else if self.receiver.is_some() {
            return Attach::Busy;
        }
        self.next_receiver += 1;
        self.receiver = Some(self.next_receiver);
        self.since = now;
        self.heartbeat_due = false;
        Attach::Attached(self.next_receiver, self.rearm_needed())
    }

    /// True once after [`State::attach`] freed room a sender waits for.
    pub fn take_room_freed(&mut self) -> bool {
        std::mem::take(&mut self.room_freed)
    }

    /// Resumable: the client has received messages 1..=`ack` (an
    /// acknowledgement on a send). Returns true when this freed room.
    pub fn acknowledge(&mut self, ack: u64, now: Instant) -> bool {
        let Some(r) = &mut self.resume else {
            return false;
        };
        r.heard = now;
        let last_sent = r.base - 1 + r.sent as u64;
        self.free_acked(ack.min(last_sent))
    }

    /// Drops the messages numbered up to `ack`.
    fn free_acked(&mut self, ack: u64) -> bool {
        let Some(r) = &mut self.resume else {
            return false;
        };
        let mut freed = 0;
        while r.base <= ack {
            let Some(m) = self.queue.pop_front() else {
                break;
            };
            freed += m.len();
            r.base += 1;
            r.sent = r.sent.saturating_sub(1);
            r.kept = r.kept.saturating_sub(1);
        }
        // An emptied buffer of kept copies stays for the next messages (no
        // allocation per message on a polling transport; taken back whole
        // once no copy in it is alive); a quiet session gives it up at its
        // heartbeat.
        self.queued_bytes -= freed;
        self.budget.sub(freed);
        freed > 0 && std::mem::take(&mut self.sender_waiting)
    }

    /// A sign of life from the client (a send, a heartbeat).
    pub fn heard(&mut self, now: Instant) {
        if let Some(r) = &mut self.resume {
            r.heard = now;
        }
    }

    /// Resumable: a send whose first message is number `seq`. Returns how
    /// many of its messages were accepted already (to skip), or `None`
    /// when it starts past what was accepted (a gap).
    pub fn accept_from(&mut self, seq: u64) -> Option<u64> {
        let r = self.resume.as_ref()?;
        let seq = seq.max(1);
        (seq <= r.accepted + 1).then(|| r.accepted + 1 - seq)
    }

    /// The next frame of receiver `id`, sent at `now`.
    pub fn next(&mut self, id: u64, now: Instant) -> Next {
        let replaced = self.receiver != Some(id);
        if replaced || self.resume.as_ref().is_some_and(|r| r.kick) {
            return Next::Kick;
        }
        let next = self.take_next();
        if next != Next::Wait {
            self.since = now;
            self.heartbeat_due = false;
        }
        next
    }

    fn take_next(&mut self) -> Next {
        if !self.opened {
            self.opened = true;
            return Next::Open;
        }
        // Durable: nothing follows the open frame before Redis can find the
        // session by its token.
        let held = self.resume.as_ref().is_some_and(|r| {
            r.control == Some(Control::Token) && r.durable.is_some_and(|d| !d.recorded)
        });
        if held {
            return Next::Wait;
        }
        if let Some(control) = self.resume.as_mut().and_then(|r| r.control.take()) {
            let r = self.resume.as_deref().expect("a resumable session");
            return Next::Control(match control {
                Control::Token => frame::token(&r.token),
                Control::Resumed => frame::resumed(State::tellable(r)),
            });
        }
        let batch = match &mut self.resume {
            // Resumable: kept until acknowledged; sent from `sent` on.
            Some(r) => {
                // Durable: only what Redis has.
                let limit = match &r.durable {
                    Some(d) => ((d.out + 1).saturating_sub(r.base) as usize).min(self.queue.len()),
                    None => self.queue.len(),
                };
                let limit = r.sent + State::batch_len(self.queue.range(r.sent..limit));
                let queue = &mut self.queue;
                let batch = match limit.saturating_sub(r.sent) {
                    0 => None,
                    1 => State::to_send(queue, r, r.sent).map(Batch::One),
                    _ => Some(Batch::Many(
                        (r.sent..limit)
                            .filter_map(|i| State::to_send(queue, r, i))
                            .collect(),
                    )),
                };
                r.sent = r.sent.max(limit);
                batch
            }
            None => {
                let n = State::batch_len(self.queue.iter());
                let batch = match n {
                    0 => None,
                    1 => self.queue.pop_front().map(Batch::One),
                    _ => Some(Batch::Many(self.queue.drain(..n).collect())),
                };
                if let Some(batch) = &batch {
                    let taken = batch.iter().map(Message::len).sum::<usize>();
                    self.budget.sub(taken);
                    self.queued_bytes -= taken;
                }
                batch
            }
        };
        if let Some(batch) = batch {
            let told = self.tell_accepted();
            return Next::Messages(batch, std::mem::take(&mut self.sender_waiting), told);
        }
        match self.reason.as_deref() {
            // Built when asked: only polls of a closed session need it.
            Some(reason) => {
                self.told_close = true;
                let (code, text) = reason.close_frame();
                Next::Close(frame::close(code, text))
            }
            None if self.resume.as_ref().is_some_and(|r| r.ack_due) => {
                Next::Ack(self.tell_accepted().unwrap_or_default())
            }
            None if self.heartbeat_due => Next::Heartbeat,
            None => Next::Wait,
        }
    }

    /// Resumable: message `i` of the queue, to send. The first time, the
    /// original goes and the queue keeps a copy in the session's buffer,
    /// so the original's allocation is freed once it is sent; after that,
    /// a clone of what is kept.
    fn to_send(queue: &mut VecDeque<Message>, r: &mut Resume, i: usize) -> Option<Message> {
        let m = queue.get_mut(i)?;
        if i < r.kept {
            return Some(m.clone());
        }
        r.kept = i + 1;
        Some(match m.kept_copy(&mut r.arena) {
            Some(copy) => std::mem::replace(m, copy),
            None => m.clone(),
        })
    }

    /// Resumable: the accepted count, now told to the client.
    fn tell_accepted(&mut self) -> Option<u64> {
        let r = self.resume.as_mut()?;
        r.told = State::tellable(r);
        r.untold_since = None;
        r.ack_due = false;
        Some(r.told)
    }

    /// The receiver `id` leaves at `now`. `completed` is false when its
    /// request was aborted before it finished, which interrupts the session.
    pub fn detach(&mut self, id: u64, completed: bool, now: Instant) -> Detach {
        if self.receiver != Some(id) {
            return Detach::default();
        }
        self.receiver = None;
        self.since = now;
        // A resumable session waits for its client to come back instead.
        let closed = !completed && self.resume.is_none() && self.close(CloseReason::Interrupted);
        Detach {
            closed,
            wake_supervisor: self.rearm_needed(),
        }
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
            self.budget.sub(self.queued_bytes);
            self.queued_bytes = 0;
            if let Some(r) = &mut self.resume {
                r.sent = 0;
                r.kept = 0;
                r.arena = BytesMut::new();
            }
        }
        self.reason = Some(Box::new(reason));
        true
    }

    // ------------------------------------------------------------- queues

    /// Queues a message. An empty queue always takes one message, whatever
    /// its size, so a message larger than the byte bound can still be sent.
    pub fn push(&mut self, msg: Message, limits: Limits) -> Push {
        if self.reason.is_some() {
            return Push::Closed(msg);
        }
        if !self.queue.is_empty()
            && (self.queue.len() >= limits.messages
                || self.queued_bytes + msg.len() > limits.bytes
                || !self.budget.has_room(msg.len()))
        {
            self.sender_waiting = true;
            return Push::Full(msg);
        }
        self.queued_bytes += msg.len();
        self.budget.add(msg.len());
        self.queue.push_back(msg);
        Push::Queued
    }

    /// Queues a message from the client for the handler. An empty queue
    /// always takes one message, whatever its size.
    #[cfg(test)]
    pub fn push_inbound(&mut self, msg: String, limits: Limits, now: Instant) -> InPush {
        self.push_inbound_from(msg, limits, now, None)
    }

    /// [`State::push_inbound`] for a socket's reader, `socket` being its
    /// receiver id: once a resumable session's socket was replaced by one
    /// that came back, what its old reader still holds is discarded (the
    /// client sends it again after the count the new socket was told).
    pub fn push_inbound_from(
        &mut self,
        msg: String,
        limits: Limits,
        now: Instant,
        socket: Option<u64>,
    ) -> InPush {
        let replaced = socket.is_some() && self.resume.is_some() && self.receiver != socket;
        if self.reason.is_some() || self.reader_gone || replaced {
            return InPush::Discard;
        }
        if !self.inbound.is_empty()
            && (self.inbound.len() >= limits.messages
                || self.inbound_bytes + msg.len() > limits.bytes
                || !self.budget.has_room(msg.len()))
        {
            self.deliverer_waiting = true;
            return InPush::Full(msg);
        }
        self.inbound_bytes += msg.len();
        self.budget.add(msg.len());
        self.inbound.push_back(msg);
        if let Some(r) = &mut self.resume {
            r.accepted += 1;
            // (Durable: told once Redis counts it, see `persisted`.)
            if r.durable.is_none() {
                r.untold_since.get_or_insert(now);
            }
        }
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
                self.budget.sub(m.len());
                self.taken += 1;
                if let Some(d) = self.resume.as_mut().and_then(|r| r.durable.as_mut()) {
                    if d.flush_at.is_none() {
                        d.flush_at = Some(Instant::now() + crate::config::ACK_DELAY);
                    }
                }
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
        self.budget.sub(self.inbound_bytes);
        self.inbound_bytes = 0;
    }
}

#[cfg(test)]
impl State {
    fn new_for_test(now: Instant, timing: Timing) -> Self {
        State::new(now, timing, Budget::new(usize::MAX))
    }

    /// The attached receiver's id (0 without one).
    fn rid(&self) -> u64 {
        self.receiver.unwrap_or(0)
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.budget.sub(self.queued_bytes + self.inbound_bytes);
    }
}

/// What [`State::detach`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Detach {
    /// The receiver was aborted: this closed the session (interrupted).
    pub closed: bool,
    /// The expiry is now due before what the supervisor waits for.
    pub wake_supervisor: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        messages: 3,
        bytes: 10,
    };
    const TIMING: Timing = Timing {
        heartbeat: Duration::from_secs(25),
        linger: Duration::from_secs(5),
    };

    fn state() -> (State, Instant) {
        let now = Instant::now();
        (State::new(now, TIMING, Budget::new(usize::MAX)), now)
    }

    fn texts(next: Next) -> Vec<String> {
        match next {
            Next::Messages(m, _, _) => m.iter().map(|m| m.as_str().to_owned()).collect(),
            other => panic!("expected messages, got {other:?}"),
        }
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn open_frame_comes_first_then_queued_messages() {
        let (mut s, t) = state();
        assert_eq!(s.push("a".into(), LIMITS), Push::Queued);
        assert!(matches!(s.attach(t, None, false), Attach::Attached(1, _)));
        assert_eq!(s.next(s.rid(), t), Next::Open);
        assert_eq!(texts(s.next(s.rid(), t)), ["a"]);
        assert_eq!(s.next(s.rid(), t), Next::Wait);
    }

    #[test]
    fn one_receiver_at_a_time() {
        let (mut s, t) = state();
        assert!(matches!(s.attach(t, None, false), Attach::Attached(1, _)));
        assert_eq!(s.attach(t, None, false), Attach::Busy);
        assert!(!s.detach(1, true, t).closed);
        assert!(matches!(s.attach(t, None, false), Attach::Attached(2, _)));
        // A stale id does not detach the current receiver.
        assert_eq!(s.detach(1, true, t), Detach::default());
        assert_eq!(s.attach(t, None, false), Attach::Busy);
    }

    #[test]
    fn queue_bounds_by_count_and_bytes() {
        let (mut s, t) = state();
        assert_eq!(
            s.push("12345678901234".into(), LIMITS),
            Push::Queued,
            "empty queue takes any size"
        );
        assert!(matches!(s.push("x".into(), LIMITS), Push::Full(m) if m.as_str() == "x"));
        s.attach(t, None, false);
        s.next(s.rid(), t);
        assert_eq!(texts(s.next(s.rid(), t)), ["12345678901234"]);
        for _ in 0..3 {
            assert_eq!(s.push("a".into(), LIMITS), Push::Queued);
        }
        assert!(matches!(s.push("a".into(), LIMITS), Push::Full(_)));
        assert_eq!(s.queued(), (3, 3));
        // The drain says a sender was turned away, once.
        let drained = s.next(s.rid(), t);
        assert!(
            matches!(&drained, Next::Messages(b, true, None) if b.len() == 3),
            "{drained:?}"
        );
        s.push("a".into(), LIMITS);
        assert!(matches!(
            s.next(s.rid(), t),
            Next::Messages(Batch::One(_), false, None)
        ));
    }

    #[test]
    fn application_close_flushes_queue_first() {
        let (mut s, t) = state();
        s.attach(t, None, false);
        assert_eq!(s.next(s.rid(), t), Next::Open);
        s.push("bye".into(), LIMITS);
        assert!(s.close(CloseReason::Server {
            code: 3000,
            reason: "Go away!".into()
        }));
        assert!(!s.close(CloseReason::Timeout), "close is once");
        assert!(matches!(s.push("late".into(), LIMITS), Push::Closed(_)));
        assert_eq!(texts(s.next(s.rid(), t)), ["bye"]);
        assert_eq!(
            s.next(s.rid(), t),
            Next::Close(r#"c[3000,"Go away!"]"#.into())
        );
        // A closed session keeps answering its close frame.
        assert_eq!(
            s.next(s.rid(), t),
            Next::Close(r#"c[3000,"Go away!"]"#.into())
        );
        assert_eq!(
            s.push_inbound("late".into(), LIMITS, Instant::now()),
            InPush::Discard
        );
    }

    #[test]
    fn inbound_is_bounded_and_drains_after_close() {
        let (mut s, _) = state();
        assert_eq!(
            s.push_inbound("12345678".into(), LIMITS, Instant::now()),
            InPush::Queued
        );
        assert_eq!(
            s.push_inbound("123".into(), LIMITS, Instant::now()),
            InPush::Full("123".into())
        );
        assert_eq!(s.pop_inbound(), Ok(Some(("12345678".into(), true))));
        assert_eq!(s.pop_inbound(), Ok(None));
        assert_eq!(
            s.push_inbound("a".into(), LIMITS, Instant::now()),
            InPush::Queued
        );
        s.close(CloseReason::Timeout);
        assert_eq!(
            s.push_inbound("b".into(), LIMITS, Instant::now()),
            InPush::Discard
        );
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
        s.push_inbound("a".into(), LIMITS, Instant::now());
        s.reader_gone();
        assert_eq!(
            s.push_inbound("b".into(), LIMITS, Instant::now()),
            InPush::Discard
        );
        assert_eq!(s.pop_inbound(), Ok(None));
    }

    #[test]
    fn closed_before_the_first_poll_still_opens() {
        let (mut s, t) = state();
        s.close(CloseReason::Server {
            code: 3000,
            reason: "Go away!".into(),
        });
        s.attach(t, None, false);
        assert_eq!(s.next(s.rid(), t), Next::Open);
        assert_eq!(
            s.next(s.rid(), t),
            Next::Close(r#"c[3000,"Go away!"]"#.into())
        );
    }

    #[test]
    fn aborted_receiver_interrupts_and_drops_queue() {
        let (mut s, t) = state();
        let Attach::Attached(id, _) = s.attach(t, None, false) else {
            panic!()
        };
        s.next(s.rid(), t);
        s.push("lost".into(), LIMITS);
        assert!(s.detach(id, false, t).closed);
        assert_eq!(s.reason(), Some(&CloseReason::Interrupted));
        s.attach(t, None, false);
        assert_eq!(
            s.next(s.rid(), t),
            Next::Close(r#"c[1002,"Connection interrupted"]"#.into())
        );
    }

    #[test]
    fn expiry_counts_from_the_last_detach() {
        let (mut s, t0) = state();
        assert_eq!(s.poll_timeout(), Some(t0 + secs(5)), "a new session waits");
        let Attach::Attached(id, _) = s.attach(t0, None, false) else {
            panic!()
        };
        assert_eq!(
            s.handle_timeout(t0 + secs(5)),
            Timeout::Nothing,
            "attached never expires"
        );
        let t1 = t0 + secs(10);
        s.next(s.rid(), t1);
        s.detach(id, true, t1);
        assert_eq!(s.poll_timeout(), Some(t1 + secs(5)));
        assert_eq!(
            s.handle_timeout(t1 + Duration::from_millis(4999)),
            Timeout::Nothing
        );
        assert_eq!(s.handle_timeout(t1 + secs(5)), Timeout::Expired);
        assert_eq!(s.reason(), Some(&CloseReason::Timeout));
    }

    #[test]
    fn heartbeat_after_silence_then_counts_again() {
        let (mut s, t0) = state();
        s.attach(t0, None, false);
        assert_eq!(s.next(s.rid(), t0), Next::Open);
        assert_eq!(s.poll_timeout(), Some(t0 + secs(25)));
        // A frame at 20 s moves the heartbeat: nothing is due at 25 s.
        let t20 = t0 + secs(20);
        s.push("m".into(), LIMITS);
        assert_eq!(texts(s.next(s.rid(), t20)), ["m"]);
        assert_eq!(s.handle_timeout(t0 + secs(25)), Timeout::Nothing);
        assert_eq!(s.poll_timeout(), Some(t20 + secs(25)));
        let t45 = t20 + secs(25);
        assert_eq!(s.handle_timeout(t45), Timeout::WakeReceiver);
        assert_eq!(s.poll_timeout(), Some(t45 + secs(25)), "the next one");
        assert_eq!(s.next(s.rid(), t45), Next::Heartbeat);
        assert_eq!(s.next(s.rid(), t45), Next::Wait);
        // A message frame does a heartbeat's job: a due one is dropped.
        let t70 = t45 + secs(25);
        assert_eq!(s.handle_timeout(t70), Timeout::WakeReceiver);
        s.push("m".into(), LIMITS);
        assert_eq!(texts(s.next(s.rid(), t70)), ["m"]);
        assert_eq!(s.next(s.rid(), t70), Next::Wait);
    }

    #[test]
    fn the_supervisor_is_woken_only_for_an_earlier_deadline() {
        let (mut s, t0) = state();
        assert_eq!(s.arm(), Some(t0 + secs(5)));
        // Attaching pushes the deadline later: no wake-up.
        let Attach::Attached(id, false) = s.attach(t0 + secs(1), None, false) else {
            panic!()
        };
        s.next(s.rid(), t0 + secs(1));
        // Leaving at 2 s: expiry at 7 s, later than the armed 5 s.
        let d = s.detach(id, true, t0 + secs(2));
        assert!(!d.wake_supervisor);
        // At 5 s the supervisor finds nothing due and re-arms for 7 s.
        assert_eq!(s.handle_timeout(t0 + secs(5)), Timeout::Nothing);
        assert_eq!(s.arm(), Some(t0 + secs(7)));
        // Armed for a heartbeat far away, a detach must wake it.
        let Attach::Attached(id, _) = s.attach(t0 + secs(6), None, false) else {
            panic!()
        };
        assert_eq!(s.arm(), Some(t0 + secs(31)));
        assert!(s.detach(id, true, t0 + secs(6)).wake_supervisor);
    }

    #[test]
    fn a_heartbeat_shorter_than_the_linger_wakes_the_supervisor_on_attach() {
        let now = Instant::now();
        let mut s = State::new_for_test(
            now,
            Timing {
                heartbeat: Duration::from_millis(100),
                linger: secs(5),
            },
        );
        assert_eq!(s.arm(), Some(now + secs(5)));
        assert_eq!(s.attach(now, None, false), Attach::Attached(1, true));
        assert_eq!(s.arm(), Some(now + Duration::from_millis(100)));
    }

    #[test]
    fn a_websocket_session_ends_with_its_receiver() {
        let now = Instant::now();
        let mut s = State::new_for_test(
            now,
            Timing {
                heartbeat: secs(25),
                linger: Duration::ZERO,
            },
        );
        let Attach::Attached(id, _) = s.attach(now, None, false) else {
            panic!()
        };
        s.next(s.rid(), now);
        assert_eq!(s.arm(), Some(now + secs(25)));
        assert!(s.detach(id, true, now).wake_supervisor);
        assert_eq!(s.handle_timeout(now), Timeout::Expired);
    }

    fn resumable(now: Instant) -> State {
        let mut s = State::new_for_test(now, TIMING);
        s.make_resumable(
            "tok".into(),
            ResumeTiming {
                ack_delay: Duration::from_millis(200),
                silence: secs(15),
            },
            now,
        );
        s
    }

    /// A resumable session whose first receiver (1) had the open and
    /// token frames.
    fn opened_resumable(t: Instant) -> State {
        let mut s = resumable(t);
        assert!(matches!(
            s.attach(t, Some(0), false),
            Attach::Attached(1, _)
        ));
        assert_eq!(s.next(1, t), Next::Open);
        assert_eq!(s.next(1, t), Next::Control(r#"x{"token":"tok"}"#.into()));
        s
    }

    #[test]
    fn a_frame_carries_at_most_batch_bytes_of_text_and_at_least_one_message() {
        let big = Limits {
            messages: 10_000,
            bytes: usize::MAX,
        };
        let small = "s".repeat(100);
        let huge = "h".repeat(BATCH_BYTES + 1);
        for resume in [false, true] {
            let t = Instant::now();
            let mut s = if resume {
                opened_resumable(t)
            } else {
                let (mut s, t) = state();
                s.attach(t, None, false);
                assert_eq!(s.next(s.rid(), t), Next::Open);
                s
            };
            let rid = s.rid();
            for _ in 0..1000 {
                assert_eq!(s.push(small.as_str().into(), big), Push::Queued);
            }
            assert_eq!(s.push(huge.as_str().into(), big), Push::Queued);
            assert_eq!(s.push("last".into(), big), Push::Queued);
            let per_frame = BATCH_BYTES / 100;
            let mut sizes = Vec::new();
            loop {
                match s.next(rid, t) {
                    Next::Messages(b, _, _) => {
                        sizes.push(b.iter().map(Message::len).sum::<usize>())
                    }
                    Next::Wait | Next::Ack(_) => break,
                    other => panic!("{other:?}"),
                }
            }
            // 1,000 small ones in frames of BATCH_BYTES at most, the huge one
            // alone, then the last.
            let mut want = vec![per_frame * 100; 1000 / per_frame];
            want.push((1000 % per_frame) * 100);
            want.extend([huge.len(), 4]);
            assert_eq!(sizes, want, "resume: {resume}");
            if !resume {
                assert_eq!(s.queued(), (0, 0), "everything taken, counted off");
            }
        }
    }

    fn batch(next: Next) -> (Vec<String>, Option<u64>) {
        match next {
            Next::Messages(m, _, acked) => {
                (m.iter().map(|m| m.as_str().to_owned()).collect(), acked)
            }
            other => panic!("expected messages, got {other:?}"),
        }
    }

    #[test]
    fn a_durable_session_tells_its_token_once_redis_has_its_record() {
        let t = Instant::now();
        let mut s = resumable(t);
        s.make_durable();
        assert!(matches!(
            s.attach(t, Some(0), false),
            Attach::Attached(1, _)
        ));
        assert_eq!(s.next(1, t), Next::Open);
        assert_eq!(s.next(1, t), Next::Wait, "no token before Redis has it");
        assert!(s.recorded(), "the waiting receiver is to be woken");
        assert_eq!(s.next(1, t), Next::Control(r#"x{"token":"tok"}"#.into()));
        assert!(!s.recorded(), "once");
    }

    /// What a resumable session keeps of a message it sent is a copy in
    /// its own buffer: the original (here a `String` the handler made)
    /// goes out and is freed once sent; sending again gives the copy; a
    /// prepared message is shared, not copied; the buffer is given back
    /// once everything is acknowledged.
    #[test]
    fn a_resumable_session_keeps_copies_of_what_it_sent_in_one_buffer() {
        let t = Instant::now();
        let mut s = opened_resumable(t);
        let (one, two) = (
            Message::new("one".to_owned()),
            Message::new("two".to_owned()),
        );
        let prepared = Message::prepared("tick");
        let addr = |m: &Message| m.as_str().as_ptr();
        let originals = [addr(&one), addr(&two), addr(&prepared)];
        for m in [one, two, prepared] {
            s.push(m, LIMITS);
        }
        let Next::Messages(sent, _, _) = s.next(1, t) else {
            panic!("expected messages")
        };
        let sent: Vec<_> = sent.iter().map(addr).collect();
        assert_eq!(sent, originals, "the originals go out");
        let kept: Vec<_> = s.queue.iter().map(addr).collect();
        assert_ne!(kept[0], originals[0], "a copy is kept");
        assert_eq!(kept[1], kept[0].wrapping_add(3), "in one buffer");
        assert_eq!(kept[2], originals[2], "a prepared message is shared");
        s.detach(1, true, t);
        assert!(matches!(
            s.attach(t, Some(1), false),
            Attach::Attached(2, _)
        ));
        let Next::Messages(again, _, _) = s.next(2, t) else {
            panic!("expected messages")
        };
        let texts: Vec<_> = again.iter().map(Message::as_str).collect();
        assert_eq!(texts, ["two", "tick"]);
        assert_eq!(addr(&again[0]), kept[1], "sent again from the copy");
        assert!(s.resume.as_ref().is_some_and(|r| r.arena.capacity() > 0));
        drop((sent, again));
        s.acknowledge(3, t);
        assert_eq!(s.queued(), (0, 0));
        // The next message's copy goes in the same buffer: no allocation.
        s.push(Message::new("three".to_owned()), LIMITS);
        let Next::Messages(third, _, _) = s.next(2, t) else {
            panic!("expected messages")
        };
        assert_eq!(third[0].as_str(), "three");
        let kept_now = s.queue.front().map(addr);
        assert_eq!(
            kept_now,
            Some(kept[0].wrapping_add(6)),
            "in the same buffer, after one and two"
        );
        drop(third);
        s.acknowledge(4, t);
        // Quiet for a heartbeat: it is given back.
        assert_eq!(
            s.handle_timeout(t + Duration::from_secs(25)),
            Timeout::WakeReceiver
        );
        let r = s.resume.as_ref().expect("resumable");
        assert_eq!(
            (r.kept, r.arena.capacity()),
            (0, 0),
            "the buffer is given back"
        );
    }

    #[test]
    fn resumable_sessions_send_again_what_is_not_acknowledged() {
        let t = Instant::now();
        let mut s = opened_resumable(t);
        for m in ["a", "b"] {
            s.push(m.into(), LIMITS);
        }
        assert_eq!(batch(s.next(1, t)), (vec!["a".into(), "b".into()], Some(0)));
        assert_eq!(s.queued(), (2, 2), "kept until acknowledged");
        s.detach(1, true, t);
        // The answer was lost: the next request still says 0.
        assert!(matches!(
            s.attach(t, Some(0), false),
            Attach::Attached(2, _)
        ));
        assert_eq!(batch(s.next(2, t)).0, ["a", "b"]);
        s.push("c".into(), LIMITS);
        s.detach(2, true, t);
        assert!(matches!(
            s.attach(t, Some(2), false),
            Attach::Attached(3, _)
        ));
        assert_eq!(s.queued(), (1, 1), "1 and 2 freed");
        assert_eq!(batch(s.next(3, t)).0, ["c"]);
        // Acknowledging the future is a broken resume.
        s.detach(3, true, t);
        assert_eq!(
            s.attach(t, Some(9), false),
            Attach::Refused(ResumeError::MessagesMissing)
        );
        assert!(matches!(
            s.attach(t, Some(3), false),
            Attach::Attached(4, _)
        ));
        assert_eq!(s.queued(), (0, 0));
    }

    #[test]
    fn a_new_receiver_replaces_a_resumable_sessions_old_one() {
        let t = Instant::now();
        let mut s = resumable(t);
        s.attach(t, None, false);
        s.next(1, t);
        s.next(1, t);
        // Another request arrives while the server believes 1 connected.
        assert!(matches!(s.attach(t, Some(0), true), Attach::Attached(2, _)));
        assert_eq!(s.next(1, t), Next::Kick, "the old one goes");
        assert_eq!(
            s.next(2, t),
            Next::Control(r#"x{"resumed":true,"in":0}"#.into())
        );
        assert_eq!(s.resumes(), 1);
        assert_eq!(
            s.detach(1, false, t),
            Detach::default(),
            "its leaving changes nothing"
        );
        assert_eq!(s.reason(), None);
        // Even an aborted request does not end a resumable session.
        assert!(!s.detach(2, false, t).closed);
        assert_eq!(s.reason(), None);
        assert_eq!(
            s.poll_timeout(),
            Some(t + secs(5)),
            "it waits out the window"
        );
    }

    #[test]
    fn accepted_client_messages_are_acknowledged_within_the_delay() {
        let t = Instant::now();
        let mut s = resumable(t);
        s.attach(t, None, false);
        s.next(1, t);
        s.next(1, t);
        assert_eq!(s.accept_from(1), Some(0));
        assert_eq!(s.push_inbound("m1".into(), LIMITS, t), InPush::Queued);
        assert_eq!(s.push_inbound("m2".into(), LIMITS, t), InPush::Queued);
        // A send from 2 again: one of it was accepted.
        assert_eq!(s.accept_from(2), Some(1));
        assert_eq!(s.accept_from(4), None, "a gap");
        let due = t + Duration::from_millis(200);
        assert_eq!(s.poll_timeout(), Some(due));
        assert_eq!(s.handle_timeout(due), Timeout::WakeReceiver);
        assert_eq!(s.next(1, due), Next::Ack(2));
        // A message frame carries it, and no separate ack follows.
        s.push_inbound("m3".into(), LIMITS, due);
        s.push("out".into(), LIMITS);
        assert_eq!(batch(s.next(1, due)), (vec!["out".into()], Some(3)));
        assert_eq!(
            s.poll_timeout(),
            Some(t + secs(15)),
            "then the silence bound"
        );
    }

    #[test]
    fn a_silent_client_has_its_connection_dropped_and_the_session_waits() {
        let t = Instant::now();
        let mut s = resumable(t);
        s.attach(t, None, false);
        s.next(1, t);
        s.next(1, t);
        s.heard(t + secs(10));
        assert_eq!(s.handle_timeout(t + secs(20)), Timeout::Nothing);
        assert_eq!(s.poll_timeout(), Some(t + secs(25)));
        assert_eq!(s.handle_timeout(t + secs(25)), Timeout::WakeReceiver);
        assert_eq!(s.next(1, t + secs(25)), Next::Kick);
        s.detach(1, false, t + secs(25));
        assert_eq!(s.reason(), None);
        assert_eq!(
            s.handle_timeout(t + secs(30)),
            Timeout::Expired,
            "after the window"
        );
    }

    /// Queue bounds far above the budget of [`two_sessions_on_a_budget_of_ten`].
    const BIG: Limits = Limits {
        messages: 100,
        bytes: 100,
    };

    /// Two sessions of one service whose budget is 10 bytes.
    fn two_sessions_on_a_budget_of_ten() -> (Instant, Arc<Budget>, State, State) {
        let t = Instant::now();
        let budget = Budget::new(10);
        let a = State::new(t, TIMING, budget.clone());
        let b = State::new(t, TIMING, budget.clone());
        (t, budget, a, b)
    }

    #[test]
    fn queues_share_the_services_budget() {
        let (t, budget, mut a, mut b) = two_sessions_on_a_budget_of_ten();
        assert_eq!(a.push("123456".into(), BIG), Push::Queued);
        assert_eq!(b.push("1234".into(), BIG), Push::Queued);
        assert_eq!(budget.used(), 10);
        assert!(
            matches!(b.push("x".into(), BIG), Push::Full(_)),
            "over the budget"
        );
        drop(a);
        assert_eq!(budget.used(), 4, "given back");
        assert_eq!(b.push("x".into(), BIG), Push::Queued);
        b.attach(t, None, false);
        b.next(1, t);
        assert!(matches!(b.next(1, t), Next::Messages(..)));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn what_clients_sent_shares_the_services_budget_too() {
        let (t, budget, mut a, mut b) = two_sessions_on_a_budget_of_ten();
        assert_eq!(a.push("123456".into(), BIG), Push::Queued, "outbound");
        assert_eq!(b.push_inbound("12".into(), BIG, t), InPush::Queued);
        assert_eq!(b.push_inbound("34".into(), BIG, t), InPush::Queued);
        assert_eq!(budget.used(), 10);
        assert!(
            matches!(b.push_inbound("5".into(), BIG, t), InPush::Full(_)),
            "over the budget, the client's send waits"
        );
        assert!(
            matches!(a.push("x".into(), BIG), Push::Full(_)),
            "and the outbound queues count as full"
        );
        let mut c = State::new(t, TIMING, budget.clone());
        assert_eq!(
            c.push_inbound("an empty queue takes one".into(), BIG, t),
            InPush::Queued,
            "as an empty queue always does"
        );
        drop(c);
        assert_eq!(
            budget.used(),
            10,
            "a dropped session gives its inbound back"
        );
        assert_eq!(
            b.pop_inbound(),
            Ok(Some(("12".into(), true))),
            "the waiting send is told of the room"
        );
        assert_eq!(budget.used(), 8);
        assert_eq!(b.push_inbound("5".into(), BIG, t), InPush::Queued);
        b.reader_gone();
        assert_eq!(budget.used(), 6, "a stream dropped gives back what it held");
        drop(a);
        assert_eq!(budget.used(), 0);
    }
}
