/** xhr-polling: one POST to `xhr` per frame; sends via `xhr_send`. @internal */
import { xhrEnabled, xhrReceive, xhrSend } from './ajax.js';
import { pollingTransport } from './polling.js';
import type { TransportFactory } from './types.js';

export var xhrPolling: TransportFactory = {
  transportName: 'xhr-polling',
  roundTrips: 2, // CORS preflight, request
  enabled: xhrEnabled,
  open: function (url, onFrame, onClose) {
    return pollingTransport(url, onFrame, onClose, '/xhr', xhrReceive, '/xhr_send', xhrSend);
  }
};
