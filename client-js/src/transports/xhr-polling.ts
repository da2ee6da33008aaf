/** xhr-polling: one POST to `xhr` per frame; sends via `xhr_send`. @internal */
import { xhrEnabled, xhrReceive, xhrSend } from './ajax.js';
import { pollingTransport } from './polling.js';
import type { TransportFactory } from './types.js';

export var xhrPolling: TransportFactory = {
  transportName: 'xhr-polling',
  roundTrips: 2, // CORS preflight, request
  enabled: xhrEnabled,
  open: function (link) {
    return pollingTransport(link, '/xhr', xhrReceive, '/xhr_send', xhrSend);
  }
};
