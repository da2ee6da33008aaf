// The transports the browser suites run, one list of each for every suite.

// Every transport sockjs-client 1.6.1 has that Chromium can run (xdr-* need
// IE's XDomainRequest), in sockjs-client's own order of preference.
export const SOCKJS_CLIENT_TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'eventsource',
  'iframe-eventsource',
  'htmlfile',
  'iframe-htmlfile',
  'xhr-polling',
  'iframe-xhr-polling',
  'jsonp-polling',
];

// client-js's transports, in its order of preference.
export const CLIENT_JS_TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling', 'jsonp-polling'];
