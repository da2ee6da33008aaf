/**
 * jsonp-polling, for browsers without CORS XHR: each poll is a <script> for
 * `jsonp?c=<callback>` that calls back with one frame; messages are posted to
 * `jsonp_send` as the form field `d` by a hidden form into a hidden iframe.
 * @internal
 */
import { addQuery, g, randomString } from '../util.js';
import { pollingTransport } from './polling.js';
import type { Send } from './polling.js';
import type { TransportFactory } from './types.js';

/** Name of the global object holding the pending callbacks (the server checks names against [A-Za-z0-9_.]). */
var CALLBACKS = 'SockJS_jsonp';
/** A script that neither calls back nor fails (old browsers) is given up after this long. */
var SCRIPT_TIMEOUT = 35000;

function receive(url: string, onFrame: (f: string) => void, done: (ok: boolean) => void): () => void {
  var d = g.document, id = 'a' + randomString(6), cbs = g[CALLBACKS] || (g[CALLBACKS] = {}),
    script: any = d.createElement('script'), timer: any;
  function stop() {
    var s = script;
    script = null;
    clearTimeout(timer);
    delete cbs[id];
    if (s) {
      s.onload = s.onerror = null;
      if (s.parentNode) s.parentNode.removeChild(s);
    }
    return !!s;
  }
  function end(frame?: string) {
    if (stop()) {
      if (frame) onFrame(frame);
      done(frame != null);
    }
  }
  cbs[id] = end;
  // loaded without calling back, or failed to load
  script.onload = script.onerror = function () { end(); };
  script.async = true;
  script.src = addQuery(url, 'c=' + encodeURIComponent(CALLBACKS + '.' + id));
  timer = setTimeout(function () { end(); }, SCRIPT_TIMEOUT);
  var head = d.getElementsByTagName('head')[0] || d.body;
  head.insertBefore(script, head.firstChild);
  return stop;
}

var send: Send = function (url: string, payload: string, done: (err: string) => void): () => void {
  var d = g.document, id = 'a' + randomString(8), form: any = d.createElement('form'),
    area = d.createElement('textarea'), frame = d.createElement('iframe');
  function stop() {
    var f = form;
    form = null;
    frame.onload = null;
    if (f && f.parentNode) f.parentNode.removeChild(f);
    return !!f;
  }
  frame.name = id;
  form.target = id;
  form.method = 'POST';
  form.acceptCharset = 'UTF-8';
  form.action = addQuery(url, 'i=' + id);
  form.style.display = 'none';
  area.name = 'd';
  area.value = payload;
  form.appendChild(area);
  form.appendChild(frame);
  d.body.appendChild(form);
  form.submit();
  // The answer lands in the iframe; whether the post succeeded cannot be known.
  frame.onload = function () {
    if (stop()) done('');
  };
  return stop;
};
send.uncertain = true;

export var jsonpPolling: TransportFactory = {
  transportName: 'jsonp-polling',
  roundTrips: 1,
  needBody: true,
  enabled: function () {
    return !!g.document;
  },
  open: function (link) {
    return pollingTransport(link, '/jsonp', receive, '/jsonp_send', send);
  }
};
