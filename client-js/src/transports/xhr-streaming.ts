/** xhr-streaming: one long POST to `xhr_streaming` read as it arrives; sends via `xhr_send`. @internal */
import { xhrEnabled, xhrReceive, xhrSend } from './ajax.js';
import { pollingTransport } from './polling.js';
import type { TransportFactory } from './types.js';

export var xhrStreaming: TransportFactory = {
  transportName: 'xhr-streaming',
  streaming: true,
  roundTrips: 2, // CORS preflight, request
  // some browsers spin the loading indicator for a stream started before load
  needBody: true,
  enabled: xhrEnabled,
  open: function (link) {
    return pollingTransport(link, '/xhr_streaming', xhrReceive, '/xhr_send', xhrSend);
  }
};
