/**
 * The machinery of every transport but websocket: a receive loop (one
 * long-lived streaming request, or one poll after another) and a sender that
 * posts what its link gives as one JSON array, one request at a time. With
 * the resume extension a failed request is tried again, a few times, before
 * the transport gives up (its connection then comes back on a new one).
 * @internal
 */
import { later, noop } from '../util.js';
import type { Batch } from '../journal.js';
import type { Link, Transport } from './types.js';

/** Starts one receive request; `done(true)` means it ended normally (receive again). Returns an abort function. */
export type Receive = (url: string, onFrame: (f: string) => void, done: (ok: boolean, code?: number, text?: string) => void) => () => void;
/**
 * Posts one payload; `done('')` on success, `done(error)` on failure, and
 * `certain` false when success cannot be seen (JSONP's form post). Returns an abort function.
 */
export type Send = ((url: string, payload: string, done: (err: string, code?: number, text?: string) => void) => () => void) & { uncertain?: boolean };

/** Normal ends in a row with no frame before the receive loop gives up (a server answering 200 and nothing). */
var EMPTY_LIMIT = 3;
/** Pause after a send before the next, so that replies to a burst get batched (as sockjs-client does). */
var SEND_PAUSE = 25;
/** Resumable: tries of a failing request, and the pause before each (doubling). */
var TRIES = 5;
var RETRY_PAUSE = 100;

export function pollingTransport(link: Link, recvSuffix: string, receive: Receive, sendSuffix: string, send: Send): Transport {
  var closed = false, empty = 0, recvFailures = 0, sendFailures = 0,
    stopRecv: () => void = noop, stopSend: (() => void) | null = null;

  /** Ends the transport: 1006, or a refusal's code with the server's text. */
  function fail(reason: string, code?: number) {
    if (!closed) {
      close();
      link.closed(code || 1006, reason);
    }
  }

  /** After a failure: again after a pause, or give up. */
  function retry(failures: number, again: () => void, reason: string): (() => void) | null {
    if (!link.resumable || failures >= TRIES) {
      fail(reason);
      return null;
    }
    var t = setTimeout(again, RETRY_PAUSE * Math.pow(2, failures - 1));
    return function () { clearTimeout(t); };
  }

  function poll() {
    var got = false;
    try {
      stopRecv = receive(link.receiveUrl(recvSuffix), function (f) {
        got = true;
        empty = 0;
        recvFailures = 0;
        link.frame(f);
      }, function (ok, code, text) {
        if (closed) return;
        if (code) return fail(text || '', code);
        if (ok && (got || ++empty < EMPTY_LIMIT)) return poll();
        stopRecv = retry(++recvFailures, poll, ok ? 'Receiver got nothing' : 'Receiver error') || noop;
      });
    } catch (e) {
      stopRecv = noop;
      later(function () { fail('Receiver error'); });
    }
  }

  function flush() {
    if (stopSend || closed) return;
    var b: Batch | null = link.batch(false);
    if (!b) return;
    var batch = b;
    stopSend = send(link.sendUrl(sendSuffix, batch), '[' + batch.quoted.join(',') + ']', function (err, code, text) {
      stopSend = null;
      if (code) return fail(text || '', code);
      // a session this URL no longer reaches: nothing to gain from trying again here
      if (err && (!link.resumable || / 404$/.test(err))) return fail('Sending error: ' + err);
      if (err) {
        stopSend = retry(++sendFailures, function () {
          stopSend = null;
          flush();
        }, 'Sending error: ' + err);
        return;
      }
      sendFailures = 0;
      link.sent(batch, !send.uncertain);
      var t = setTimeout(function () {
        stopSend = null;
        flush();
      }, SEND_PAUSE);
      stopSend = function () { clearTimeout(t); };
    });
  }

  function close() {
    closed = true;
    stopRecv();
    if (stopSend) stopSend();
  }

  poll();
  return {
    wake: flush,
    close: close
  };
}
