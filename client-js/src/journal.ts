/**
 * What a client keeps of its session for the resume extension (docs/resume.md),
 * as pure state: the resume token, how many server messages it received,
 * which of its own messages the server has not accepted yet (they are sent
 * again until it has), and what it last acknowledged. No I/O, no timers.
 * @internal
 */

/** Messages for one send: the number of the first, and the quoted messages. */
export interface Batch {
  seq: number;
  quoted: string[];
}

export interface Journal {
  /** The resume token, once the server gave it. */
  token: string | null;
  /** The open frame arrived. */
  opened?: boolean;
  /** Server messages received, in order. */
  received: number;
  /** `received` as last acknowledged to the server. */
  acked: number;
  /** The number the next message gets. */
  nextSeq: number;
  /** Queues a message (quoted). */
  push(quoted: string): void;
  /** The server has accepted the client's messages up to `n`. */
  acceptedUpTo(n: number): void;
  /** A request came back to the session: the server has up to `n`; the rest goes again. */
  resumed(n: number): void;
  /**
   * The query of a receiving request: `resume=1` until the session gave its
   * token, then `resume=<token>&ack=N` (the token brings a request on a new
   * URL back to the session). It acknowledges what was received.
   */
  receiveQuery(): string;
  /** The query of a send: its first message's number and what was received. */
  sendQuery(seq: number): string;
  /** HTTP: the next send, from the first message not accepted (a failed send goes again whole). */
  httpBatch(): Batch | null;
  /** WebSocket: the messages not yet sent on this socket. */
  socketBatch(): Batch | null;
  /** Received messages not yet acknowledged. */
  unacked(): number;
}

export function journal(): Journal {
  /** Messages not yet accepted, in order; `sentOnSocket`: the last sent on the current socket. */
  var outbox: { seq: number; quoted: string }[] = [], sentOnSocket = 0;
  function batch(from: number): Batch | null {
    var b: Batch | null = null;
    for (var i = 0; i < outbox.length; i++) {
      var m = outbox[i];
      if (m.seq > from) {
        if (!b) b = { seq: m.seq, quoted: [] };
        b.quoted.push(m.quoted);
      }
    }
    return b;
  }
  var j: Journal = {
    token: null,
    received: 0,
    acked: 0,
    nextSeq: 1,
    push: function (quoted) {
      outbox.push({ seq: j.nextSeq++, quoted: quoted });
    },
    acceptedUpTo: function (n) {
      while (outbox.length && outbox[0].seq <= n) outbox.shift();
    },
    resumed: function (n) {
      j.acceptedUpTo(n);
      sentOnSocket = n;
    },
    receiveQuery: function () {
      j.acked = j.received;
      return j.token == null ? 'resume=1' + (j.opened ? '&ack=0' : '') : 'resume=' + encodeURIComponent(j.token) + '&ack=' + j.received;
    },
    sendQuery: function (seq) {
      j.acked = j.received;
      return 'seq=' + seq + '&ack=' + j.received;
    },
    httpBatch: function () {
      return batch(0);
    },
    socketBatch: function () {
      var b = batch(sentOnSocket);
      if (b) sentOnSocket = b.seq + b.quoted.length - 1;
      return b;
    },
    unacked: function () {
      return j.received - j.acked;
    }
  };
  return j;
}
