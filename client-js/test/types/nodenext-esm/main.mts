// An ES module under moduleResolution "nodenext" (a .mts file, or .ts in a
// "type": "module" package): `import` resolves to dist/index.d.mts. Lines
// marked `@ts-expect-error TSnnnn` must fail with that error.
import SockJS from 'actix-sockjs-client';
import type { SockJSOptions, SockJSReconnectingEvent, TransportName } from 'actix-sockjs-client';

const options: SockJSOptions = { transports: ['websocket', 'xhr-polling'], timeout: undefined, reconnect: { retries: 3 } };
const sock: SockJS = new SockJS('http://localhost:8081/echo', null, options);
sock.onmessage = (e) => {
  const text: string = e.data;
  console.log(text);
};
sock.onreconnecting = (e: SockJSReconnectingEvent) => console.log(e.code, e.reason);
sock.onheartbeat = (e) => console.log(e.type);
sock.onresumed = () => console.log(sock.transport);
sock.addEventListener('close', (e) => console.log(e.code, e.wasClean, e.willReconnect));
const transport: TransportName | null = sock.transport;
if (sock.readyState === SockJS.OPEN) sock.send(JSON.stringify({ transport }));

// @ts-expect-error TS2820 a misspelled transport name
new SockJS('/echo', null, { transports: ['eventsource', 'event-source'] });
// @ts-expect-error TS2540 readyState is read-only
sock.readyState = 3;
// @ts-expect-error TS2322 message data is a string
sock.onmessage = (e) => { const n: number = e.data; console.log(n); };
