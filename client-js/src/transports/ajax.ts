/**
 * XMLHttpRequest helpers shared by xhr-streaming, xhr-polling, eventsource
 * (for sending) and the /info request.
 * @internal
 */
import { addQuery, g, later, noop } from '../util.js';
import { refusal } from '../protocol.js';
import type { Info } from '../protocol.js';

/**
 * Sends a request; `done(status, responseText)` once at the end (status 0 on
 * a network error), `chunk(responseTextSoFar)` as a 200 response streams in.
 * Adds `t=<now>` against caches, and `withCredentials` for cookies (sticky
 * sessions) where XHR does CORS. Returns a function that aborts silently.
 */
export function ajax(
  method: string, url: string, body: string | null,
  done: (status: number, text: string) => void, chunk?: (text: string) => void
): () => void {
  var x: any = null;
  function finish(status: number, text: string) {
    if (x) {
      x.onreadystatechange = noop;
      x = null;
      done(status, text);
    }
  }
  try {
    x = new g.XMLHttpRequest();
    x.open(method, addQuery(url, 't=' + Date.now()), true);
    if ('withCredentials' in x) x.withCredentials = true;
    x.onreadystatechange = function () {
      var s = 0, t = '', r = x && x.readyState;
      if (r > 2) {
        try {
          s = x.status;
          t = x.responseText;
        } catch (e) {
          // old IE cannot read these at readyState 3
        }
        if (r == 4) finish(s == 1223 ? 204 : s, t || '');
        else if (s == 200 && t && chunk) chunk(t);
      }
    };
    x.send(body);
  } catch (e) {
    later(function () { finish(0, ''); });
  }
  return function () {
    var y = x;
    x = null;
    if (y) {
      y.onreadystatechange = noop;
      try {
        y.abort();
      } catch (e) {
        // nothing to abort
      }
    }
  };
}

/** Whether XHR can reach a server: same origin, or an XHR with CORS (`withCredentials`). */
export function xhrUsable(sameOrigin: boolean): boolean {
  var X = g.XMLHttpRequest;
  try {
    return !!X && (sameOrigin || 'withCredentials' in new X());
  } catch (e) {
    return false;
  }
}

/** `enabled()` of the XHR-based transports. */
export function xhrEnabled(info: Info): boolean {
  return !!info.xhr;
}

/**
 * Receives frames from a streaming or polling response, one per line (lines
 * that are complete only), as they arrive. `done(true)` when the response ended
 * with 200 (poll again), `done(false)` otherwise, with the close code and
 * the server's text when it was a refusal.
 */
export function xhrReceive(url: string, onFrame: (f: string) => void, done: (ok: boolean, code?: number, text?: string) => void): () => void {
  var pos = 0;
  function lines(text: string) {
    for (var i: number; (i = text.indexOf('\n', pos)) >= 0; ) {
      var f = text.slice(pos, i);
      pos = i + 1;
      if (f) onFrame(f);
    }
  }
  return ajax('POST', url, null, function (status, text) {
    if (status == 200) lines(text);
    done(status == 200, refusal(status), text);
  }, lines);
}

/** Posts a batch of messages to `<session>/xhr_send`; `done('')` on 200/204, `done(error)` otherwise (with a refusal's code and text). */
export function xhrSend(url: string, payload: string, done: (err: string, code?: number, text?: string) => void): () => void {
  return ajax('POST', url, payload, function (status, text) {
    done(status == 200 || status == 204 ? '' : 'http status ' + status, refusal(status), text);
  });
}

/** How long the /info request may take. */
var INFO_TIMEOUT = 8000;

/**
 * `GET <url>` (the info URL) with a timeout. Calls back once with the parsed
 * object (`{}` if not an object) and the round trip in ms, or on failure with
 * no info (and a refusal's close code and text). Returns a function that cancels.
 */
export function ajaxInfo(url: string, cb: (info?: Info, rtt?: number, code?: number, text?: string) => void): () => void {
  var start = Date.now(), timer = setTimeout(function () {
    abort();
    cb();
  }, INFO_TIMEOUT), abort = ajax('GET', url, null, function (status, text) {
    clearTimeout(timer);
    var info: any;
    if (status != 200) return cb(undefined, 0, refusal(status), text);
    try {
      info = JSON.parse(text);
    } catch (e) {
      // an answer that is not JSON still means the server is there
    }
    cb(info && typeof info == 'object' ? info : {}, Date.now() - start);
  });
  return function () {
    clearTimeout(timer);
    abort();
  };
}
