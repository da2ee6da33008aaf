// A CommonJS module under moduleResolution "nodenext" (a .cts file, or .ts in
// a package without "type": "module"): `require` resolves to dist/index.d.ts,
// `export =` as the UMD bundle's `module.exports = SockJS`; the other types
// are on the class's namespace. Lines marked `@ts-expect-error TSnnnn` must
// fail with that error.
import SockJS = require('actix-sockjs-client');
import Default from 'actix-sockjs-client'; // esModuleInterop, on by default under nodenext
import type { SockJSCloseEvent } from 'actix-sockjs-client';

const options: SockJS.SockJSOptions = { transports: 'xhr-streaming', heartbeatTimeout: 30000 };
const sock = new SockJS('http://localhost:8081/echo', null, options);
const same: SockJS = new Default('/echo');
sock.onmessage = (e: SockJS.SockJSMessageEvent) => {
  const text: string = e.data;
  console.log(text);
};
sock.onclose = (e: SockJSCloseEvent) => console.log(e.code, e.reason, e.willReconnect);
sock.addEventListener('reconnecting', (e) => console.log(e.code));
const name: SockJS.TransportName | null = same.transport;
if (sock.readyState === SockJS.OPEN) sock.send(String(name));

// @ts-expect-error TS2322 a transport name sockjs-client does not have either
new SockJS('/echo', null, { transports: ['jsonp'] });
// @ts-expect-error TS2540 readyState is read-only
sock.readyState = SockJS.OPEN;
// @ts-expect-error TS2322 message data is a string
sock.onmessage = (e) => { const n: number = e.data; console.log(n); };
