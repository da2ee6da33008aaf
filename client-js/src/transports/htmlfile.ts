/**
 * htmlfile: the "forever iframe". A hidden iframe loads `htmlfile?c=<name>`,
 * a page the server keeps open, writing one `<script>p("<frame>")</script>`
 * per frame; the page calls back `parent.<name>.start()`, `.message(frame)` and
 * `.stop()`. Same origin only, so it is used inside the iframe page (the
 * `iframe-htmlfile` transport of sockjs-client), not offered by the facade.
 * Sends via `xhr_send`.
 * @internal
 */
import { addQuery, g, randomString } from '../util.js';
import { xhrSend } from './ajax.js';
import { pollingTransport } from './polling.js';
import type { TransportFactory } from './types.js';

/**
 * Name of the global object holding the open receivers' callbacks (no leading
 * underscore: the minifier renames such properties, and the server's page
 * names this one).
 */
var CALLBACKS = 'SockJS_htmlfile';
/** A page that never calls `start()` (a proxy's error page, a blocked frame) is given up after this long. */
var START_TIMEOUT = 15000;

function receive(url: string, onFrame: (f: string) => void, done: (ok: boolean) => void): () => void {
  var d = g.document, id = 'a' + randomString(6), cbs = g[CALLBACKS] || (g[CALLBACKS] = {}),
    frame: any = d.createElement('iframe'), timer: any;
  function stop(): boolean {
    var f = frame;
    frame = null;
    clearTimeout(timer);
    delete cbs[id];
    if (f) {
      f.onerror = null;
      f.src = 'about:blank';
      if (f.parentNode) f.parentNode.removeChild(f);
    }
    return !!f;
  }
  function end(ok: boolean) {
    if (stop()) done(ok);
  }
  cbs[id] = {
    start: function () { clearTimeout(timer); },
    message: function (f: string) { if (frame) onFrame(f); },
    // the page finished loading: the response ended (response limit, close frame)
    stop: function () { end(true); }
  };
  frame.onerror = function () { end(false); };
  frame.style.display = 'none';
  frame.src = addQuery(url, 'c=' + CALLBACKS + '.' + id);
  timer = setTimeout(function () { end(false); }, START_TIMEOUT);
  d.body.appendChild(frame);
  return stop;
}

export var htmlfile: TransportFactory = {
  transportName: 'htmlfile',
  streaming: true,
  roundTrips: 2,
  needBody: true,
  enabled: function () {
    return !!g.document;
  },
  open: function (link) {
    return pollingTransport(link, '/htmlfile', receive, '/xhr_send', xhrSend);
  }
};
