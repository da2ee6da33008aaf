/** The websocket transport: `ws(s)://<base>/<server>/<session>/websocket`. @internal */
import { g, later, noop } from '../util.js';
import type { Transport, TransportFactory } from './types.js';

export var websocket: TransportFactory = {
  transportName: 'websocket',
  // One round trip in theory; over TLS a second connection setup is likely.
  roundTrips: 2,
  enabled: function () {
    return !!g.WebSocket;
  },
  open: function (url, onFrame, onClose): Transport {
    var ws: any = null;
    function end(code: number, reason: string) {
      if (ws) {
        ws.onmessage = ws.onclose = ws.onerror = noop;
        ws = null;
        onClose(code, reason);
      }
    }
    try {
      ws = new g.WebSocket(url('/websocket').replace(/^http/, 'ws'));
      ws.onmessage = function (e: MessageEvent) { onFrame(e.data); };
      ws.onclose = function (e: CloseEvent) { end(e.code, e.reason); };
      ws.onerror = function () { end(1006, 'WebSocket connection broken'); };
    } catch (e) {
      // e.g. a blocked port: fail like a broken connection, but not synchronously
      ws = {};
      later(function () { end(1006, 'WebSocket connection broken'); });
    }
    return {
      send: function (m) {
        if (ws) ws.send('[' + m + ']');
      },
      close: function () {
        var w = ws;
        ws = null;
        if (w && w.close) {
          w.onmessage = w.onclose = w.onerror = noop;
          w.close();
        }
      }
    };
  }
};
