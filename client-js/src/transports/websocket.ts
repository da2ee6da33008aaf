/** The websocket transport: `ws(s)://<base>/<server>/<session>/websocket`. @internal */
import { g, later, noop } from '../util.js';
import type { Link, Transport, TransportFactory } from './types.js';

export var websocket: TransportFactory = {
  transportName: 'websocket',
  // One round trip in theory; over TLS a second connection setup is likely.
  roundTrips: 2,
  streaming: true,
  enabled: function () {
    return !!g.WebSocket;
  },
  open: function (link: Link): Transport {
    var ws: any = null;
    function end(code: number, reason: string) {
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
        ws = null;
        link.closed(code, reason);
      }
    }
    function broken() {
      end(1006, 'WebSocket connection broken');
    }
    function wake() {
      if (!ws || ws.readyState !== 1) return;
      for (var b = link.batch(true); b; b = link.batch(true)) {
        if (b.quoted.length) ws.send('[' + b.quoted.join(',') + ']');
      }
      var c = link.control();
      if (c) ws.send(c);
    }
    try {
      ws = new g.WebSocket(link.receiveUrl('/websocket').replace(/^http/, 'ws'));
      ws.onopen = wake;
      ws.onmessage = function (e: MessageEvent) { link.frame(e.data); };
      ws.onclose = function (e: CloseEvent) { end(e.code, e.reason); };
      ws.onerror = broken;
    } catch (e) {
      // e.g. a blocked port: fail like a broken connection, but not synchronously
      ws = {};
      later(broken);
    }
    return {
      wake: wake,
      close: function () {
        var w = ws;
        ws = null;
        if (w && w.close) {
          w.onopen = w.onmessage = w.onclose = w.onerror = noop;
          w.close();
        }
      }
    };
  }
};
