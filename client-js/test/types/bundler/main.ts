// A TypeScript application under moduleResolution "bundler" (Vite, webpack,
// esbuild): `import` resolves to dist/index.d.mts, whose default export is the
// class. Lines marked `@ts-expect-error TSnnnn` must fail with that error.
import SockJS from 'actix-sockjs-client';
import type { SockJSCloseEvent, SockJSMessageEvent, SockJSOptions, TransportName } from 'actix-sockjs-client';

const all: TransportName[] = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling', 'jsonp-polling'];
const settings: { timeout?: number; token?: string } = {};
const options: SockJSOptions = {
  transports: all,
  timeout: settings.timeout, // undefined means the default, also under exactOptionalPropertyTypes
  server: '123',
  sessionId: () => 'abcdefgh',
  query: () => ({ token: settings.token, n: 1, debug: false, none: null }),
  resume: true,
  reconnect: { minDelay: 500, maxDelay: 10000, factor: 2, jitter: 0.3, retries: 5, shouldReconnect: (e) => e.code !== 4000 },
  heartbeatTimeout: 40000,
};
const sock = new SockJS('https://example.com/echo', null, options);
new SockJS('/echo', 'v1', { transports: 'websocket', reconnect: true });
new SockJS('/echo', ['v1', 'v2'], { transports: ['xhr-polling', 'iframe-eventsource'] as const }); // sockjs-client's names are accepted (and ignored)
new SockJS('/echo', undefined, { sessionId: 12, query: { token: 'secret' } });
new SockJS('/echo');

sock.onopen = function () {
  this.send('hello');
};
sock.onmessage = (e) => {
  const text: string = e.data;
  console.log(text.toUpperCase());
};
sock.onclose = (e: SockJSCloseEvent) => {
  const code: number = e.code;
  const reason: string = e.reason;
  const clean: boolean = e.wasClean;
  const again: boolean = e.willReconnect;
  console.log(code, reason, clean, again);
};
sock.onerror = (e) => console.log(e.type);
sock.onheartbeat = () => {};
sock.onreconnecting = (e) => console.log(e.code, e.reason);
sock.onresumed = null;
sock.addEventListener('message', (e: SockJSMessageEvent) => console.log(e.data.length));
sock.addEventListener('close', (e) => console.log(e.willReconnect));
sock.addEventListener('reconnecting', (e) => console.log(e.reason));
sock.addEventListener('heartbeat', () => {});
sock.addEventListener('resumed', function () {
  console.log(this.readyState);
});
sock.removeEventListener('open', () => {});
sock.dispatchEvent({ type: 'open' });

const state: 0 | 1 | 2 | 3 = sock.readyState;
const transport: TransportName | null = sock.transport;
const url: string = sock.url;
if (sock.readyState === SockJS.OPEN && state === sock.OPEN) sock.send('hi');
console.log(transport, url, SockJS.CONNECTING, SockJS.CLOSING, SockJS.CLOSED);
sock.close(1000, 'bye');

// Misuse that must not compile:
// @ts-expect-error TS2820 a misspelled transport name ("Did you mean 'xhr-streaming'?")
new SockJS('/echo', null, { transports: ['websocket', 'xhr-streamin'] });
// @ts-expect-error TS2820 a misspelled transport name on its own
new SockJS('/echo', null, { transports: 'web-socket' });
// @ts-expect-error TS2540 readyState is read-only
sock.readyState = SockJS.CLOSED;
// @ts-expect-error TS2540 so is transport
sock.transport = 'websocket';
// @ts-expect-error TS2322 message data is a string
sock.onmessage = (e) => { const n: number = e.data; console.log(n); };
// @ts-expect-error TS2561 an unknown option ("Did you mean to write 'transports'?")
new SockJS('/echo', null, { transport: 'websocket' });
// @ts-expect-error TS2769 an open event has no close code
sock.addEventListener('open', (e: SockJSCloseEvent) => console.log(e.code));
// @ts-expect-error TS2554 the URL is required
new SockJS();
