/** eventsource: frames as `data:` lines of a text/event-stream; sends via `xhr_send`. @internal */
import { g, noop } from '../util.js';
import { xhrEnabled, xhrSend } from './ajax.js';
import { pollingTransport } from './polling.js';
import type { TransportFactory } from './types.js';

function receive(url: string, onFrame: (f: string) => void, done: (ok: boolean) => void): () => void {
  var es = new g.EventSource(url);
  function stop() {
    es.onmessage = es.onerror = noop;
    es.close();
  }
  es.onmessage = function (e: MessageEvent) {
    var f = e.data;
    try {
      // servers percent-escape '%', CR, LF and NUL inside event data
      f = decodeURI(f);
    } catch (x) {
      // not escaped after all
    }
    onFrame(f);
  };
  es.onerror = function () {
    // CLOSED (2): refused for good; otherwise the stream ended and may be re-opened
    var ok = es.readyState != 2;
    stop();
    done(ok);
  };
  return stop;
}

export var eventSource: TransportFactory = {
  transportName: 'eventsource',
  streaming: true,
  roundTrips: 2,
  enabled: function (info) {
    return !!g.EventSource && xhrEnabled(info);
  },
  open: function (link) {
    return pollingTransport(link, '/eventsource', receive, '/xhr_send', xhrSend);
  }
};
