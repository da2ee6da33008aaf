//! A transport's claim on being a session's single receiver.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytestring::ByteString;
use tokio::time::Instant;

use super::state::{Attach, Batch, Next, ResumeError};
use super::Inner;

/// The receiver claim of one poll, stream or socket. Dropping it detaches;
/// dropping it before [`Attachment::complete`] was called means the client
/// went away mid-request, which interrupts the session.
pub(crate) struct Attachment {
    inner: Arc<Inner>,
    id: u64,
    completed: bool,
}

/// How a receiving request of a resumable session comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttachMode {
    /// The next request on the session's URL.
    Continue,
    /// Back on a new URL, with the token.
    Resumed,
    /// `resume=1` again: the answer that opened the session was lost.
    Reopen,
}

/// One frame for a transport to write.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Open,
    Heartbeat,
    /// Messages; in a resumable session, with the count of client
    /// messages accepted (the frame is then `q[...]`).
    Messages(Batch, Option<u64>),
    /// Resumable: an acknowledgement alone (`q[N]`).
    Ack(u64),
    /// Resumable: a control frame (`x{...}`), written as it is.
    Control(ByteString),
    Close(ByteString),
    /// The receiver was replaced, or its client went silent: end the
    /// request or socket without a frame (the session lives on).
    Kick,
}

impl Attachment {
    /// Becomes the receiver of `inner`: `Err(None)` when another is
    /// attached (2010), `Err(Some)` for a resume that cannot be honoured.
    /// `ack` and `resumed` are a resumable session's (see `State::attach`).
    pub(super) fn new(
        inner: &Arc<Inner>,
        ack: Option<u64>,
        mode: AttachMode,
    ) -> Result<Attachment, Option<ResumeError>> {
        let (attached, room) = {
            let mut state = inner.lock();
            let attached = state.attach_as(
                Instant::now(),
                ack,
                mode == AttachMode::Resumed,
                mode == AttachMode::Reopen,
            );
            inner.trim(&mut state);
            (attached, state.take_room_freed())
        };
        if room {
            inner.room.notify_waiters();
        }
        match attached {
            Attach::Attached(id, wake_supervisor) => {
                if wake_supervisor {
                    inner.supervisor.ring();
                }
                // A receiver it replaces learns it at its next look.
                inner.wake_receiver();
                Ok(Attachment {
                    inner: inner.clone(),
                    id,
                    completed: false,
                })
            }
            Attach::Busy => Err(None),
            Attach::Refused(e) => Err(Some(e)),
        }
    }

    /// The next frame: open, queued messages, the close frame, or a
    /// heartbeat when the session's supervisor finds one due.
    ///
    /// # Cancel safety
    /// Cancel-safe: messages are taken from the queue only in the same poll
    /// that returns them.
    pub(crate) async fn next(&mut self) -> Outgoing {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// [`Attachment::next`] for a transport that is itself polled (a
    /// response body): registers the task, then looks.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Outgoing> {
        self.inner.register_receiver(cx);
        match self.try_next() {
            Some(out) => Poll::Ready(out),
            None => Poll::Pending,
        }
    }

    /// The next frame if one is ready now. None while an earlier poll's
    /// long answer is still being taken by its connection: the receiver is
    /// woken once it is.
    pub(crate) fn try_next(&self) -> Option<Outgoing> {
        if self.inner.has_unread() {
            return None;
        }
        let next = self.inner.lock().next(self.id, Instant::now());
        Some(match next {
            Next::Open => Outgoing::Open,
            Next::Messages(batch, sender_waiting, acked) => {
                if sender_waiting {
                    self.inner.room.notify_waiters();
                }
                Outgoing::Messages(batch, acked)
            }
            Next::Heartbeat => Outgoing::Heartbeat,
            Next::Ack(n) => Outgoing::Ack(n),
            Next::Control(frame) => Outgoing::Control(frame),
            Next::Close(frame) => Outgoing::Close(frame),
            Next::Kick => Outgoing::Kick,
            Next::Wait => return None,
        })
    }

    /// The receiver's id, which tells its socket's reader from a newer one.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Marks the request as finished normally: dropping the attachment now
    /// is an ordinary detach, not an interruption.
    pub(crate) fn complete(&mut self) {
        self.completed = true;
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        let detach = self
            .inner
            .lock()
            .detach(self.id, self.completed, Instant::now());
        if detach.closed {
            tracing::debug!("session {}: receiver aborted, interrupted", self.inner.id);
            self.inner.wake_all();
        } else if detach.wake_supervisor {
            self.inner.supervisor.ring();
        }
    }
}
