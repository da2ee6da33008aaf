/**
 * The machinery of every transport but websocket: a receive loop (one
 * long-lived streaming request, or one poll after another) and a buffered
 * sender that posts queued messages as one JSON array, one request at a time.
 * @internal
 */
import { later, noop } from '../util.js';
import type { Transport, UrlFn } from './types.js';

/** Starts one receive request; `done(true)` means it ended normally (receive again). Returns an abort function. */
export type Receive = (url: string, onFrame: (f: string) => void, done: (ok: boolean) => void) => () => void;
/** Posts one payload; `done('')` on success, `done(error)` on failure. Returns an abort function. */
export type Send = (url: string, payload: string, done: (err: string) => void) => () => void;

/** Normal ends in a row with no frame before the receive loop gives up (a server answering 200 and nothing). */
var EMPTY_LIMIT = 3;
/** Pause after a send before the next, so that replies to a burst get batched (as sockjs-client does). */
var SEND_PAUSE = 25;

export function pollingTransport(
  url: UrlFn, onFrame: (f: string) => void, onClose: (code: number, reason: string) => void,
  recvSuffix: string, receive: Receive, sendSuffix: string, send: Send
): Transport {
  var closed = false, empty = 0, queue: string[] = [], stopRecv: () => void, stopSend: (() => void) | null = null;

  function fail(reason: string) {
    if (!closed) {
      close();
      onClose(1006, reason);
    }
  }

  function poll() {
    var got = false;
    try {
      stopRecv = receive(url(recvSuffix), function (f) {
        got = true;
        empty = 0;
        onFrame(f);
      }, function (ok) {
        if (closed) return;
        if (ok && (got || ++empty < EMPTY_LIMIT)) poll();
        else fail(ok ? 'Receiver got nothing' : 'Receiver error');
      });
    } catch (e) {
      stopRecv = noop;
      later(function () { fail('Receiver error'); });
    }
  }

  function flush() {
    if (queue.length && !stopSend && !closed) {
      var payload = '[' + queue.join(',') + ']';
      queue = [];
      stopSend = send(url(sendSuffix), payload, function (err) {
        stopSend = null;
        if (err) return fail('Sending error: ' + err);
        var t = setTimeout(function () {
          stopSend = null;
          flush();
        }, SEND_PAUSE);
        stopSend = function () { clearTimeout(t); };
      });
    }
  }

  function close() {
    closed = true;
    stopRecv();
    if (stopSend) stopSend();
  }

  poll();
  return {
    send: function (m) {
      queue.push(m);
      flush();
    },
    close: close
  };
}
